#pragma once
// File-system work off the event-loop thread: upload creations and commits. Creating an
// upload is a .info written to a temp file and linked in, under --fsync always with two
// syncs; committing a PATCH is an fdatasync (under --fsync always) and a .info rewrite. On
// a busy or slow disk the kernel takes far longer for these than the protocol does: done on
// the event loop, every other connection waited (docs/performance.md). The intake hands
// TusHandler::startBody() for a bodiless POST, and TusHandler::finishBody() for a body that
// arrived whole, to this queue and waits; the answer comes back on the queue's thread.
//
// A few worker threads (2 to 4, by core count). Creations in one directory take the
// directory's lock only to add the name; the costly part, allocating the inode (a new
// .info is an O_TMPFILE, created without that lock), runs in parallel: on a file system
// that had just deleted many files, two threads made 2-3x the creations of one, and on a
// fast one as many (docs/performance.md). Syncs of different uploads overlap too. Jobs of
// different connections may finish in any order; one connection has one job in flight at a
// time, so its answers stay in order.
//
// Threads: run(), inFlight() and finishAll() on the owner's (event-loop) thread; jobs run
// on the workers.
#include "tushandler.h"

#include <QAtomicInt>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <functional>

namespace qtus {

class StorageQueue final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StorageQueue)

public:
    // threads: 0 for the default (2 to 4, by core count).
    explicit StorageQueue(int threads = 0, QObject *parent = nullptr);
    ~StorageQueue() override;  // waits for the jobs already submitted

    // Runs job on a worker, then done(result) on this object's thread, unless receiver has
    // been destroyed by then (a client that went away): the result is then dropped. The
    // job's work stands all the same: an upload it created stays, unannounced, until it
    // expires; bytes it committed are the upload's.
    template <typename Result>
    void run(QObject *receiver, std::function<Result()> job, std::function<void(Result &)> done)
    {
        auto result = std::make_shared<Result>();
        submit(receiver, [job = std::move(job), result] { *result = job(); },
               [done = std::move(done), result] { done(*result); });
    }
    // Jobs submitted whose answer has not been handed back yet (a graceful stop waits for 0).
    int inFlight() const { return m_inFlight.loadAcquire(); }
    // Runs every job to its end and hands back their answers now, including jobs submitted
    // while answers are handed back (a stop does this before the connections close, so no
    // client misses the answer to work done).
    void finishAll();

private:
    void submit(QObject *receiver, std::function<void()> work, std::function<void()> deliver);

    QThreadPool m_pool;
    QAtomicInt m_inFlight;
};

} // namespace qtus

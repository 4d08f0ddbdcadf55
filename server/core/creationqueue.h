#pragma once
// Upload creations off the event-loop thread. Creating an upload is file-system work (a data
// file, a .info written to a temp file and renamed, and under --fsync always two syncs), and
// on a busy directory the kernel takes far longer for it than the protocol does: done on the
// event loop, every other connection waited for it (docs/performance.md). The intake hands
// TusHandler::startBody() for a POST to this queue and waits; the answer comes back on the
// intake's thread.
//
// A few worker threads (2 to 4, by core count). Creations in one directory take the
// directory's lock only to add the name; the costly part, allocating the inode (a new
// .info is an O_TMPFILE, created without that lock), runs in parallel: on a file system
// that had just deleted many files, two threads made 2-3x the creations of one, and on a
// fast one as many (docs/performance.md). Jobs of different connections may finish in any
// order; one connection has one creation in flight at a time, so its answers stay in order.
#include "tushandler.h"

#include <QAtomicInt>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <functional>

namespace qtus {

class CreationQueue final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CreationQueue)

public:
    explicit CreationQueue(QObject *parent = nullptr);
    ~CreationQueue() override;  // waits for the jobs already submitted

    using Job = std::function<BodyDecision()>;
    using Done = std::function<void(BodyDecision &)>;
    // Runs job on a worker, then done(result) on this object's thread, unless receiver has
    // been destroyed by then (a client that went away): the result is then dropped, and the
    // upload it created stays, unannounced, until it expires.
    void run(QObject *receiver, Job job, Done done);
    // Jobs submitted whose answer has not been handed back yet (a graceful stop waits for 0).
    int inFlight() const { return m_inFlight.loadAcquire(); }
    // Runs every job submitted so far to its end and hands back their answers now (a stop
    // does this before the connections close, so no client misses a 201 for its upload).
    void finishAll();

private:
    QThreadPool m_pool;
    QAtomicInt m_inFlight;
};

} // namespace qtus

#pragma once
// Which uploads are being written or removed right now. A request writing an upload and a
// cleanup pass removing it both take the upload's lock, so they never overlap; a second
// writer gets 423 Locked instead of interleaving bytes.
//
// Locks that let go: the holder of a lock may say how to ask it to let go
// (UploadLock::setReleaseHandler). A request for the upload that finds it locked calls
// requestRelease(); the holder decides. A PATCH whose client has gone silent mid-body lets
// go (it commits what arrived and closes its connection), so a client that reconnects after
// a silent network loss resumes at once instead of waiting for the read timeout; an active
// writer keeps its lock.
//
// Threads: any thread may take, test and release locks. A release handler runs only on the
// thread of the context object it was registered with; requestRelease() from another thread
// leaves it alone.
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <functional>

namespace qtus {

class UploadLocks;

// Held while an upload is written or removed; released on destruction. Movable.
class UploadLock
{
public:
    UploadLock() = default;
    UploadLock(UploadLock &&other) noexcept;
    UploadLock &operator=(UploadLock &&other) noexcept;
    UploadLock(const UploadLock &) = delete;
    UploadLock &operator=(const UploadLock &) = delete;
    ~UploadLock();

    bool isHeld() const { return m_locks != nullptr; }
    const QString &id() const { return m_id; }
    void release();
    // letGo runs (on context's thread, while context lives) when another request for the
    // upload asks for it; it may release the lock or keep it. Its argument: the asker needs
    // the upload now (StopUpload), not only if the holder has stalled. Forgotten when the
    // lock goes.
    void setReleaseHandler(QObject *context, std::function<void(bool now)> letGo);

private:
    friend class UploadLocks;
    UploadLock(UploadLocks *locks, const QString &id) : m_locks(locks), m_id(id) {}
    UploadLocks *m_locks = nullptr;
    QString m_id;
};

class UploadLocks
{
public:
    // An unheld UploadLock when another owner holds it.
    UploadLock tryLock(const QString &id);
    bool isLocked(const QString &id) const;
    int count() const;
    // Asks the holder of id's lock to let go, if it said how and lives on this thread:
    // IfStalled (a new request for the upload) or Now (the upload is being stopped).
    // Returns whether the lock is free afterwards.
    enum class Release { IfStalled, Now };
    bool requestRelease(const QString &id, Release how = Release::IfStalled);
    // Cheap: whether any holder registered a release handler (HEAD asks only then).
    bool hasReleaseHandlers() const { return m_handlers.load(std::memory_order_relaxed) > 0; }

private:
    friend class UploadLock;
    struct Holder
    {
        QPointer<QObject> context;
        std::function<void(bool)> letGo;
    };
    void unlock(const QString &id);
    void setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo);
    mutable QMutex m_mutex;
    QHash<QString, Holder> m_held;  // every held lock; a Holder without context when none was set
    std::atomic<int> m_handlers{0};
};

} // namespace qtus

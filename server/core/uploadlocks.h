#pragma once
// Which uploads are being written or removed right now. A request writing an upload and a
// cleanup pass removing it both take the upload's lock, so they never overlap; a second
// writer gets 423 Locked instead of interleaving bytes.
//
// UploadLocker is the seam: the handler, the cleanup pass and the admin side see only it.
// UploadLocks is the one implementation so far, a table in this process; a lock shared by
// several servers (on one store) is the second.
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
#include <QThread>
#include <QString>

#include <atomic>
#include <functional>

namespace qtus {

class UploadLocker;

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
    // Not held because the locks could not be asked (a shared lock service is unreachable),
    // not because another request holds it: the request fails with 503, not 423.
    bool isUnavailable() const { return m_unavailable; }
    const QString &id() const { return m_id; }
    void release();
    // letGo runs (on context's thread, while context lives) when another request for the
    // upload asks for it; it may release the lock or keep it. Its argument: the asker needs
    // the upload now (StopUpload), not only if the holder has stalled. Forgotten when the
    // lock goes.
    void setReleaseHandler(QObject *context, std::function<void(bool now)> letGo);

private:
    friend class UploadLocker;
    UploadLock(UploadLocker *locks, const QString &id) : m_locks(locks), m_id(id) {}
    UploadLocker *m_locks = nullptr;
    QString m_id;
    bool m_unavailable = false;
};

// What a lock on uploads offers: take one without waiting, test, count, and ask the holder
// to let go. Threads: as above, for every implementation.
class UploadLocker
{
public:
    virtual ~UploadLocker() = default;
    // An unheld UploadLock when another owner holds it.
    virtual UploadLock tryLock(const QString &id) = 0;
    virtual bool isLocked(const QString &id) const = 0;
    // Locks held through this locker (not by other servers sharing it).
    virtual int count() const = 0;
    // Asks the holder of id's lock to let go, if it said how and lives on this thread:
    // IfStalled (a new request for the upload) or Now (the upload is being stopped).
    // Returns whether the lock is free afterwards.
    enum class Release { IfStalled, Now };
    virtual bool requestRelease(const QString &id, Release how = Release::IfStalled) = 0;
    // Cheap: whether a holder may let go when asked (HEAD asks only then).
    virtual bool hasReleaseHandlers() const = 0;
    // Shared by several servers: the cleanup pass then takes the lock named cleanupLease
    // first, so one pass runs at a time across them (a lease: renewed while the pass runs,
    // gone with a crashed holder).
    virtual bool isShared() const { return false; }
    static constexpr char cleanupLease[] = "cleanup-pass";  // never an upload id (uploadid.h)

protected:
    friend class UploadLock;
    UploadLock makeLock(const QString &id) { return UploadLock(this, id); }
    static UploadLock unavailableLock()
    {
        UploadLock lock;
        lock.m_unavailable = true;
        return lock;
    }
    virtual void unlock(const QString &id) = 0;
    virtual void setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo) = 0;

    // What every locker does when asked to let go of a lock held in this process: call its
    // holder's release handler, only on the holder's own thread and without the mutex
    // (letting go unlocks). held maps ids to holders with a context and a letGo, guarded by
    // mutex. Returns whether the lock is free afterwards.
    template <typename Holders>
    static bool callReleaseHandler(QMutex &mutex, const Holders &held, const QString &id, bool now)
    {
        std::function<void(bool)> letGo;
        {
            QMutexLocker guard(&mutex);
            const auto it = held.constFind(id);
            if (it == held.constEnd())
                return true;
            if (!it->context || it->context->thread() != QThread::currentThread() || !it->letGo)
                return false;
            letGo = it->letGo;
        }
        letGo(now);
        QMutexLocker guard(&mutex);
        return !held.contains(id);
    }
};

// The locks of one server process: a table under a mutex.
class UploadLocks final : public UploadLocker
{
public:
    UploadLock tryLock(const QString &id) override;
    bool isLocked(const QString &id) const override;
    int count() const override;
    bool requestRelease(const QString &id, Release how = Release::IfStalled) override;
    bool hasReleaseHandlers() const override { return m_handlers.load(std::memory_order_relaxed) > 0; }

private:
    struct Holder
    {
        QPointer<QObject> context;
        std::function<void(bool)> letGo;
    };
    void unlock(const QString &id) override;
    void setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo) override;
    mutable QMutex m_mutex;
    QHash<QString, Holder> m_held;  // every held lock; a Holder without context when none was set
    std::atomic<int> m_handlers{0};
};

} // namespace qtus

#pragma once
// Which uploads are being written or removed right now. A request writing an upload and a
// cleanup pass removing it both take the upload's lock, so they never overlap; a second
// writer gets 423 Locked instead of interleaving bytes. Thread-safe.
#include <QMutex>
#include <QSet>
#include <QString>

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

private:
    friend class UploadLock;
    void unlock(const QString &id);
    mutable QMutex m_mutex;
    QSet<QString> m_held;
};

} // namespace qtus

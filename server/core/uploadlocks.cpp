#include "uploadlocks.h"

#include <QThread>

namespace qtus {

UploadLock::UploadLock(UploadLock &&other) noexcept
    : m_locks(std::exchange(other.m_locks, nullptr)), m_id(std::move(other.m_id)), m_unavailable(other.m_unavailable)
{
}

UploadLock &UploadLock::operator=(UploadLock &&other) noexcept
{
    if (this != &other) {
        release();
        m_locks = std::exchange(other.m_locks, nullptr);
        m_id = std::move(other.m_id);
        m_unavailable = other.m_unavailable;
    }
    return *this;
}

UploadLock::~UploadLock() { release(); }

void UploadLock::release()
{
    if (m_locks)
        std::exchange(m_locks, nullptr)->unlock(m_id);
}

void UploadLock::setReleaseHandler(QObject *context, std::function<void(bool)> letGo)
{
    if (m_locks)
        m_locks->setReleaseHandler(m_id, context, std::move(letGo));
}

UploadLock UploadLocks::tryLock(const QString &id)
{
    QMutexLocker guard(&m_mutex);
    if (m_held.contains(id))
        return {};
    m_held.insert(id, Holder());
    return makeLock(id);
}

bool UploadLocks::isLocked(const QString &id) const
{
    QMutexLocker guard(&m_mutex);
    return m_held.contains(id);
}

int UploadLocks::count() const
{
    QMutexLocker guard(&m_mutex);
    return int(m_held.size());
}

bool UploadLocks::requestRelease(const QString &id, Release how)
{
    return callReleaseHandler(m_mutex, m_held, id, how == Release::Now);
}

void UploadLocks::setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo)
{
    QMutexLocker guard(&m_mutex);
    const auto it = m_held.find(id);
    if (it == m_held.end())
        return;
    if (!it->letGo)
        m_handlers.fetch_add(1, std::memory_order_relaxed);
    it->context = context;
    it->letGo = std::move(letGo);
}

void UploadLocks::unlock(const QString &id)
{
    QMutexLocker guard(&m_mutex);
    const auto it = m_held.find(id);
    if (it == m_held.end())
        return;
    if (it->letGo)
        m_handlers.fetch_sub(1, std::memory_order_relaxed);
    m_held.erase(it);
}

} // namespace qtus

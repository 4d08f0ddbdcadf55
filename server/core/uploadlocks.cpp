#include "uploadlocks.h"

namespace qtus {

UploadLock::UploadLock(UploadLock &&other) noexcept
    : m_locks(std::exchange(other.m_locks, nullptr)), m_id(std::move(other.m_id))
{
}

UploadLock &UploadLock::operator=(UploadLock &&other) noexcept
{
    if (this != &other) {
        release();
        m_locks = std::exchange(other.m_locks, nullptr);
        m_id = std::move(other.m_id);
    }
    return *this;
}

UploadLock::~UploadLock() { release(); }

void UploadLock::release()
{
    if (m_locks)
        std::exchange(m_locks, nullptr)->unlock(m_id);
}

UploadLock UploadLocks::tryLock(const QString &id)
{
    QMutexLocker guard(&m_mutex);
    if (m_held.contains(id))
        return {};
    m_held.insert(id);
    return UploadLock(this, id);
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

void UploadLocks::unlock(const QString &id)
{
    QMutexLocker guard(&m_mutex);
    m_held.remove(id);
}

} // namespace qtus

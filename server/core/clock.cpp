#include "clock.h"

namespace qtus {

ManualClock::ManualClock(const QDateTime &start)
    : m_now(start.toUTC())
{
}

QDateTime ManualClock::now() const
{
    QMutexLocker lock(&m_mutex);
    return m_now;
}

void ManualClock::set(const QDateTime &when)
{
    QMutexLocker lock(&m_mutex);
    m_now = when.toUTC();
}

void ManualClock::advance(std::chrono::milliseconds by)
{
    QMutexLocker lock(&m_mutex);
    m_now = m_now.addMSecs(by.count());
}

} // namespace qtus

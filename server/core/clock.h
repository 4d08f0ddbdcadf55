#pragma once
// The time source for expiry and cleanup. Production uses SystemClock; tests and the
// benchmark inject a ManualClock so nothing waits real minutes.
#include <QDateTime>
#include <QMutex>

namespace qtus {

class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime now() const = 0;  // always UTC
};

class SystemClock final : public Clock
{
public:
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
};

// Thread-safe: the cleanup pass reads it from a worker thread.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(const QDateTime &start = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    QDateTime now() const override;
    void set(const QDateTime &when);
    void advance(std::chrono::milliseconds by);

private:
    mutable QMutex m_mutex;
    QDateTime m_now;
};

} // namespace qtus

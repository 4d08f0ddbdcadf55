#include "cleanupscheduler.h"

#include "logging.h"

#include <QFutureWatcher>
#include <QThreadPool>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <climits>
#include <exception>

namespace qtus {

CleanupScheduler::CleanupScheduler(UploadStore &store, UploadLocker &locks, const Clock &clock,
                                   const CleanupPolicy &policy, QObject *parent)
    : QObject(parent),
      m_store(store),
      m_locks(locks),
      m_clock(clock),
      m_policy(policy),
      m_timer(new QTimer(this)),
      m_pool(std::make_unique<QThreadPool>()),
      m_watcher(std::make_unique<QFutureWatcher<CleanupReport>>())
{
    qRegisterMetaType<qtus::CleanupReport>();
    // One thread: passes never overlap, and the global pool stays free for everyone else.
    m_pool->setMaxThreadCount(1);
    // QTimer counts in int milliseconds (about 24.8 days); a longer interval runs that often.
    const qint64 interval = qMin<qint64>(m_policy.interval.count(), INT_MAX);
    if (interval < m_policy.interval.count())
        qCWarning(lcCleanup) << "cleanup interval capped at" << formatDuration(Duration(interval));
    m_timer->setInterval(int(qMax<qint64>(interval, 0)));
    connect(m_timer, &QTimer::timeout, this, &CleanupScheduler::runNow);
    connect(m_watcher.get(), &QFutureWatcherBase::finished, this, &CleanupScheduler::finishPass);
}

CleanupScheduler::~CleanupScheduler()
{
    m_timer->stop();
    // Nobody is left to read the report: end the pass soon rather than completely.
    m_interrupt = true;
    waitForPass();
}

void CleanupScheduler::start()
{
    runNow();
    if (m_policy.interval > Duration(0))
        m_timer->start();
}

void CleanupScheduler::stop()
{
    m_timer->stop();
    if (!m_running)
        return;
    waitForPass();
    // Report now rather than from the watcher's queued signal: stop() may be the last thing
    // the event loop runs. finishPass() ignores that signal when it arrives later.
    finishPass();
}

void CleanupScheduler::waitForPass()
{
    if (m_running)
        m_watcher->waitForFinished();
}

bool CleanupScheduler::isPassRunning() const { return m_running; }

std::optional<CleanupReport> CleanupScheduler::lastReport() const { return m_lastReport; }

QDateTime CleanupScheduler::nextPassAt() const
{
    if (!m_timer->isActive())
        return {};
    return m_clock.now().addMSecs(qMax(0, m_timer->remainingTime()));
}

void CleanupScheduler::interruptPass()
{
    if (m_running)
        m_interrupt = true;
}

void CleanupScheduler::runNow()
{
    if (m_running)
        return;  // joins: the running pass's passFinished answers this trigger too
    m_running = true;
    m_interrupt = false;
    const QDateTime startedAt = m_clock.now();
    m_watcher->setFuture(QtConcurrent::run(m_pool.get(), [this, startedAt] {
        // The worker only touches what is thread-safe: the store, the locks, the clock and
        // the interrupt flag. An exception would otherwise end the process from a pool thread.
        try {
            return CleanupPass(m_store, m_locks, m_clock, m_policy).run(startedAt, &m_interrupt);
        } catch (const std::exception &e) {
            CleanupReport failed;
            failed.startedAt = startedAt;
            failed.errors = 1;
            failed.errorMessages << QStringLiteral("cleanup pass aborted: %1").arg(QString::fromLocal8Bit(e.what()));
            qCWarning(lcCleanup).noquote() << failed.errorMessages.constFirst();
            return failed;
        }
    }));
    // After setFuture, so a slot that calls runNow() or stop() sees a pass to join or wait for.
    emit passStarted(startedAt);
}

void CleanupScheduler::finishPass()
{
    // Already reported by stop(), or the late signal of a pass replaced since.
    if (!m_running || !m_watcher->future().isFinished())
        return;
    m_running = false;
    m_lastReport = m_watcher->result();
    emit passFinished(*m_lastReport);
}

} // namespace qtus

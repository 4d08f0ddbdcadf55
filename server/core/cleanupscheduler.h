#pragma once
// Removes expired uploads: one pass when started, then one every interval (a QTimer), and
// on demand with runNow(). A pass runs on a worker thread so requests keep being answered;
// a trigger while a pass runs joins that pass. Failures are counted in the report and
// logged under qtus.cleanup; they never stop the scheduler.
//
// Threads: the scheduler lives in the thread that created it (the event loop thread); its
// slots, signals and accessors belong to that thread. The pass itself (cleanuppass.h) runs on
// a private one-thread pool, so UploadStore::uploadRemoved is emitted from that worker
// and reaches receivers in the event loop thread queued.
#include "cleanuppass.h"
#include "clock.h"
#include "units.h"

#include <QDateTime>
#include <QObject>
#include <QStringList>
#include <atomic>
#include <memory>
#include <optional>

class QThreadPool;
class QTimer;
template <typename T>
class QFutureWatcher;

namespace qtus {

class UploadLocker;

// CleanupPolicy and CleanupReport are declared in cleanuppass.h.

class CleanupScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CleanupScheduler)

public:
    CleanupScheduler(UploadStore &store, UploadLocker &locks, const Clock &clock, const CleanupPolicy &policy,
                     QObject *parent = nullptr);
    ~CleanupScheduler() override;  // waits for a running pass

    void start();   // a pass now, then the timer
    void stop();    // stops the timer and waits for a running pass
    bool isPassRunning() const;
    std::optional<CleanupReport> lastReport() const;
    QDateTime nextPassAt() const;  // invalid when no pass is scheduled

    const CleanupPolicy &policy() const { return m_policy; }
    // Asks a running pass to end after the item it is on (a second shutdown signal); it still
    // reports what it did, with interrupted set. Does not wait: stop() does.
    void interruptPass();

public slots:
    void runNow();  // joins a running pass instead of starting a second

signals:
    void passStarted(const QDateTime &startedAt);
    void passFinished(const qtus::CleanupReport &report);

private:
    void finishPass();
    void waitForPass();

    UploadStore &m_store;
    UploadLocker &m_locks;
    const Clock &m_clock;
    const CleanupPolicy m_policy;
    QTimer *m_timer = nullptr;
    std::unique_ptr<QThreadPool> m_pool;
    std::unique_ptr<QFutureWatcher<CleanupReport>> m_watcher;
    bool m_running = false;
    std::atomic_bool m_interrupt{false};
    std::optional<CleanupReport> m_lastReport;
};

} // namespace qtus

#pragma once
// Removes expired uploads: one pass when started, then one every interval (a QTimer), and
// on demand with runNow(). A pass runs on a worker thread so requests keep being answered;
// a trigger while a pass runs joins that pass. Failures are counted in the report and
// logged under qtus.cleanup; they never stop the scheduler.
#include "clock.h"
#include "units.h"

#include <QDateTime>
#include <QObject>
#include <QStringList>
#include <optional>

class QTimer;

namespace qtus {

class FileUploadStore;
class UploadLocks;

struct CleanupPolicy
{
    Duration interval = std::chrono::minutes(10);  // 0: no timer, passes only at start and on demand
    Duration expireAfter = std::chrono::hours(24);
    Duration keepCompleted = Duration(0);          // 0: completed uploads are kept forever
    Duration orphanGrace = std::chrono::hours(1);
};

struct CleanupReport
{
    QDateTime startedAt;
    Duration duration = Duration(0);
    int scanned = 0;      // sessions and stray files looked at
    int removed = 0;      // uploads (and orphans) deleted
    qint64 bytesFreed = 0;
    int errors = 0;
    QStringList errorMessages;  // the first few, for the log and the admin window
};

class CleanupScheduler final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CleanupScheduler)

public:
    CleanupScheduler(FileUploadStore &store, UploadLocks &locks, const Clock &clock, const CleanupPolicy &policy,
                     QObject *parent = nullptr);
    ~CleanupScheduler() override;  // waits for a running pass

    void start();   // a pass now, then the timer
    void stop();    // stops the timer and waits for a running pass
    bool isPassRunning() const;
    std::optional<CleanupReport> lastReport() const;
    QDateTime nextPassAt() const;  // invalid when no pass is scheduled

public slots:
    void runNow();  // joins a running pass instead of starting a second

signals:
    void passStarted(const QDateTime &startedAt);
    void passFinished(const qtus::CleanupReport &report);
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::CleanupReport)

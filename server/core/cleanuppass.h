#pragma once
// One cleanup pass over an upload directory: finds what is due and removes it, each upload
// under its lock. Synchronous and not a QObject, so it runs on any thread (CleanupScheduler
// runs it on a worker) and tests can drive it directly.
//
// Due: an incomplete upload whose expiry passed; a completed upload older than keepCompleted
// (when set); a file the index does not know (data without .info, .info without data, a
// leftover <id>.info.tmp) whose mtime is older than orphanGrace.
// Never touched: an upload whose lock is held (a request is writing it), a name the store
// does not write, a symlink or anything beside one under the same id, subdirectories.
#include "clock.h"
#include "uploadstore.h"
#include "units.h"

#include <QDateTime>
#include <QHash>
#include <QMetaType>
#include <QStringList>
#include <atomic>

namespace qtus {

class UploadLocker;

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
    int skippedInFlight = 0;    // due, but a request held the upload's lock; the next pass retries
    bool interrupted = false;   // ended early (CleanupScheduler::interruptPass)
    bool leaseElsewhere = false;  // not run: another server sharing the locks was running a pass
};

class CleanupPass final
{
    Q_DISABLE_COPY_MOVE(CleanupPass)

public:
    static constexpr int maxErrorMessages = 10;

    CleanupPass(UploadStore &store, UploadLocker &locks, const Clock &clock, const CleanupPolicy &policy);

    // startedAt: when the caller announced the pass (invalid: now). interrupt, when set to
    // true by another thread, ends the pass after the item it is on.
    CleanupReport run(const QDateTime &startedAt = {}, const std::atomic_bool *interrupt = nullptr);

    // Whether an indexed upload is due for removal at now.
    static bool isDue(const UploadInfo &info, const QDateTime &now, const CleanupPolicy &policy);

    // --- For the store's stray sweep (uploadstore.h), on the pass's thread. ---
    const QDateTime &now() const { return m_now; }
    const CleanupPolicy &policy() const { return m_policy; }
    UploadLocker &locker() { return m_locks; }
    CleanupReport &report() { return m_report; }
    // Whether the pass was asked to end (it then ends after the item it is on).
    bool isInterrupted();
    // Counts an error, keeps its message for the report and logs it (up to a bound).
    void fail(const QString &message);

private:
    void removeUpload(const QString &id);

    UploadStore &m_store;
    UploadLocker &m_locks;
    const Clock &m_clock;
    const CleanupPolicy m_policy;
    const std::atomic_bool *m_interrupt = nullptr;
    // Read once when the pass starts. Time only moves on, so judging a long pass by its first
    // instant can keep an upload a little longer, never remove one early.
    QDateTime m_now;
    CleanupReport m_report;
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::CleanupReport)

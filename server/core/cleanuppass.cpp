#include "cleanuppass.h"

#include "logging.h"
#include "uploadlocks.h"

#include <QElapsedTimer>

namespace qtus {

namespace {

// A directory that turned read-only can fail every upload in a pass; past this many, errors
// are still counted but not logged one by one, so a pass over 100k uploads cannot flood the log.
constexpr int maxLoggedErrors = 50;

} // namespace

CleanupPass::CleanupPass(UploadStore &store, UploadLocker &locks, const Clock &clock, const CleanupPolicy &policy)
    : m_store(store), m_locks(locks), m_clock(clock), m_policy(policy)
{
}

bool CleanupPass::isDue(const UploadInfo &info, const QDateTime &now, const CleanupPolicy &policy)
{
    switch (info.stateAt(now, policy.expireAfter)) {
    case SessionState::Expired:
        return true;
    case SessionState::Active:
        return false;
    case SessionState::Completed:
        if (policy.keepCompleted <= Duration(0))
            return false;
        const QDateTime completed = info.completedAt.isValid() ? info.completedAt : info.lastActivityAt;
        return completed.isValid() && now >= completed.addMSecs(policy.keepCompleted.count());
    }
    return false;
}

CleanupReport CleanupPass::run(const QDateTime &startedAt, const std::atomic_bool *interrupt)
{
    QElapsedTimer elapsed;  // real time: the injected clock may stand still in tests
    elapsed.start();
    m_interrupt = interrupt;
    m_report = CleanupReport();
    m_now = m_clock.now();
    m_report.startedAt = startedAt.isValid() ? startedAt : m_now;
    UploadLock lease;
    if (m_locks.isShared()) {
        lease = m_locks.tryLock(QString::fromLatin1(UploadLocker::cleanupLease));
        if (!lease.isHeld()) {
            if (lease.isUnavailable()) {
                fail(QStringLiteral("cleanup pass not run: the upload locks cannot be reached"));
            } else {
                m_report.leaseElsewhere = true;
                qCInfo(lcCleanup) << "cleanup pass skipped: another server is running one";
            }
            m_report.duration = Duration(elapsed.elapsed());
            return m_report;
        }
    }

    // The store's strays are looked for first, then the index is listed (filestraysweep.h
    // says why this order).
    const std::unique_ptr<StraySweep> strays = m_store.scanStrays(*this);
    // Ids only, then one short find() each: copying every UploadInfo at once would hold the
    // store's mutex, and stall every HEAD, for as long as the copy takes.
    const QStringList ids = m_store.uploadIds();

    for (const QString &id : ids) {
        if (isInterrupted())
            break;
        ++m_report.scanned;
        const auto info = m_store.find(id);
        if (info && isDue(*info, m_now, m_policy))
            removeUpload(id);
    }
    if (strays && !isInterrupted())
        strays->run(ids);
    m_report.duration = Duration(elapsed.elapsed());
    qCInfo(lcCleanup).noquote() << QStringLiteral("cleanup pass: scanned %1, removed %2, freed %3, %4 error(s), "
                                                  "%5 skipped in flight, %6 ms%7")
                                       .arg(m_report.scanned)
                                       .arg(m_report.removed)
                                       .arg(formatBytes(m_report.bytesFreed))
                                       .arg(m_report.errors)
                                       .arg(m_report.skippedInFlight)
                                       .arg(m_report.duration.count())
                                       .arg(m_report.interrupted ? QStringLiteral(" (interrupted)") : QString());
    return m_report;
}

void CleanupPass::removeUpload(const QString &id)
{
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld()) {  // a request is writing it; its commit will move the expiry anyway
        ++m_report.skippedInFlight;
        qCDebug(lcCleanup).noquote() << "skipping" << id << ": a request holds its lock";
        return;
    }
    // Judge again under the lock: since the scan the upload may have received bytes (a
    // commit moves its expiry) or been deleted by its client.
    const auto current = m_store.find(id);
    if (!current || !isDue(*current, m_now, m_policy))
        return;
    if (m_store.isLeftAlone(id)) {
        qCDebug(lcCleanup).noquote() << "leaving" << id << "alone: one of its files is a symlink";
        return;
    }
    qint64 freed = 0;
    QString why;
    const SessionState state = current->stateAt(m_now, m_policy.expireAfter);
    const StoreStatus status = m_store.remove(id, &freed, &why,
                                              state == SessionState::Expired ? RemovalReason::Expired : RemovalReason::Removed);
    m_report.bytesFreed += freed;
    if (status == StoreStatus::Ok) {
        ++m_report.removed;
        qCDebug(lcCleanup).noquote() << "removed" << id << sessionStateName(current->stateAt(m_now, m_policy.expireAfter));
    } else if (status != StoreStatus::NotFound) {
        fail(why);
    }
}

bool CleanupPass::isInterrupted()
{
    if (m_interrupt && m_interrupt->load(std::memory_order_relaxed))
        m_report.interrupted = true;
    return m_report.interrupted;
}

void CleanupPass::fail(const QString &message)
{
    ++m_report.errors;
    if (m_report.errorMessages.size() < maxErrorMessages)
        m_report.errorMessages << message;
    if (m_report.errors <= maxLoggedErrors)
        qCWarning(lcCleanup).noquote() << message;
    else if (m_report.errors == maxLoggedErrors + 1)
        qCWarning(lcCleanup) << "further errors in this pass are counted, not logged";
}

} // namespace qtus

#include "localsessionsource.h"

#include "cleanupscheduler.h"
#include "uploadstore.h"
#include "guilogging.h"
#include "uploadlocks.h"

namespace qtus {

LocalSessionSource::LocalSessionSource(UploadStore &store, UploadLocker &locks, CleanupScheduler &scheduler,
                                       const QUrl &uploadUrl, QObject *parent)
    : SessionSource(parent),
      m_store(store),
      m_locks(locks),
      m_scheduler(scheduler),
      m_uploadUrl(uploadUrl),
      m_storage(store.localDirectory())
{
    // With this object as the context: a signal from the cleanup worker arrives queued, in
    // this object's (the GUI) thread.
    connect(&m_store, &UploadStore::uploadCreated, this,
            [this](const UploadInfo &info) { emit sessionChanged(info.id); });
    connect(&m_store, &UploadStore::uploadProgress, this,
            [this](const QString &id, qint64) { emit sessionChanged(id); });
    connect(&m_store, &UploadStore::uploadCompleted, this,
            [this](const UploadInfo &info) { emit sessionChanged(info.id); });
    connect(&m_store, &UploadStore::uploadRemoved, this, &SessionSource::sessionRemoved);

    // statusChanged after the pass signal: a receiver of either reads the new status.
    connect(&m_scheduler, &CleanupScheduler::passStarted, this, [this] {
        emit passStarted();
        emit statusChanged();
    });
    connect(&m_scheduler, &CleanupScheduler::passFinished, this, [this](const CleanupReport &report) {
        emit passFinished(report);
        emit statusChanged();
    });
}

LocalSessionSource::~LocalSessionSource() = default;

QList<UploadInfo> LocalSessionSource::sessions() const { return m_store.sessions(); }

std::optional<UploadInfo> LocalSessionSource::find(const QString &id) const { return m_store.find(id); }

Duration LocalSessionSource::expireAfter() const { return m_store.expireAfter(); }

SessionSource::SourceStatus LocalSessionSource::status() const
{
    SourceStatus status;
    status.uploadUrl = m_uploadUrl;
    status.directory = m_store.location();
    status.storedBytes = m_store.storedBytes();
    m_storage.refresh();
    if (m_storage.isValid()) {
        status.freeBytes = m_storage.bytesAvailable();
        status.totalBytes = m_storage.bytesTotal();
    }
    status.passRunning = m_scheduler.isPassRunning();
    status.lastReport = m_scheduler.lastReport();
    status.nextPassAt = m_scheduler.nextPassAt();
    return status;
}

void LocalSessionSource::terminate(const QString &id, std::function<void(TerminateResult)> done)
{
    const TerminateResult result = [&] {
        UploadLock lock = m_locks.tryLock(id);
        if (!lock.isHeld())
            return TerminateResult::InFlight;
        qint64 freed = 0;
        switch (m_store.remove(id, &freed)) {
        case StoreStatus::Ok:
            qCInfo(lcGui) << "terminated upload" << id << "from the admin window, freed" << freed << "bytes";
            return TerminateResult::Removed;
        case StoreStatus::NotFound:
            return TerminateResult::Gone;
        default:
            return TerminateResult::Failed;
        }
    }();  // the lock is let go before done runs, which may do anything
    done(result);
}

void LocalSessionSource::runCleanup() { m_scheduler.runNow(); }

} // namespace qtus

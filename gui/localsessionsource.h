#pragma once
// The SessionSource of the server running in this process (qtus-admin): reads the store,
// the upload locks and the cleanup scheduler directly, answers every action before
// returning, and is always connected.
// Threads: the GUI thread, which must be the one the store and the scheduler live in. The
// store also signals from the cleanup worker; those signals reach this object queued, so
// every signal it emits comes from the GUI thread.
#include "sessionsource.h"

#include <QStorageInfo>

namespace qtus {

class CleanupScheduler;
class UploadStore;
class UploadLocker;

class LocalSessionSource final : public SessionSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalSessionSource)

public:
    // uploadUrl: the upload endpoint as clients see it (http://host:port/files/).
    LocalSessionSource(UploadStore &store, UploadLocker &locks, CleanupScheduler &scheduler,
                       const QUrl &uploadUrl, QObject *parent = nullptr);
    ~LocalSessionSource() override;

    QList<UploadInfo> sessions() const override;
    std::optional<UploadInfo> find(const QString &id) const override;
    Duration expireAfter() const override;
    // Reads the disk's figures afresh on every call (one statvfs and the mount table).
    SourceStatus status() const override;
    // Takes the upload's lock the way a cleanup pass does, so a request writing it wins.
    void terminate(const QString &id, std::function<void(TerminateResult)> done) override;
    void runCleanup() override;
    bool isLocal() const override { return true; }

private:
    UploadStore &m_store;
    UploadLocker &m_locks;
    CleanupScheduler &m_scheduler;
    const QUrl m_uploadUrl;
    mutable QStorageInfo m_storage;
};

} // namespace qtus

#pragma once
// Uploads on disk: <dir>/<id> holds the bytes, <dir>/<id>.info a JSON description
// (see uploadinfo.h). The data file is made by the first write: an upload no byte has
// reached yet has only its .info (except an empty, complete one). An in-memory index answers lookups without disk reads; it is rebuilt
// from the directory at open(). Thread-safe: the cleanup pass calls it from a worker thread.
//
// Durability (FsyncPolicy::Always): creation syncs the .info and its directory entry; the
// first commit syncs the data file's directory entry; commit() fdatasyncs the appended bytes before the new offset becomes visible; .info
// is replaced atomically (temp file, fsync, rename, fsync directory).
#include "clock.h"
#include "serverconfig.h"
#include "uploadinfo.h"
#include "uploadid.h"
#include "uploadindex.h"
#include "uploadinfofile.h"
#include "uploadwriter.h"

#include <QCache>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <optional>

namespace qtus {

// Why an upload went: its client (or an admin) terminated it, the cleanup removed it as
// expired, or it was removed for another reason (--keep-completed, a creation that failed).
enum class RemovalReason { Terminated, Expired, Removed };
enum class IdChoice { NewIfTaken, Exact };

class FileUploadStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileUploadStore)

public:
    FileUploadStore(const QString &directory, FsyncPolicy fsync, Duration expireAfter, const Clock &clock,
                    QObject *parent = nullptr);

    // Creates the directory if needed, checks it is writable, and loads every readable
    // upload. A corrupt or unreadable .info is logged and skipped, never deleted here.
    bool open(QString *error);

    QString directory() const { return m_dir; }
    QString dataPath(const QString &id) const;
    QString infoPath(const QString &id) const;
    const Clock &clock() const { return m_clock; }
    Duration expireAfter() const { return m_expireAfter; }

    std::optional<UploadInfo> find(const QString &id) const;
    QList<UploadInfo> sessions() const;
    int count() const;
    qint64 storedBytes() const;
    UploadIndex::StateTotals stateTotals(const QDateTime &now) const;

    // Fills in id and timestamps and writes the .info (and, for a length of 0, the empty data file).
    // NewIfTaken: an id that is not of the one form or is taken is replaced by a new one;
    // Exact: the id is the upload's or nothing is created (Exists).
    StoreStatus create(UploadInfo &info, IdChoice idChoice = IdChoice::NewIfTaken);
    // The lock must be held for lock.id(). maxSize (0 = none) bounds deferred-length uploads.
    StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer);
    // Makes the writer's bytes durable (per FsyncPolicy), then visible; releases the lock.
    // Returns the writer's own failure if it had one, after committing what was written
    // (on a full disk: the bytes before the failure). When the sync fails, none of this
    // request's bytes is kept and the offset stays where the request began.
    StoreStatus commit(UploadWriter &writer, UploadInfo *after = nullptr);
    // creation-defer-length: sets the length once. The caller holds the upload's lock.
    StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after = nullptr);
    // Deletes both files. The caller holds the upload's lock. reason: what uploadRemoved says.
    StoreStatus remove(const QString &id, qint64 *bytesFreed = nullptr, RemovalReason reason = RemovalReason::Terminated);

    // --- For the cleanup pass (cleanuppass.h), which calls these from its worker thread. ---
    // Every indexed id. Copies no UploadInfo, so it holds the mutex (and stalls lookups) for
    // about half as long as sessions() does; tests/bench/cleanup_bench prints both.
    QStringList uploadIds() const;
    enum class FileKind { Data, Info, InfoTemp };
    // Which file of which upload a directory entry is, when its name is one this store writes
    // (<id>, <id>.info, <id>.info.tmp); nullopt for every other name, so cleanup never
    // touches a file the store did not create.
    static std::optional<FileKind> fileKindOf(QStringView name, QString *id);
    QString filePath(const QString &id, FileKind kind) const;
    // Reads one upload from disk exactly as open() does, leaving the index alone: for files
    // the index does not know (a .info skipped at open, a copy dropped in later).
    std::optional<UploadInfo> readUpload(const QString &id, QString *why) const;
    // remove() that says why it failed, and does not log (the caller reports it). On success
    // uploadRemoved is emitted from the calling thread, so a cleanup worker emits it there:
    // receivers in other threads get it queued (AutoConnection), never a direct call.
    StoreStatus remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason);
    // Deletes one file of an upload the index does not know (an orphan) or a stale temp file.
    // Refuses anything but a regular file; never follows a symlink. The caller holds the
    // upload's lock and has checked the file's age.
    StoreStatus removeOrphanFile(const QString &id, FileKind kind, qint64 *bytesFreed, QString *why);

signals:
    void uploadCreated(const qtus::UploadInfo &info);
    void uploadProgress(const QString &id, qint64 offset);
    void uploadCompleted(const qtus::UploadInfo &info);
    void uploadRemoved(const QString &id, qtus::RemovalReason reason);

private:
    static constexpr char infoSuffix[] = ".info";
    static constexpr char tempSuffix[] = ".tmp";  // <id>.info.tmp: a .info being replaced or removed

    // detailsElsewhere: at startup, read only what the index keeps, and say whether the
    // metadata or part list was left in the file.
    std::optional<UploadInfo> loadOne(const QString &id, QString *why, bool *detailsElsewhere = nullptr) const;
    // The metadata and part list the index leaves in the .info (uploadindex.h).
    void fillDetails(UploadInfo &info) const;
    void cacheDetails(const UploadInfo &info) const;
    InfoFileWrite writeInfo(const UploadInfo &info) const;

    const QString m_dir;
    const FsyncPolicy m_fsync;
    const Duration m_expireAfter;
    const Clock &m_clock;
    struct UploadDetails
    {
        QByteArray metadataHeader;
        QStringList partialUploads;
    };
    mutable QMutex m_mutex;
    UploadIndex m_index;
    // Details of the uploads used last, at most about 1 MiB of them (guarded by m_mutex).
    mutable QCache<QString, UploadDetails> m_details{1024 * 1024};
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::RemovalReason)

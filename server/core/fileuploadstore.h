#pragma once
// Uploads on disk: <dir>/<id> holds the bytes, <dir>/<id>.info a JSON description
// (see uploadinfo.h). The data file is made by the first write: an upload no byte has
// reached yet has only its .info (except an empty, complete one). An in-memory index answers lookups without disk reads; it is rebuilt
// from the directory at open(). Thread-safe: the cleanup pass calls it from a worker thread.
//
// Durability (FsyncPolicy::Always): creation syncs the .info and its directory entry; the
// first commit syncs the data file's directory entry; commit() fdatasyncs the appended bytes before the new offset becomes visible; .info
// is replaced atomically (temp file, fsync, rename, fsync directory).
#include "serverconfig.h"
#include "uploadid.h"
#include "uploadinfofile.h"
#include "uploadstore.h"

#include <QCache>
#include <QHash>
#include <QMutex>

namespace qtus {

class FileUploadStore final : public UploadStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileUploadStore)

public:
    FileUploadStore(const QString &directory, FsyncPolicy fsync, Duration expireAfter, const Clock &clock,
                    QObject *parent = nullptr);

    // Creates the directory if needed, checks it is writable, and loads every readable
    // upload. A corrupt or unreadable .info is logged and skipped, never deleted here.
    bool open(QString *error) override;
    QString location() const override { return m_dir; }
    QString localDirectory() const override { return m_dir; }
    // Every capability: termination, concatenation, deferred length, downloads.
    StoreCapabilities capabilities() const override { return {true, true, true, true}; }

    QString directory() const { return m_dir; }
    QString dataPath(const QString &id) const;
    QString infoPath(const QString &id) const;
    const Clock &clock() const override { return m_clock; }
    Duration expireAfter() const override { return m_expireAfter; }

    std::optional<UploadInfo> find(const QString &id) const override;
    QList<UploadInfo> sessions() const override;
    int count() const override;
    qint64 storedBytes() const override;
    UploadIndex::StateTotals stateTotals(const QDateTime &now) const override;

    // Fills in id and timestamps and writes the .info (and, for a length of 0, the empty data file).
    // NewIfTaken: an id that is not of the one form or is taken is replaced by a new one;
    // Exact: the id is the upload's or nothing is created (Exists).
    StoreStatus create(UploadInfo &info, IdChoice idChoice = IdChoice::NewIfTaken) override;
    // The lock must be held for lock.id(). maxSize (0 = none) bounds deferred-length uploads.
    StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer) override;
    // Makes the writer's bytes durable (per FsyncPolicy), then visible; releases the lock.
    // Returns the writer's own failure if it had one, after committing what was written
    // (on a full disk: the bytes before the failure). When the sync fails, none of this
    // request's bytes is kept and the offset stays where the request began.
    StoreStatus commit(UploadWriter &writer, UploadInfo *after = nullptr) override;
    // creation-defer-length: sets the length once. The caller holds the upload's lock.
    StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after = nullptr) override;
    // Deletes both files. The caller holds the upload's lock. reason: what uploadRemoved says.
    using UploadStore::remove;
    StoreStatus remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason) override;
    // Appends the part's data file with copy_file_range (UploadWriter::appendFile).
    StoreStatus appendUpload(UploadWriter &writer, const QString &partId, qint64 length) override;
    std::unique_ptr<ContentReader> openContent(const QString &id, qint64 offset, qint64 length) const override;
    QString contentFile(const QString &id) const { return dataPath(id); }  // the data file
    // tusd's filestore: {"Type": "filestore", "Path": <data file>, "InfoPath": <.info>}, absolute.
    QJsonObject hookStorage(const QString &id) const override;
    // One of the upload's files is a symlink: not this store's to delete.
    bool isLeftAlone(const QString &id) const override;
    // Orphan files in the directory (filestraysweep.h).
    std::unique_ptr<StraySweep> scanStrays(CleanupPass &pass) override;

    // --- For the cleanup pass (cleanuppass.h), which calls these from its worker thread. ---
    // Every indexed id. Copies no UploadInfo, so it holds the mutex (and stalls lookups) for
    // about half as long as sessions() does; tests/bench/cleanup_bench prints both.
    QStringList uploadIds() const override;
    enum class FileKind { Data, Info, InfoTemp };
    // Which file of which upload a directory entry is, when its name is one this store writes
    // (<id>, <id>.info, <id>.info.tmp); nullopt for every other name, so cleanup never
    // touches a file the store did not create.
    static std::optional<FileKind> fileKindOf(QStringView name, QString *id);
    QString filePath(const QString &id, FileKind kind) const;
    // Reads one upload from disk exactly as open() does, leaving the index alone: for files
    // the index does not know (a .info skipped at open, a copy dropped in later).
    std::optional<UploadInfo> readUpload(const QString &id, QString *why) const;
    // Deletes one file of an upload the index does not know (an orphan) or a stale temp file.
    // Refuses anything but a regular file; never follows a symlink. The caller holds the
    // upload's lock and has checked the file's age.
    StoreStatus removeOrphanFile(const QString &id, FileKind kind, qint64 *bytesFreed, QString *why);

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

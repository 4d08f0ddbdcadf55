#pragma once
// Uploads on disk: <dir>/<id> holds the bytes, <dir>/<id>.info a JSON description
// (see uploadinfo.h). An in-memory index answers lookups without disk reads; it is rebuilt
// from the directory at open(). Thread-safe: the cleanup pass calls it from a worker thread.
//
// Durability (FsyncPolicy::Always): creation syncs the data file's directory entry and the
// .info; commit() fdatasyncs the appended bytes before the new offset becomes visible; .info
// is replaced atomically (temp file, fsync, rename, fsync directory).
#include "clock.h"
#include "serverconfig.h"
#include "uploadinfo.h"
#include "uploadwriter.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <optional>

namespace qtus {

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

    // Fills in id and timestamps, writes the empty data file and the .info.
    StoreStatus create(UploadInfo &info);
    // The lock must be held for lock.id(). maxSize (0 = none) bounds deferred-length uploads.
    StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer);
    // Makes the writer's bytes durable (per FsyncPolicy), then visible; releases the lock.
    // Returns the writer's own failure if it had one, after committing what was written.
    StoreStatus commit(UploadWriter &writer, UploadInfo *after = nullptr);
    // creation-defer-length: sets the length once. The caller holds the upload's lock.
    StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after = nullptr);
    // Deletes both files. The caller holds the upload's lock.
    StoreStatus remove(const QString &id, qint64 *bytesFreed = nullptr);

    static QString newUploadId();
    static bool isValidUploadId(QStringView id);  // 32 lowercase hex characters

signals:
    void uploadCreated(const qtus::UploadInfo &info);
    void uploadProgress(const QString &id, qint64 offset);
    void uploadCompleted(const qtus::UploadInfo &info);
    void uploadRemoved(const QString &id);

private:
    std::optional<UploadInfo> loadOne(const QString &id, QString *why) const;
    bool writeInfo(const UploadInfo &info) const;
    bool syncDirectory() const;

    const QString m_dir;
    const FsyncPolicy m_fsync;
    const Duration m_expireAfter;
    const Clock &m_clock;
    mutable QMutex m_mutex;
    QHash<QString, UploadInfo> m_index;
};

} // namespace qtus

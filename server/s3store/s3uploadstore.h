#pragma once
// Uploads in an S3 bucket (Ceph RGW, AWS, MinIO), shared by every qtusd pointed at it.
//
// Objects, under --s3-prefix: <id>.info describes the upload (the file store's JSON, plus an
// "S3" object: the multipart upload's id, its parts and the current tail); the bytes
// are one multipart upload of the object <id>, completed when the upload is; <id>.tail.<n>
// holds the last bytes that did not make a part yet (S3's parts are 5 MiB at least, but the
// last). The .info is written last, so it never names a part or tail that is not there.
//
// A PATCH streams its body into a local staging file (UploadWriter, under <dir>/staging),
// whatever its length. commit() then ships it: the tail and the new bytes become one part
// when they reach 5 MiB (or the upload is complete), else a new tail object; then the .info,
// then the 204. So a 204 means the bytes are in S3, and any node can resume the upload; the
// staging file is deleted after. Memory stays bounded: parts stream from the file, and only
// a tail (under 5 MiB) or an .info is ever held whole.
//
// HEAD and every lookup read the .info from S3 (no cache that another node could make stale).
// Listings (admin, cleanup) list the .info objects: the whole cluster's uploads.
//
// Concatenation: a final upload's parts that are 5 MiB or more, and come before any smaller
// one, are copied inside S3 (UploadPartCopy), never through this server; the rest are
// downloaded into the staging file and shipped like a PATCH's body.
//
// Capabilities: termination, deferred length, concatenation, and downloads: GET of a
// completed upload streams its object (GetObject with a Range, s3contentreader.h).
//
// Threads: any thread but the S3 session's own (s3session.h); every call may wait for S3.
#include "s3session.h"
#include "serverconfig.h"
#include "uploadstore.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <atomic>

namespace qtus {

struct S3StoreSettings
{
    S3Config s3;
    QString prefix;            // keys start with this ("uploads/"), may be empty
    QString stagingDirectory;  // local, for bodies on their way to S3
    Duration expireAfter = std::chrono::hours(24);
    qint64 minPartSize = 5 * 1024 * 1024;  // S3's minimum for every part but the last
};

class S3UploadStore final : public UploadStore
{
    Q_OBJECT

public:
    S3UploadStore(S3StoreSettings settings, const Clock &clock, QObject *parent = nullptr);
    ~S3UploadStore() override;

    bool open(QString *error) override;
    QString location() const override;
    StoreCapabilities capabilities() const override { return {true, true, true, true}; }
    const Clock &clock() const override { return m_clock; }
    Duration expireAfter() const override { return m_settings.expireAfter; }

    std::optional<UploadInfo> find(const QString &id) const override;
    StoreStatus lookup(const QString &id, UploadInfo *info) const override;  // info may be null
    QList<UploadInfo> sessions() const override;
    QStringList uploadIds() const override;
    int count() const override;
    qint64 storedBytes() const override;
    UploadIndex::StateTotals stateTotals(const QDateTime &now) const override;

    StoreStatus create(UploadInfo &info, IdChoice idChoice = IdChoice::NewIfTaken) override;
    StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer) override;
    StoreStatus commit(UploadWriter &writer, UploadInfo *after = nullptr) override;
    StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after = nullptr) override;
    using UploadStore::remove;
    StoreStatus remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason) override;
    StoreStatus appendUpload(UploadWriter &writer, const QString &partId, qint64 length) override;
    std::unique_ptr<ContentReader> openContent(const QString &id, qint64 offset, qint64 length) const override;
    // tusd's s3store: {"Type": "s3store", "Bucket": ..., "Key": ...}.
    QJsonObject hookStorage(const QString &id) const override;
    // Multipart uploads and objects no .info describes, older than --orphan-grace (s3straysweep.cpp).
    std::unique_ptr<StraySweep> scanStrays(CleanupPass &pass) override;

    // Bytes of final uploads that S3 copied itself (UploadPartCopy), since start.
    qint64 bytesCopiedInS3() const { return m_bytesCopied.load(); }

    QString infoKey(const QString &id) const { return m_settings.prefix + id + QStringLiteral(".info"); }
    QString objectKey(const QString &id) const { return m_settings.prefix + id; }

private:
    // An upload as its .info object has it: the description and the S3 state.
    struct Record
    {
        UploadInfo info;
        QString multipartId;    // empty once completed (or for a length of 0)
        QList<S3Part> parts;
        QString tailKey;        // empty: no tail
        qint64 tailSize = 0;
        int tailGeneration = 0;
    };
    enum class Lookup { Found, Missing, Failed };
    Lookup load(const QString &id, Record *record, QString *why = nullptr) const;
    StoreStatus save(const Record &record) const;
    QByteArray encode(const Record &record) const;
    static StoreStatus failure(const S3Error &error);
    StoreStatus ship(Record &record, const QString &staging, int stagingFd, qint64 kept, bool complete);
    QString stagingPath(const QString &id) const;

    // A final upload being assembled (appendUpload until its commit): the parts S3 copied.
    struct Assembly
    {
        QString multipartId;
        QList<S3Part> copied;
        qint64 copiedBytes = 0;
    };
    Assembly takeAssembly(const QString &id);

    const S3StoreSettings m_settings;
    QMutex m_assemblyMutex;
    QHash<QString, Assembly> m_assemblies;  // by the final upload's id (guarded by m_assemblyMutex)
    std::atomic<qint64> m_bytesCopied{0};
    const Clock &m_clock;
    mutable S3Session m_session;
};

} // namespace qtus

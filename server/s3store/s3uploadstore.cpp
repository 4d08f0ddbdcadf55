// S3UploadStore: lookups, creation, listing and removal. The commit path is in
// s3uploadstorecommit.cpp.
#include "s3uploadstore.h"

#include "s3contentreader.h"
#include "logging.h"
#include "uploadid.h"

#include <fcntl.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace qtus {

namespace {

// An .info is a few KiB (metadata is bounded by the header limit); anything larger is not ours.
constexpr qint64 maxInfoSize = 1024 * 1024;

} // namespace

S3UploadStore::S3UploadStore(S3StoreSettings settings, const Clock &clock, QObject *parent)
    : UploadStore(parent), m_settings(std::move(settings)), m_clock(clock), m_session(m_settings.s3)
{
    qRegisterMetaType<qtus::UploadInfo>();
    qRegisterMetaType<qtus::RemovalReason>();
}

S3UploadStore::~S3UploadStore() = default;

QString S3UploadStore::location() const
{
    return QStringLiteral("s3://%1/%2 at %3").arg(m_settings.s3.bucket, m_settings.prefix, m_settings.s3.endpoint.toString());
}

QString S3UploadStore::stagingPath(const QString &id) const
{
    return m_settings.stagingDirectory + QLatin1Char('/') + id;
}

bool S3UploadStore::open(QString *error)
{
    if (!QDir().mkpath(m_settings.stagingDirectory)) {
        *error = QStringLiteral("cannot create the staging directory %1").arg(m_settings.stagingDirectory);
        return false;
    }
    // Staging files are bytes no client was told about (a crash before their commit): gone.
    const QStringList stale = QDir(m_settings.stagingDirectory).entryList(QDir::Files);
    for (const QString &name : stale)
        QFile::remove(m_settings.stagingDirectory + QLatin1Char('/') + name);
    const auto page = m_session.call<S3ObjectPage>([this](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
        c.listObjects(m_settings.prefix, QString(), 1, nullptr, done);
    });
    if (!page.ok()) {
        *error = QStringLiteral("cannot list bucket %1: %2").arg(m_settings.s3.bucket, page.error->describe());
        return false;
    }
    qCInfo(lcStore).noquote() << "uploads in" << location();
    return true;
}

StoreStatus S3UploadStore::failure(const S3Error &error)
{
    qCWarning(lcStore).noquote() << "S3:" << error.describe();
    if (error.unreachable || error.httpStatus >= 500)
        return StoreStatus::Unavailable;
    return error.notFound() ? StoreStatus::NotFound : StoreStatus::IoError;
}

QByteArray S3UploadStore::encode(const Record &r) const
{
    QJsonObject o = QJsonDocument::fromJson(toInfoJson(r.info, m_settings.expireAfter)).object();
    QJsonArray parts;
    for (const S3Part &p : r.parts)
        parts.append(QJsonObject{{QStringLiteral("N"), p.number}, {QStringLiteral("Size"), p.size},
                                 {QStringLiteral("ETag"), QString::fromLatin1(p.etag)}});
    o.insert(QStringLiteral("Offset"), r.info.offset);
    o.insert(QStringLiteral("S3"), QJsonObject{{QStringLiteral("MultipartUpload"), r.multipartId},
                                               {QStringLiteral("Parts"), parts},
                                               {QStringLiteral("Tail"), r.tailKey},
                                               {QStringLiteral("TailSize"), r.tailSize},
                                               {QStringLiteral("TailGeneration"), r.tailGeneration}});
    o.insert(QStringLiteral("Storage"), hookStorage(r.info.id));
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

S3UploadStore::Lookup S3UploadStore::load(const QString &id, Record *record, QString *why) const
{
    if (!isValidUploadId(id))
        return Lookup::Missing;
    const auto got = m_session.getSmallObject(infoKey(id), maxInfoSize);
    if (!got.ok()) {
        if (got.error->notFound())
            return Lookup::Missing;
        if (why)
            *why = got.error->describe();
        qCWarning(lcStore).noquote() << "cannot read" << infoKey(id) << ":" << got.error->describe();
        return Lookup::Failed;
    }
    QString error;
    const auto info = fromInfoJson(got.value, &error);
    const QJsonObject s3 = QJsonDocument::fromJson(got.value).object().value(QLatin1String("S3")).toObject();
    if (!info || info->id != id) {
        // Never trust an object because of its name: one that does not describe this id is
        // left alone and reported, not served.
        if (why)
            *why = QStringLiteral("%1 is not a valid upload description: %2").arg(infoKey(id), error);
        qCWarning(lcStore).noquote() << infoKey(id) << "is not a valid upload description:" << error;
        return Lookup::Failed;
    }
    Record r;
    r.info = *info;
    r.multipartId = s3.value(QLatin1String("MultipartUpload")).toString();
    r.tailKey = s3.value(QLatin1String("Tail")).toString();
    r.tailSize = s3.value(QLatin1String("TailSize")).toInteger();
    r.tailGeneration = s3.value(QLatin1String("TailGeneration")).toInt();
    for (const QJsonValue &v : s3.value(QLatin1String("Parts")).toArray()) {
        const QJsonObject p = v.toObject();
        r.parts.append(S3Part{p.value(QLatin1String("N")).toInt(), p.value(QLatin1String("Size")).toInteger(),
                              p.value(QLatin1String("ETag")).toString().toLatin1()});
    }
    qint64 stored = r.tailSize;
    for (const S3Part &p : r.parts)
        stored += p.size;
    if (!r.info.completedAt.isValid() && stored != r.info.offset) {
        if (why)
            *why = QStringLiteral("%1 says offset %2 but holds %3 bytes").arg(infoKey(id)).arg(r.info.offset).arg(stored);
        return Lookup::Failed;
    }
    *record = r;
    return Lookup::Found;
}

StoreStatus S3UploadStore::save(const Record &record) const
{
    const auto put = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> done) {
        c.putObject(infoKey(record.info.id), encode(record), "application/json", nullptr, done);
    });
    return put.ok() ? StoreStatus::Ok : failure(*put.error);
}

std::optional<UploadInfo> S3UploadStore::find(const QString &id) const
{
    Record r;
    if (load(id, &r) != Lookup::Found)
        return std::nullopt;
    return r.info;
}

StoreStatus S3UploadStore::lookup(const QString &id, UploadInfo *info) const
{
    Record r;
    switch (load(id, &r)) {
    case Lookup::Found:
        if (info)
            *info = r.info;
        return StoreStatus::Ok;
    case Lookup::Missing:
        return StoreStatus::NotFound;
    case Lookup::Failed:
        break;
    }
    return StoreStatus::Unavailable;
}

QStringList S3UploadStore::uploadIds() const
{
    QStringList ids;
    QString token;
    do {
        const auto page = m_session.call<S3ObjectPage>([&](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
            c.listObjects(m_settings.prefix, token, 1000, nullptr, done);
        });
        if (!page.ok()) {
            qCWarning(lcStore).noquote() << "cannot list the uploads:" << page.error->describe();
            break;
        }
        for (const S3ObjectInfo &o : page.value.objects) {
            const QString name = o.key.mid(m_settings.prefix.size());
            if (name.endsWith(QLatin1String(".info")) && isValidUploadId(name.chopped(5)))
                ids << name.chopped(5);
        }
        token = page.value.truncated ? page.value.nextContinuationToken : QString();
    } while (!token.isEmpty());
    return ids;
}

QList<UploadInfo> S3UploadStore::sessions() const
{
    QList<UploadInfo> all;
    for (const QString &id : uploadIds()) {
        if (auto info = find(id))
            all << *info;
    }
    return all;
}

int S3UploadStore::count() const { return int(uploadIds().size()); }

qint64 S3UploadStore::storedBytes() const
{
    qint64 total = 0;
    for (const UploadInfo &info : sessions())
        total += info.offset;
    return total;
}

UploadIndex::StateTotals S3UploadStore::stateTotals(const QDateTime &now) const
{
    UploadIndex::StateTotals t;
    for (const UploadInfo &info : sessions()) {
        const auto state = size_t(info.stateAt(now, m_settings.expireAfter));
        ++t.count[state];
        t.bytes[state] += info.offset;
    }
    return t;
}

StoreStatus S3UploadStore::create(UploadInfo &info, IdChoice idChoice)
{
    if (idChoice == IdChoice::NewIfTaken || !isValidUploadId(info.id))
        info.id = newUploadId();  // 128 random bits: never taken in practice
    Record existing;
    if (idChoice == IdChoice::Exact) {
        switch (load(info.id, &existing)) {
        case Lookup::Missing: break;
        case Lookup::Found: return StoreStatus::Exists;
        case Lookup::Failed: return StoreStatus::Unavailable;  // cannot tell: never 409 on a guess
        }
    }
    const QDateTime now = m_clock.now();
    info.createdAt = now;
    info.lastActivityAt = now;
    info.offset = 0;
    Record r;
    r.info = info;
    if (info.isComplete()) {  // a length of 0: the object is there at once, empty
        const auto put = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> done) {
            c.putObject(objectKey(info.id), QByteArray(), QByteArray(), nullptr, done);
        });
        if (!put.ok())
            return failure(*put.error);
        r.info.completedAt = now;
    } else {
        const auto created = m_session.call<QString>([&](S3Client &c, S3Client::Callback<QString> done) {
            c.createMultipartUpload(objectKey(info.id), QByteArray(), nullptr, done);
        });
        if (!created.ok())
            return failure(*created.error);
        r.multipartId = created.value;
    }
    if (const StoreStatus saved = save(r); saved != StoreStatus::Ok)
        return saved;  // a multipart upload without .info: the cleanup pass aborts it later
    info = r.info;
    emit uploadCreated(info);
    if (info.isComplete())
        emit uploadCompleted(info);
    return StoreStatus::Ok;
}

StoreStatus S3UploadStore::declareLength(const QString &id, qint64 length, UploadInfo *after)
{
    Record r;
    switch (load(id, &r)) {
    case Lookup::Missing: return StoreStatus::NotFound;
    case Lookup::Failed: return StoreStatus::Unavailable;
    case Lookup::Found: break;
    }
    if (!r.info.sizeIsDeferred)
        return StoreStatus::Ok;
    r.info.sizeIsDeferred = false;
    r.info.size = length;
    if (const StoreStatus saved = save(r); saved != StoreStatus::Ok)
        return saved;
    if (after)
        *after = r.info;
    return StoreStatus::Ok;
}

StoreStatus S3UploadStore::remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason)
{
    Record r;
    switch (load(id, &r, why)) {
    case Lookup::Missing: return StoreStatus::NotFound;
    case Lookup::Failed: return StoreStatus::Unavailable;
    case Lookup::Found: break;
    }
    // The .info goes last: until then the upload is whole enough for the next try.
    QList<std::function<S3Status()>> steps;
    if (!r.multipartId.isEmpty()) {
        steps << [&] {
            return m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> done) {
                c.abortMultipartUpload(objectKey(id), r.multipartId, nullptr, done);
            });
        };
    }
    for (const QString &key : {objectKey(id), r.tailKey, infoKey(id)}) {
        if (key.isEmpty())
            continue;
        steps << [this, key] {
            return m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> done) {
                c.deleteObject(key, nullptr, done);
            });
        };
    }
    for (const auto &step : steps) {
        const S3Status done = step();
        if (!done.ok() && !done.error->notFound()) {
            if (why)
                *why = QStringLiteral("cannot remove upload %1: %2").arg(id, done.error->describe());
            else
                qCWarning(lcStore).noquote() << "cannot remove upload" << id << ":" << done.error->describe();
            return failure(*done.error);
        }
    }
    if (bytesFreed)
        *bytesFreed = r.info.offset;
    emit uploadRemoved(id, reason);
    return StoreStatus::Ok;
}

StoreStatus S3UploadStore::appendUpload(UploadWriter &writer, const QString &partId, qint64 length)
{
    const QString id = writer.id();
    Assembly assembly;
    {
        QMutexLocker guard(&m_assemblyMutex);
        assembly = m_assemblies.value(id);
    }
    if (assembly.multipartId.isEmpty()) {
        Record r;
        if (load(id, &r) != Lookup::Found)
            return StoreStatus::Unavailable;
        assembly.multipartId = r.multipartId;
    }
    if (length >= m_settings.minPartSize && writer.written() == 0) {
        // Copied inside S3: a part of its own, before anything staged.
        const int number = int(assembly.copied.size()) + 1;
        const auto copied = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> done) {
            c.uploadPartCopy(objectKey(id), assembly.multipartId, number, objectKey(partId), S3ByteRange{0, length - 1},
                             nullptr, done);
        });
        if (!copied.ok())
            return failure(*copied.error);
        assembly.copied.append(S3Part{number, length, copied.value});
        assembly.copiedBytes += length;
        m_bytesCopied += length;
    } else if (length > 0) {
        // Too small to be a part of its own (or after one that was): through the staging file.
        const QString temp = stagingPath(id) + QStringLiteral(".concat");
        const int fd = ::open(QFile::encodeName(temp).constData(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
            return StoreStatus::IoError;
        const S3Status fetched = m_session.downloadTo(objectKey(partId), fd);
        ::close(fd);
        const StoreStatus appended = fetched.ok() ? writer.appendFile(temp, length) : failure(*fetched.error);
        QFile::remove(temp);
        if (appended != StoreStatus::Ok)
            return appended;
    }
    QMutexLocker guard(&m_assemblyMutex);
    m_assemblies.insert(id, assembly);
    return StoreStatus::Ok;
}

S3UploadStore::Assembly S3UploadStore::takeAssembly(const QString &id)
{
    QMutexLocker guard(&m_assemblyMutex);
    return m_assemblies.take(id);
}

std::unique_ptr<ContentReader> S3UploadStore::openContent(const QString &id, qint64 offset, qint64 length) const
{
    return std::make_unique<S3ContentReader>(m_session, objectKey(id), offset, length);
}

QJsonObject S3UploadStore::hookStorage(const QString &id) const
{
    return {{QStringLiteral("Type"), QStringLiteral("s3store")},
            {QStringLiteral("Bucket"), m_settings.s3.bucket},
            {QStringLiteral("Key"), objectKey(id)}};
}

} // namespace qtus

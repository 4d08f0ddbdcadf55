// FileUploadStore, the part the cleanup pass and termination use: removing uploads and the
// stray files a crash can leave, and naming the files of the directory.
#include "fileuploadstore.h"

#include "logging.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

StoreStatus FileUploadStore::remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason)
{
    // The .info goes to its temp name first: from then on no restart takes the upload for one
    // no byte has reached (a .info without data file). If the bytes then cannot be removed,
    // the .info comes back and the upload stays whole (loadable, still indexed) for the next
    // cleanup pass to retry. A crash in between leaves a temp file and a data file without
    // .info: orphans the cleanup pass removes after --orphan-grace.
    const QByteArray info = QFile::encodeName(infoPath(id));
    const QByteArray hidden = info + tempSuffix;
    const QByteArray data = QFile::encodeName(dataPath(id));
    const auto sizeOf = [](const QByteArray &path) {
        struct stat st;
        return ::lstat(path.constData(), &st) == 0 ? qint64(st.st_size) : qint64(0);
    };
    const auto failure = [&](const QByteArray &path, int err) {
        const QString reason = QStringLiteral("cannot remove %1: %2").arg(QFile::decodeName(path), QString::fromLocal8Bit(strerror(err)));
        if (why)
            *why = reason;
        else
            qCWarning(lcStore).noquote() << reason;
        if (bytesFreed)
            *bytesFreed = 0;
        return StoreStatus::IoError;
    };
    const qint64 infoSize = sizeOf(info);
    const bool infoHidden = ::rename(info.constData(), hidden.constData()) == 0;
    if (!infoHidden && errno != ENOENT)
        return failure(info, errno);
    qint64 freed = sizeOf(data);
    if (::unlink(data.constData()) != 0) {
        const int err = errno;
        if (err != ENOENT) {
            if (infoHidden)
                ::rename(hidden.constData(), info.constData());
            return failure(data, err);
        }
        freed = 0;
    }
    if (infoHidden) {
        if (::unlink(hidden.constData()) == 0)
            freed += infoSize;
        else  // the upload is gone all the same; a stale temp file is the cleanup pass's to remove
            qCWarning(lcStore) << "cannot remove" << hidden << strerror(errno);
    }
    bool known = false;
    {
        QMutexLocker lock(&m_mutex);
        known = m_index.remove(id);
        m_details.remove(id);
    }
    if (bytesFreed)
        *bytesFreed = freed;
    if (known)
        emit uploadRemoved(id, reason);
    return known ? StoreStatus::Ok : StoreStatus::NotFound;
}

QStringList FileUploadStore::uploadIds() const
{
    QMutexLocker lock(&m_mutex);
    return m_index.keys();
}

std::optional<FileUploadStore::FileKind> FileUploadStore::fileKindOf(QStringView name, QString *id)
{
    static const QString tempEnding = QLatin1String(infoSuffix) + QLatin1String(tempSuffix);
    FileKind kind = FileKind::Data;
    QStringView stem = name;
    if (name.endsWith(tempEnding)) {
        kind = FileKind::InfoTemp;
        stem.chop(tempEnding.size());
    } else if (name.endsWith(QLatin1String(infoSuffix))) {
        kind = FileKind::Info;
        stem.chop(qsizetype(strlen(infoSuffix)));
    }
    if (!isValidUploadId(stem))
        return std::nullopt;
    if (id)
        *id = stem.toString();
    return kind;
}

QString FileUploadStore::filePath(const QString &id, FileKind kind) const
{
    switch (kind) {
    case FileKind::Data: return dataPath(id);
    case FileKind::Info: return infoPath(id);
    case FileKind::InfoTemp: return infoPath(id) + QLatin1String(tempSuffix);
    }
    return {};
}

std::optional<UploadInfo> FileUploadStore::readUpload(const QString &id, QString *why) const
{
    return loadOne(id, why);
}

StoreStatus FileUploadStore::removeOrphanFile(const QString &id, FileKind kind, qint64 *bytesFreed, QString *why)
{
    const QString path = filePath(id, kind);
    const QByteArray native = QFile::encodeName(path);
    auto fail = [&](const QString &reason) {
        *why = QStringLiteral("cannot remove %1: %2").arg(path, reason);
        return StoreStatus::IoError;
    };
    struct stat st;
    if (::lstat(native.constData(), &st) != 0)
        return errno == ENOENT ? StoreStatus::NotFound : fail(QString::fromLocal8Bit(strerror(errno)));
    if (!S_ISREG(st.st_mode))
        return fail(QStringLiteral("not a regular file"));
    if (::unlink(native.constData()) != 0)
        return errno == ENOENT ? StoreStatus::NotFound : fail(QString::fromLocal8Bit(strerror(errno)));
    *bytesFreed = qint64(st.st_size);
    return StoreStatus::Ok;
}

} // namespace qtus

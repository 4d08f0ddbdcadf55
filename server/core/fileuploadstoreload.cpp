// FileUploadStore, part three: reading uploads back from the directory (open() at startup,
// readUpload() for the cleanup pass) and the details the index leaves on disk. Split from
// fileuploadstore.cpp by responsibility.
//
// open() reads every .info of the directory, so its cost per upload is the server's startup
// time. It was about 9 system calls an upload through QDir/QFileInfo/QFile (three statx, two
// reads, two fstatat, open, close), about 50 us each on these machines' virtualised disks;
// written directly against the system it is 4 (open without following links, read, close,
// lstat of the data file), and the uploads are read on every core (docs/performance.md, the
// index row).
#include "fileuploadstore.h"

#include "logging.h"
#include "uploadinfoscan.h"

#include <QDir>
#include <QFile>
#include <QThread>
#include <QtConcurrent/QtConcurrentMap>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

namespace {

QDateTime modificationTime(const struct stat &st)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000, Qt::UTC);
}

constexpr qint64 maxInfoSize = 1 << 20;  // a .info is a few hundred bytes; metadata is bounded by the head limit

// The whole file, read without following a symlink, with scanPadding spare bytes allocated
// after it (scanInfoJson reads ahead); nullopt with *why on failure.
std::optional<QByteArray> readInfoFile(const QByteArray &path, QString *why, struct stat *st)
{
    const int fd = ::open(path.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        *why = errno == ELOOP ? QStringLiteral(".info is a symlink") : QString::fromLocal8Bit(strerror(errno));
        return std::nullopt;
    }
    constexpr qsizetype firstRead = 4096;
    QByteArray bytes(firstRead + scanPadding, Qt::Uninitialized);
    qsizetype used = 0;
    for (;;) {
        if (used + scanPadding == bytes.size()) {
            if (used >= maxInfoSize)
                break;
            bytes.resize(qMin<qsizetype>(used * 4, maxInfoSize) + scanPadding);
        }
        const ssize_t n = ::read(fd, bytes.data() + used, size_t(bytes.size() - scanPadding - used));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *why = QString::fromLocal8Bit(strerror(errno));
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0)
            break;
        used += n;
        if (used < firstRead)
            break;  // a short first read of a regular file is its end: no second read for it
    }
    if (st && ::fstat(fd, st) != 0)
        *st = {};
    ::close(fd);
    bytes.truncate(used);  // keeps the allocation, so the padding stays
    return bytes;
}

} // namespace

bool FileUploadStore::open(QString *error)
{
    if (!QDir().mkpath(m_dir)) {
        *error = QStringLiteral("cannot create upload directory %1").arg(m_dir);
        return false;
    }
    if (::access(QFile::encodeName(m_dir).constData(), W_OK | X_OK) != 0) {
        *error = QStringLiteral("upload directory %1 is not writable: %2").arg(m_dir, QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    DIR *dir = ::opendir(QFile::encodeName(m_dir).constData());
    if (!dir) {
        *error = QStringLiteral("cannot list upload directory %1: %2").arg(m_dir, QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    QStringList ids;
    for (const dirent *entry = ::readdir(dir); entry; entry = ::readdir(dir)) {
        const QByteArrayView name(entry->d_name);
        if (!name.endsWith(infoSuffix))
            continue;
        const QByteArrayView stem = name.chopped(qsizetype(strlen(infoSuffix)));
        if (!isValidUploadId(stem)) {
            qCWarning(lcStore).noquote() << "ignoring" << name.toByteArray()
                                         << ": not the name of an upload (ids are 32 lowercase hex characters)";
            continue;
        }
        ids << QString::fromLatin1(stem);
    }
    ::closedir(dir);

    // Read on every core, in slices, so the threads' start costs nothing next to the reads.
    struct Loaded
    {
        QList<UploadInfo> uploads;
        QList<bool> detailsElsewhere;
        QStringList problems;
    };
    QList<QStringList> slices;
    constexpr qsizetype slice = 512;
    for (qsizetype i = 0; i < ids.size(); i += slice)
        slices << ids.mid(i, slice);
    const QList<Loaded> loaded = QtConcurrent::blockingMapped(slices, [this](const QStringList &part) {
        Loaded out;
        out.uploads.reserve(part.size());
        for (const QString &id : part) {
            QString why;
            bool elsewhere = false;
            if (auto info = loadOne(id, &why, &elsewhere)) {
                out.uploads << *info;
                out.detailsElsewhere << elsewhere;
            } else {
                out.problems << id + QStringLiteral(" : ") + why;
            }
        }
        return out;
    });
    UploadIndex index;
    int skipped = 0;
    for (const Loaded &part : loaded) {
        for (qsizetype i = 0; i < part.uploads.size(); ++i)
            index.insert(part.uploads.at(i), part.detailsElsewhere.at(i));
        for (const QString &problem : part.problems) {
            ++skipped;
            qCWarning(lcStore).noquote() << "skipping upload" << problem;
        }
    }
    QMutexLocker lock(&m_mutex);
    m_index = std::move(index);
    m_details.clear();
    qCInfo(lcStore).noquote() << "loaded" << m_index.size() << "uploads from" << m_dir
                              << (skipped ? QStringLiteral("(%1 skipped)").arg(skipped) : QString());
    return true;
}

std::optional<UploadInfo> FileUploadStore::loadOne(const QString &id, QString *why, bool *detailsElsewhere) const
{
    struct stat infoStat = {};
    const auto json = readInfoFile(QFile::encodeName(infoPath(id)), why, &infoStat);
    if (!json)
        return std::nullopt;
    std::optional<UploadInfo> info;
    if (detailsElsewhere) {
        // Startup: only what the index keeps (uploadinfoscan.h); the full parser for the rest.
        if (auto scanned = scanInfoJson(json->constData(), json->size(), json->capacity(), UploadIndex::maxInlineMetadata)) {
            info = std::move(scanned->info);
            *detailsElsewhere = scanned->detailsElsewhere;
        }
    }
    if (!info)
        info = fromInfoJson(*json, why);
    if (!info)
        return std::nullopt;
    if (info->id != id) {
        *why = QStringLiteral("ID field does not match the file name");
        return std::nullopt;
    }
    struct stat st;
    const bool hasData = ::lstat(QFile::encodeName(dataPath(id)).constData(), &st) == 0;
    if (hasData) {
        if (!S_ISREG(st.st_mode)) {
            *why = QStringLiteral("data file is not a regular file");
            return std::nullopt;
        }
        // The data file's length is the durable offset; never report more than the declared size.
        info->offset = info->sizeIsDeferred ? qint64(st.st_size) : qMin<qint64>(st.st_size, info->size);
    } else if (errno == ENOENT && (info->offset > 0 || info->completedAt.isValid())) {
        // The .info records bytes (it is rewritten at completion): they are lost, and the
        // upload must not come back as one that never had any.
        *why = QStringLiteral("data file missing, though the .info records %1 bytes").arg(info->offset);
        return std::nullopt;
    } else if (errno == ENOENT) {
        info->offset = 0;  // no byte has arrived yet: the first PATCH makes the data file
        st = infoStat;
    } else {
        *why = QStringLiteral("cannot inspect the data file: %1").arg(QString::fromLocal8Bit(strerror(errno)));
        return std::nullopt;
    }
    const QDateTime mtime = modificationTime(st);  // of the data file, else of the .info
    if (!info->createdAt.isValid())
        info->createdAt = mtime;
    if (!info->lastActivityAt.isValid() || (hasData && info->lastActivityAt < mtime))
        info->lastActivityAt = mtime;  // PATCHes touch the data file, not the .info
    if (info->isComplete() && !info->completedAt.isValid())
        info->completedAt = info->lastActivityAt;
    return info;
}

void FileUploadStore::fillDetails(UploadInfo &info) const
{
    // Large metadata and part lists stay in the .info (uploadindex.h); the uploads being
    // worked on find theirs in a small cache, the rest read it back. Metadata never changes
    // after creation, so a cached copy cannot go stale.
    {
        QMutexLocker lock(&m_mutex);
        if (const UploadDetails *cached = m_details.object(info.id)) {
            info.metadataHeader = cached->metadataHeader;
            info.partialUploads = cached->partialUploads;
            return;
        }
    }
    QString why;
    std::optional<UploadInfo> stored;
    if (const auto json = readInfoFile(QFile::encodeName(infoPath(info.id)), &why, nullptr))
        stored = fromInfoJson(*json, &why);
    if (!stored || stored->id != info.id) {
        qCWarning(lcStore).noquote() << "cannot read the metadata of" << info.id << "from its .info:"
                                     << (stored ? QStringLiteral("another ID") : why);
        return;
    }
    info.metadataHeader = stored->metadataHeader;
    info.partialUploads = stored->partialUploads;
    cacheDetails(info);
}

void FileUploadStore::cacheDetails(const UploadInfo &info) const
{
    if (info.metadataHeader.size() <= UploadIndex::maxInlineMetadata && info.partialUploads.isEmpty())
        return;  // in the index already
    const qsizetype cost = info.metadataHeader.size() + info.partialUploads.size() * 2 * uploadIdLength + 64;
    QMutexLocker lock(&m_mutex);
    m_details.insert(info.id, new UploadDetails{info.metadataHeader, info.partialUploads}, cost);
}

} // namespace qtus

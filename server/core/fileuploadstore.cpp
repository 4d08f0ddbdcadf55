#include "fileuploadstore.h"

#include "filecontentreader.h"
#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

namespace {

StoreStatus statusFromErrno(int error)
{
    return (error == ENOSPC || error == EDQUOT) ? StoreStatus::Full : StoreStatus::IoError;
}


} // namespace

FileUploadStore::FileUploadStore(const QString &directory, FsyncPolicy fsync, Duration expireAfter,
                                 const Clock &clock, QObject *parent)
    : UploadStore(parent),
      m_dir(QDir(directory).absolutePath()),
      m_fsync(fsync),
      m_expireAfter(expireAfter),
      m_clock(clock)
{
    qRegisterMetaType<qtus::UploadInfo>();
    qRegisterMetaType<qtus::RemovalReason>();
}

QString FileUploadStore::dataPath(const QString &id) const { return m_dir + QLatin1Char('/') + id; }
QString FileUploadStore::infoPath(const QString &id) const { return dataPath(id) + QLatin1String(infoSuffix); }

std::optional<UploadInfo> FileUploadStore::find(const QString &id) const
{
    bool elsewhere = false;
    std::optional<UploadInfo> info;
    {
        QMutexLocker lock(&m_mutex);
        info = m_index.find(id, &elsewhere);
    }
    if (info && elsewhere)
        fillDetails(*info);
    return info;
}

QList<UploadInfo> FileUploadStore::sessions() const
{
    QList<bool> elsewhere;
    QList<UploadInfo> all;
    {
        QMutexLocker lock(&m_mutex);
        all = m_index.values(&elsewhere);
    }
    for (qsizetype i = 0; i < all.size(); ++i) {
        if (elsewhere.at(i))
            fillDetails(all[i]);
    }
    return all;
}

int FileUploadStore::count() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_index.size());
}

UploadIndex::StateTotals FileUploadStore::stateTotals(const QDateTime &now) const
{
    QMutexLocker lock(&m_mutex);
    return m_index.stateTotals(now.toMSecsSinceEpoch(), m_expireAfter.count());
}

qint64 FileUploadStore::storedBytes() const
{
    QMutexLocker lock(&m_mutex);
    return m_index.totalOffset();
}

StoreStatus FileUploadStore::create(UploadInfo &info, IdChoice idChoice)
{
    const bool taken = !isValidUploadId(info.id) || find(info.id) || QFileInfo::exists(dataPath(info.id))
        || QFileInfo::exists(infoPath(info.id));
    if (taken && idChoice == IdChoice::Exact)
        return isValidUploadId(info.id) ? StoreStatus::Exists : StoreStatus::NotFound;
    if (taken)
        info.id = newUploadId();  // an id chosen earlier (the pre-create hook was told it) is kept
    info.offset = 0;
    info.createdAt = m_clock.now();
    info.lastActivityAt = info.createdAt;
    if (info.isComplete())
        info.completedAt = info.createdAt;  // rule CR6: a zero-length upload is complete at once
    // The data file is made by the first write (openWriter), so a creation makes one file, not
    // two. An upload complete at once (length 0) gets its empty data file now: every complete
    // upload has one.
    const QByteArray path = QFile::encodeName(dataPath(info.id));
    const bool withData = info.isComplete();
    if (withData) {
        const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            const int err = errno;
            qCWarning(lcStore) << "cannot create data file" << path << strerror(err);
            return statusFromErrno(err);
        }
        ::close(fd);
    }
    const QByteArray infoFile = QFile::encodeName(infoPath(info.id));
    const InfoFileWrite written = createInfoFile(infoFile, infoFile + tempSuffix, toInfoJson(info, m_expireAfter), m_fsync);
    if (!written.ok()) {
        // No half upload: without both files nobody could resume it, and the client was
        // told nothing but the error. Removing files frees space, so this works on a full disk.
        qCWarning(lcStore) << "cannot write the .info of a new upload" << info.id << strerror(written.error);
        if (written.replaced)
            ::unlink(infoFile.constData());
        if (withData)
            ::unlink(path.constData());
        return statusFromErrno(written.error);
    }
    {
        QMutexLocker lock(&m_mutex);
        m_index.insert(info);
    }
    cacheDetails(info);
    emit uploadCreated(info);
    if (info.isComplete())
        emit uploadCompleted(info);
    return StoreStatus::Ok;
}

StoreStatus FileUploadStore::openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer)
{
    Q_ASSERT(lock.isHeld());
    const auto info = find(lock.id());
    if (!info)
        return StoreStatus::NotFound;
    const QByteArray path = QFile::encodeName(dataPath(info->id));
    int fd = ::open(path.constData(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && info->offset == 0) {
        // No byte has arrived yet, so there is no data file yet (create()): this write makes it.
        // With an offset above 0 a missing file is lost data, never silently an empty upload.
        fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    }
    if (fd < 0) {
        const int err = errno;
        qCWarning(lcStore) << "cannot open data file" << path << strerror(err);
        return err == ENOENT ? StoreStatus::NotFound : statusFromErrno(err);
    }
    // Bytes past the acknowledged offset (a write that failed before its commit) were never
    // acknowledged; drop them so the file length stays the offset.
    // Truncating only when needed matters: on ext4 a truncate makes the later close() flush
    // the whole file (auto_da_alloc), a full second for 1 GiB on the event-loop thread.
    struct stat st;
    const bool trim = ::fstat(fd, &st) != 0 || st.st_size != info->offset;
    if ((trim && ::ftruncate(fd, info->offset) != 0) || ::lseek(fd, info->offset, SEEK_SET) < 0) {
        const int err = errno;
        ::close(fd);
        return statusFromErrno(err);
    }
    UploadWriter w;
    w.m_lock = std::move(lock);
    w.m_fd = fd;
    w.m_startOffset = info->offset;
    w.m_writeBehind = m_fsync == FsyncPolicy::Always;
    w.m_writebackFrom = info->offset;
    if (!info->sizeIsDeferred)
        w.m_limit = info->size - info->offset;
    else if (maxSize > 0)
        w.m_limit = qMax<qint64>(0, maxSize - info->offset);
    *writer = std::move(w);
    return StoreStatus::Ok;
}

StoreStatus FileUploadStore::commit(UploadWriter &writer, UploadInfo *after)
{
    if (!writer.isOpen())
        return StoreStatus::IoError;
    StoreStatus result = writer.status();
    if (writer.systemError() != 0)  // why clients get 507/500: the one line an operator needs
        qCWarning(lcStore).noquote() << "writing upload" << writer.id() << "failed after" << writer.written()
                                     << "bytes of the request:" << strerror(writer.systemError());
    // The bytes this request leaves in the upload (UploadWriter::bytesToKeep). The offset
    // never passes them, whatever a failed write left in the file.
    qint64 kept = writer.startOffset() + writer.bytesToKeep(&result);
    struct stat st;
    if (::fstat(writer.m_fd, &st) == 0 && st.st_size > kept && ::ftruncate(writer.m_fd, kept) != 0)
        qCWarning(lcStore) << "cannot discard bytes past" << kept << "of" << writer.id() << strerror(errno);
    int syncError = 0;
    if (m_fsync == FsyncPolicy::Always) {
        if (storageCalls().fdatasync(writer.m_fd) != 0)
            syncError = errno;
        else if (writer.startOffset() == 0 && !syncDirectory(QFile::encodeName(m_dir)))
            syncError = errno;  // the first bytes: the data file's name must survive a crash as well
                                // (also when an earlier request made the file and its sync failed)
    }
    if (syncError != 0) {
        const int err = syncError;
        qCWarning(lcStore) << "sync failed for" << writer.id() << strerror(err);
        // Which of this request's bytes reached the disk is unknown (the kernel may have
        // dropped the failed pages and reports that only once), so none is acknowledged.
        // Nor is the file left longer than the offset: a restart takes its length as the offset.
        kept = writer.startOffset();
        if (::ftruncate(writer.m_fd, kept) != 0)
            qCWarning(lcStore) << "cannot discard unsynced bytes of" << writer.id() << strerror(errno);
        result = statusFromErrno(err);
    }
    ::futimens(writer.m_fd, nullptr);  // last activity survives a restart through the mtime
    // A file shorter than expected (truncated behind our back) wins: never report bytes
    // that are not there. A longer one was trimmed above, or openWriter() trims it next time.
    const qint64 length = ::fstat(writer.m_fd, &st) == 0 ? qMin<qint64>(st.st_size, kept) : kept;
    writer.close();

    UploadInfo info;
    bool completedNow = false;
    bool elsewhere = false;
    {
        QMutexLocker lock(&m_mutex);
        auto current = m_index.find(writer.id(), &elsewhere);
        if (!current) {
            writer.m_lock.release();
            return StoreStatus::NotFound;
        }
        current->offset = current->sizeIsDeferred ? length : qMin(length, current->size);
        current->lastActivityAt = m_clock.now();
        if (current->isComplete() && !current->completedAt.isValid()) {
            current->completedAt = current->lastActivityAt;
            completedNow = true;
        }
        m_index.setProgress(current->id, current->offset, current->lastActivityAt, current->completedAt);
        info = *current;
    }
    if (elsewhere)
        fillDetails(info);  // the .info rewrite below and whoever hears the signals need them
    // The bytes are durable and the offset is the length, so the upload is complete whether or
    // not its .info says so: a failed write keeps the old, valid .info, and open() derives the
    // completion from the data file's length. Answering 507 here would report a failure for
    // a request whose every byte was stored.
    if (completedNow) {
        if (const InfoFileWrite written = writeInfo(info); !written.ok())
            qCWarning(lcStore) << "cannot record completion of" << info.id << "in its .info (derived again at restart):"
                               << strerror(written.error);
    }
    writer.m_lock.release();
    if (after)
        *after = info;
    emit uploadProgress(info.id, info.offset);
    if (completedNow)
        emit uploadCompleted(info);
    return result;
}

StoreStatus FileUploadStore::declareLength(const QString &id, qint64 length, UploadInfo *after)
{
    UploadInfo info;
    bool elsewhere = false;
    {
        QMutexLocker lock(&m_mutex);
        const auto current = m_index.find(id, &elsewhere);
        if (!current)
            return StoreStatus::NotFound;
        info = *current;
    }
    if (elsewhere)
        fillDetails(info);  // the new .info keeps them
    info.size = length;
    info.sizeIsDeferred = false;
    const InfoFileWrite written = writeInfo(info);
    if (!written.ok()) {
        qCWarning(lcStore) << "cannot declare the length of" << id << strerror(written.error);
        // Unless the new .info is in place already (only its directory sync failed), the old
        // one stays and the length stays deferred; the index follows what the disk holds.
        if (!written.replaced)
            return statusFromErrno(written.error);
    }
    {
        QMutexLocker lock(&m_mutex);
        if (!m_index.setLength(id, length))
            return StoreStatus::NotFound;
        info.size = length;
        info.sizeIsDeferred = false;
    }
    if (after)
        *after = info;
    return written.ok() ? StoreStatus::Ok : statusFromErrno(written.error);
}

InfoFileWrite FileUploadStore::writeInfo(const UploadInfo &info) const
{
    const QByteArray path = QFile::encodeName(infoPath(info.id));
    return replaceInfoFile(path, path + tempSuffix, toInfoJson(info, m_expireAfter), m_fsync);
}

StoreStatus FileUploadStore::appendUpload(UploadWriter &writer, const QString &partId, qint64 length)
{
    return writer.appendFile(dataPath(partId), length);
}

std::unique_ptr<ContentReader> FileUploadStore::openContent(const QString &id, qint64 offset, qint64 length) const
{
    return std::make_unique<FileContentReader>(dataPath(id), offset, length);
}

QJsonObject FileUploadStore::hookStorage(const QString &id) const
{
    const QString data = QDir(m_dir).absoluteFilePath(id);
    return {{QStringLiteral("Type"), QStringLiteral("filestore")},
            {QStringLiteral("Path"), data},
            {QStringLiteral("InfoPath"), data + QLatin1String(infoSuffix)}};
}

} // namespace qtus

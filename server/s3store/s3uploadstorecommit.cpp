// S3UploadStore's write path: a PATCH's body goes to a local staging file (openWriter), and
// commit() ships it to S3 before the request is answered (s3uploadstore.h).
#include "s3uploadstore.h"

#include "logging.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace qtus {

namespace {

// The largest part one commit sends at once; S3 allows 5 GiB, smaller parts fail and retry cheaper.
constexpr qint64 maxPartSize = 512 * 1024 * 1024;

// Appends length bytes of the file at `from` (from its start) to `to`, without holding them in memory.
bool appendFileBytes(int to, int from, qint64 length)
{
    loff_t in = 0;
    while (length > 0) {
        const ssize_t n = ::copy_file_range(from, &in, to, nullptr, size_t(length), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        length -= n;
    }
    return true;
}

QByteArray readRange(int fd, qint64 offset, qint64 length)
{
    QByteArray bytes(length, Qt::Uninitialized);
    qint64 done = 0;
    while (done < length) {
        const ssize_t n = ::pread(fd, bytes.data() + done, size_t(length - done), off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return QByteArray();
        done += n;
    }
    return bytes;
}

} // namespace

StoreStatus S3UploadStore::openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer)
{
    Q_ASSERT(lock.isHeld());
    Record r;
    switch (load(lock.id(), &r)) {
    case Lookup::Missing: return StoreStatus::NotFound;
    case Lookup::Failed: return StoreStatus::Unavailable;
    case Lookup::Found: break;
    }
    const int fd = ::open(QFile::encodeName(stagingPath(r.info.id)).constData(),
                          O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        qCWarning(lcStore) << "cannot open a staging file for" << r.info.id << strerror(errno);
        return errno == ENOSPC || errno == EDQUOT ? StoreStatus::Full : StoreStatus::IoError;
    }
    qint64 limit = -1;
    if (!r.info.sizeIsDeferred)
        limit = r.info.size - r.info.offset;
    else if (maxSize > 0)
        limit = qMax<qint64>(0, maxSize - r.info.offset);
    *writer = UploadWriter::onFile(std::move(lock), fd, r.info.offset, limit);
    return StoreStatus::Ok;
}

StoreStatus S3UploadStore::commit(UploadWriter &writer, UploadInfo *after)
{
    if (!writer.isOpen())
        return StoreStatus::IoError;
    const QString id = writer.id();
    const QString staging = stagingPath(id);
    StoreStatus result = StoreStatus::Ok;
    const qint64 kept = writer.bytesToKeep(&result);
    const Assembly assembly = takeAssembly(id);  // a final upload's parts copied inside S3
    const auto done = [&](StoreStatus status) {
        writer.finish();
        QFile::remove(staging);
        QFile::remove(staging + QStringLiteral(".part"));
        return status;
    };
    Record r;
    switch (load(id, &r)) {
    case Lookup::Missing: return done(StoreStatus::NotFound);
    case Lookup::Failed: return done(StoreStatus::Unavailable);
    case Lookup::Found: break;
    }
    if (r.info.offset != writer.startOffset())  // the lock says this cannot be; never guess
        return done(StoreStatus::IoError);
    const QString oldTail = r.tailKey;
    r.parts.append(assembly.copied);
    const qint64 added = assembly.copiedBytes + kept;
    const bool complete = !r.info.sizeIsDeferred && r.info.offset + added >= r.info.size;
    // Complete with nothing new (a PATCH that only declared the length): the tail still has
    // to become the last part and the multipart upload the object.
    if (kept > 0 || (complete && (added > 0 || !r.multipartId.isEmpty()))) {
        if (const StoreStatus shipped = ship(r, staging, writer.fileDescriptor(), kept, complete);
            shipped != StoreStatus::Ok)
            return done(shipped);  // the .info is as it was: none of these bytes is acknowledged
    }
    r.info.offset += added;
    r.info.lastActivityAt = m_clock.now();
    const bool completedNow = r.info.isComplete() && !r.info.completedAt.isValid();
    if (completedNow)
        r.info.completedAt = r.info.lastActivityAt;
    if (const StoreStatus saved = save(r); saved != StoreStatus::Ok)
        return done(saved);
    if (!oldTail.isEmpty() && oldTail != r.tailKey) {  // replaced: the .info no longer names it
        m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> cb) {
            c.deleteObject(oldTail, nullptr, cb);
        });
    }
    done(StoreStatus::Ok);
    if (after)
        *after = r.info;
    if (added > 0)
        emit uploadProgress(id, r.info.offset);
    if (completedNow)
        emit uploadCompleted(r.info);
    return result;
}

// The tail (bytes from earlier requests short of a part) and this request's kept bytes, in
// that order, become parts of at least minPartSize (or the last part, when complete), and what
// is left over becomes the new tail. Changes record only as far as S3 took the bytes.
StoreStatus S3UploadStore::ship(Record &r, const QString &staging, int stagingFd, qint64 kept, bool complete)
{
    const QString id = r.info.id;
    QString pendingPath = staging;
    int pendingFd = stagingFd;
    int ownFd = -1;
    const auto closeOwn = [&] {
        if (ownFd >= 0)
            ::close(ownFd);
    };
    if (r.tailSize > 0) {
        pendingPath = staging + QStringLiteral(".part");
        ownFd = ::open(QFile::encodeName(pendingPath).constData(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (ownFd < 0)
            return StoreStatus::IoError;
        const S3Status fetched = m_session.downloadTo(r.tailKey, ownFd);
        if (!fetched.ok()) {
            closeOwn();
            return failure(*fetched.error);
        }
        if (::lseek(ownFd, 0, SEEK_END) != r.tailSize || !appendFileBytes(ownFd, stagingFd, kept)) {
            closeOwn();
            qCWarning(lcStore) << "the tail of" << id << "is not the size its .info says";
            return StoreStatus::IoError;
        }
        pendingFd = ownFd;
    }
    const qint64 pending = r.tailSize + kept;
    qint64 pos = 0;
    while (pending - pos >= m_settings.minPartSize || (complete && pos < pending)) {
        const qint64 length = qMin(maxPartSize, pending - pos);
        const int number = int(r.parts.size()) + 1;
        const auto sent = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> cb) {
            c.uploadPart(objectKey(id), r.multipartId, number, pendingPath, pos, length, nullptr, cb);
        });
        if (!sent.ok()) {
            closeOwn();
            return failure(*sent.error);
        }
        r.parts.append(S3Part{number, length, sent.value});
        pos += length;
    }
    if (pos < pending) {  // short of a part: the new tail, held in memory (under minPartSize)
        const QByteArray bytes = readRange(pendingFd, pos, pending - pos);
        closeOwn();
        if (bytes.size() != pending - pos)
            return StoreStatus::IoError;
        const QString key = objectKey(id) + QStringLiteral(".tail.") + QString::number(r.tailGeneration + 1);
        const auto put = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> cb) {
            c.putObject(key, bytes, QByteArray(), nullptr, cb);
        });
        if (!put.ok())
            return failure(*put.error);
        r.tailKey = key;
        r.tailSize = bytes.size();
        ++r.tailGeneration;
    } else {
        closeOwn();
        r.tailKey.clear();
        r.tailSize = 0;
    }
    if (complete && r.parts.isEmpty()) {
        // No byte at all (a deferred length declared 0): S3 completes no multipart upload
        // without parts, so the object is an empty one and the multipart upload goes.
        const auto put = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> cb) {
            c.putObject(objectKey(id), QByteArray(), QByteArray(), nullptr, cb);
        });
        if (!put.ok())
            return failure(*put.error);
        m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> cb) {
            c.abortMultipartUpload(objectKey(id), r.multipartId, nullptr, cb);
        });
        r.multipartId.clear();
    } else if (complete) {
        const auto completed = m_session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> cb) {
            c.completeMultipartUpload(objectKey(id), r.multipartId, r.parts, nullptr, cb);
        });
        if (!completed.ok())
            return failure(*completed.error);
        r.multipartId.clear();
    }
    return StoreStatus::Ok;
}

} // namespace qtus

#include "uploadwriter.h"

#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace qtus {

namespace {
StorageCalls currentStorageCalls;
} // namespace

const StorageCalls &storageCalls() { return currentStorageCalls; }

void setStorageCallsForTesting(const StorageCalls &calls) { currentStorageCalls = calls; }

UploadWriter::UploadWriter(UploadWriter &&other) noexcept
    : m_lock(std::move(other.m_lock)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_startOffset(other.m_startOffset),
      m_written(other.m_written),
      m_limit(other.m_limit),
      m_status(other.m_status),
      m_systemError(other.m_systemError),
      m_hash(std::move(other.m_hash)),
      m_expectedDigest(other.m_expectedDigest),
      m_bodyComplete(other.m_bodyComplete),
      m_discard(other.m_discard),
      m_writeBehind(other.m_writeBehind),
      m_writebackFrom(other.m_writebackFrom)
{
}

UploadWriter &UploadWriter::operator=(UploadWriter &&other) noexcept
{
    if (this != &other) {
        close();
        m_lock = std::move(other.m_lock);
        m_fd = std::exchange(other.m_fd, -1);
        m_startOffset = other.m_startOffset;
        m_written = other.m_written;
        m_limit = other.m_limit;
        m_status = other.m_status;
        m_systemError = other.m_systemError;
        m_hash = std::move(other.m_hash);
        m_expectedDigest = other.m_expectedDigest;
        m_bodyComplete = other.m_bodyComplete;
        m_discard = other.m_discard;
        m_writeBehind = other.m_writeBehind;
        m_writebackFrom = other.m_writebackFrom;
    }
    return *this;
}

UploadWriter::~UploadWriter() { close(); }

void UploadWriter::close()
{
    if (m_fd >= 0)
        ::close(std::exchange(m_fd, -1));
}

StoreStatus UploadWriter::append(const char *data, qint64 size)
{
    if (m_status != StoreStatus::Ok)
        return m_status;
    if (m_fd < 0)
        return m_status = StoreStatus::IoError;
    // Keep what fits (rule P7) but never write past the upload's length (rule P8).
    const bool overflows = m_limit >= 0 && size > m_limit - m_written;
    if (overflows)
        size = m_limit - m_written;
    if (m_hash)
        m_hash->addData(QByteArrayView(data, size));
    while (size > 0) {
        const ssize_t n = storageCalls().write(m_fd, data, size_t(size));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)  // 0: no progress and no reason; never spin on it
            return failWith(n < 0 ? errno : EIO);
        data += n;
        size -= n;
        m_written += n;
    }
    startWriteback();
    return overflows ? (m_status = StoreStatus::LimitExceeded) : StoreStatus::Ok;
}

void UploadWriter::startWriteback()
{
    // Under --fsync always the commit waits for every byte of the request to reach the disk.
    // Starting the writeback of each full MiB as it arrives (without waiting for it) lets the
    // disk work while the network still brings the rest, so the final sync has little left.
    // Only a hint: a failure here changes nothing, the commit's fdatasync decides.
    if (!m_writeBehind)
        return;
    const qint64 end = m_startOffset + m_written;
    if (end - m_writebackFrom < writebackStep)
        return;
    ::sync_file_range(m_fd, m_writebackFrom, end - m_writebackFrom, SYNC_FILE_RANGE_WRITE);
    m_writebackFrom = end;
}

StoreStatus UploadWriter::appendFile(const QString &path, qint64 length)
{
    if (m_status != StoreStatus::Ok)
        return m_status;
    if (m_limit >= 0 && length > m_limit - m_written)
        return m_status = StoreStatus::LimitExceeded;
    if (length == 0)
        return StoreStatus::Ok;  // nothing to copy, and an empty part may have no data file
    const int source = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (source < 0)
        return failWith(errno);
    qint64 left = length;
    bool kernelCopy = true;
    QByteArray buffer;
    while (left > 0) {
        ssize_t n = -1;
        if (kernelCopy) {
            n = ::copy_file_range(source, nullptr, m_fd, nullptr, size_t(qMin<qint64>(left, 1 << 30)), 0);
            if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
                kernelCopy = false;
                continue;
            }
        } else {
            buffer.resize(1 << 20);
            n = ::read(source, buffer.data(), size_t(qMin<qint64>(left, buffer.size())));
            if (n > 0 && append(buffer.constData(), n) != StoreStatus::Ok) {
                ::close(source);
                return m_status;
            }
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {  // an error, or the source is shorter than its recorded length
            const int err = errno;
            ::close(source);
            return failWith(n < 0 ? err : EIO);
        }
        if (kernelCopy)
            m_written += n;
        left -= n;
    }
    ::close(source);
    return StoreStatus::Ok;
}

StoreStatus UploadWriter::failWith(int error)
{
    m_systemError = error;
    return m_status = (error == ENOSPC || error == EDQUOT) ? StoreStatus::Full : StoreStatus::IoError;
}

void UploadWriter::expectChecksum(QCryptographicHash::Algorithm algorithm, const QByteArray &digest)
{
    m_hash = std::make_unique<QCryptographicHash>(algorithm);
    m_expectedDigest = digest;
}

UploadWriter UploadWriter::onFile(UploadLock lock, int fd, qint64 startOffset, qint64 limit)
{
    UploadWriter w;
    w.m_lock = std::move(lock);
    w.m_fd = fd;
    w.m_startOffset = startOffset;
    w.m_limit = limit;
    return w;
}

qint64 UploadWriter::bytesToKeep(StoreStatus *result) const
{
    *result = m_status;
    if (m_hash && (m_status != StoreStatus::Ok || !m_bodyComplete || m_hash->result() != m_expectedDigest)) {
        if (*result == StoreStatus::Ok)
            *result = StoreStatus::ChecksumMismatch;
        return 0;
    }
    return m_discard ? 0 : m_written;
}

} // namespace qtus

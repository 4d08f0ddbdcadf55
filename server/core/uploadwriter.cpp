#include "uploadwriter.h"

#include <cerrno>
#include <unistd.h>

namespace qtus {

UploadWriter::UploadWriter(UploadWriter &&other) noexcept
    : m_lock(std::move(other.m_lock)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_startOffset(other.m_startOffset),
      m_written(other.m_written),
      m_limit(other.m_limit),
      m_status(other.m_status)
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
    while (size > 0) {
        const ssize_t n = ::write(m_fd, data, size_t(size));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return m_status = (errno == ENOSPC || errno == EDQUOT) ? StoreStatus::Full : StoreStatus::IoError;
        }
        data += n;
        size -= n;
        m_written += n;
    }
    return overflows ? (m_status = StoreStatus::LimitExceeded) : StoreStatus::Ok;
}

} // namespace qtus

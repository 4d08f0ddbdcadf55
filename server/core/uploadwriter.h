#pragma once
// Appends the body of one request to one upload's data file. It holds the upload's lock
// from open to commit, so no other request or cleanup pass touches the upload meanwhile.
// FileUploadStore::commit() makes the bytes durable and visible; until then HEAD reports
// the old offset.
#include "uploadlocks.h"

#include <QString>

namespace qtus {

enum class StoreStatus {
    Ok,
    NotFound,
    LimitExceeded,  // the bytes would pass the upload's length (or the maximum size)
    Full,           // ENOSPC / EDQUOT
    IoError,
};

class UploadWriter
{
public:
    UploadWriter() = default;
    UploadWriter(UploadWriter &&other) noexcept;
    UploadWriter &operator=(UploadWriter &&other) noexcept;
    UploadWriter(const UploadWriter &) = delete;
    UploadWriter &operator=(const UploadWriter &) = delete;
    ~UploadWriter();  // closes the file; bytes not committed stay on disk but are not acknowledged

    bool isOpen() const { return m_fd >= 0; }
    const QString &id() const { return m_lock.id(); }
    qint64 startOffset() const { return m_startOffset; }
    qint64 written() const { return m_written; }
    // How many more bytes this upload accepts; -1 when there is no bound.
    qint64 remaining() const { return m_limit < 0 ? -1 : m_limit - m_written; }
    // The first failure, sticky: once an append fails, later appends fail the same way.
    StoreStatus status() const { return m_status; }

    StoreStatus append(const char *data, qint64 size);

private:
    friend class FileUploadStore;
    void close();

    UploadLock m_lock;
    int m_fd = -1;
    qint64 m_startOffset = 0;
    qint64 m_written = 0;
    qint64 m_limit = -1;
    StoreStatus m_status = StoreStatus::Ok;
};

} // namespace qtus

#pragma once
// Appends the body of one request to one upload's data file. It holds the upload's lock
// from open to commit, so no other request or cleanup pass touches the upload meanwhile.
// FileUploadStore::commit() makes the bytes durable and visible; until then HEAD reports
// the old offset.
// Threads: one at a time. The event-loop thread opens it and appends a streamed body; its
// commit may run on a storage worker, which then owns it (moved into the job).
#include "uploadlocks.h"

#include <QCryptographicHash>
#include <QString>
#include <functional>
#include <memory>
#include <unistd.h>

namespace qtus {

// The system calls that put upload bytes and .info files on disk. Production always uses the
// real ones. The setter exists for tests only (tests/core/tst_storagefaults.cpp): they swap
// in calls that fail the way a full or broken disk does (a short write, then ENOSPC; EIO
// from fdatasync), because filling a real disk is slow and needs root. Swap them only while
// no request or cleanup pass runs; the calls are read without a lock.
struct StorageCalls
{
    ssize_t (*write)(int fd, const void *data, size_t size) = ::write;
    int (*fdatasync)(int fd) = ::fdatasync;  // an upload's data file at commit
    int (*fsync)(int fd) = ::fsync;          // .info temp files and the upload directory
};
const StorageCalls &storageCalls();
// Test-only. StorageCalls{} puts the real calls back.
void setStorageCallsForTesting(const StorageCalls &calls);

enum class StoreStatus {
    Ok,
    NotFound,
    LimitExceeded,  // the bytes would pass the upload's length (or the maximum size)
    Full,           // ENOSPC / EDQUOT
    IoError,
    ChecksumMismatch,  // the body did not match Upload-Checksum; it was discarded
    Exists,            // an upload with this id exists (an id a hook chose)
    Unavailable,       // the storage cannot be reached now (a remote store): try again
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
    // How another request may ask this writer's request to let go of the upload (uploadlocks.h).
    void setReleaseHandler(QObject *context, std::function<void(bool)> letGo) { m_lock.setReleaseHandler(context, std::move(letGo)); }
    // None of this request's bytes is to be kept: commit() trims the file back to where the
    // request began and leaves the upload as it was (a refusing pre-finish hook).
    void discardAll() { m_discard = true; }
    qint64 startOffset() const { return m_startOffset; }
    qint64 written() const { return m_written; }
    // How many more bytes this upload accepts; -1 when there is no bound.
    qint64 remaining() const { return m_limit < 0 ? -1 : m_limit - m_written; }
    // The first failure, sticky: once an append fails, later appends fail the same way.
    StoreStatus status() const { return m_status; }
    // The errno behind a Full or IoError status (0 otherwise), for the log.
    int systemError() const { return m_systemError; }

    // On Full or IoError, written() counts the bytes write() accepted before the failure;
    // commit() keeps them only once they are durable.
    StoreStatus append(const char *data, qint64 size);

    // Appends length bytes of another file (the concatenation extension) without reading
    // them into memory: copy_file_range, falling back to a bounded read/write loop.
    StoreStatus appendFile(const QString &path, qint64 length);

    // Upload-Checksum (rule K2): the body must hash to digest, or commit() discards it.
    void expectChecksum(QCryptographicHash::Algorithm algorithm, const QByteArray &digest);
    // The whole body arrived. A checksummed body that did not all arrive cannot be verified
    // and is discarded at commit.
    void markBodyComplete() { m_bodyComplete = true; }

    // --- For stores (uploadstore.h) ---
    // A writer appending to fd (opened for writing, at the position the body starts) for the
    // upload whose offset is startOffset; limit: how many bytes it accepts (-1: no bound).
    static UploadWriter onFile(UploadLock lock, int fd, qint64 startOffset, qint64 limit);
    int fileDescriptor() const { return m_fd; }
    // At commit: how many of this request's bytes stay (the rules every store keeps: a
    // discarded body none; one that fails or cannot prove its checksum none, K2; else what
    // write() accepted, P7), and the request's outcome.
    qint64 bytesToKeep(StoreStatus *result) const;
    // Closes the file and lets go of the upload's lock: the commit is done.
    void finish()
    {
        close();
        m_lock.release();
    }

private:
    friend class FileUploadStore;
    void close();
    StoreStatus failWith(int error);
    void startWriteback();
    static constexpr qint64 writebackStep = 1024 * 1024;

    UploadLock m_lock;
    int m_fd = -1;
    qint64 m_startOffset = 0;
    qint64 m_written = 0;
    qint64 m_limit = -1;
    StoreStatus m_status = StoreStatus::Ok;
    int m_systemError = 0;
    std::unique_ptr<QCryptographicHash> m_hash;
    QByteArray m_expectedDigest;
    bool m_bodyComplete = false;
    bool m_discard = false;
    bool m_writeBehind = false;  // --fsync always: start writeback as bytes arrive (startWriteback)
    qint64 m_writebackFrom = 0;  // file offset from which no writeback was started yet
};

} // namespace qtus

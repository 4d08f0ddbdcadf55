#pragma once
// A completed upload's bytes streamed from S3 for a download (GetObject, with a Range). The
// transfer runs on the S3 session's thread; its bytes cross to the reader's thread through
// one buffer of at most maxBuffered bytes. When the download's client is slow, the buffer
// stays full, the S3 reply stops being read (it holds at most 1 MiB itself,
// s3objectreader.h) and TCP holds S3 back: a download costs at most about 2 MiB here
// whatever the object's size.
//
// Opening lasts until S3 answers: a missing object is NotFound, an unreachable S3
// StorageUnavailable, before anything is promised to the client.
//
// Threads: the thread that made it only (the event loop); the S3 side touches only the
// shared state, under its mutex.
#include "contentreader.h"

#include <memory>

namespace qtus {

class S3Session;

class S3ContentReader final : public ContentReader
{
    Q_OBJECT

public:
    static constexpr qint64 maxBuffered = 1024 * 1024;

    // Bytes offset..offset+length of the object key; the transfer starts at once.
    S3ContentReader(S3Session &session, const QString &key, qint64 offset, qint64 length, QObject *parent = nullptr);
    ~S3ContentReader() override;  // aborts the transfer

    State state() const override { return m_state; }
    qint64 read(char *data, qint64 maxSize) override;
    TusError failure() const override { return m_failure; }
    QString describe() const override;

    struct Shared;  // s3contentreader.cpp

private:
    void onNotified();  // the S3 side changed something (queued from its thread)
    static void notifyLocked(Shared &shared);
    static void pump(const std::shared_ptr<Shared> &shared);  // the session's thread

    std::shared_ptr<Shared> m_shared;
    const QString m_key;
    qint64 m_left;
    State m_state = State::Opening;
    TusError m_failure = TusError::StorageFailure;
    QString m_why;
};

} // namespace qtus

#pragma once
// The answer to a GetObject, streamed: the object's bytes are read from it as they arrive,
// like from a QIODevice, and never buffered whole. The reply holds at most 1 MiB
// (s3replies::readBuffer) that the caller has not read; beyond that QNAM stops reading the
// socket and TCP holds S3 back, so a slow download client slows the transfer from S3
// instead of filling memory.
//
// Signals, in order: started() once S3 answered 2xx (status, sizes and ETag are known),
// readyRead() whenever bytes arrived, finished() once, last. After finished(), error() says
// whether the transfer failed (also part-way: the connection cut before the last byte is
// `unreachable`); bytes may still be available then, so read them. An error answer (404,
// 416...) gives no started() and no bytes, only finished() with its S3Error.
//
// Deleting the reader aborts the transfer.
//
// Threads: the S3Client's thread only.
#include "s3types.h"

#include <QObject>
#include <QPointer>

#include <chrono>

class QNetworkReply;

namespace qtus {

class S3ObjectReader final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(S3ObjectReader)

public:
    S3ObjectReader(QNetworkReply *reply, std::chrono::milliseconds transferTimeout, QObject *parent);
    ~S3ObjectReader() override;

    // Known from started() on.
    int httpStatus() const { return m_status; }         // 200, or 206 for a range
    qint64 contentLength() const { return m_length; }   // the bytes this answer carries, -1 if unsaid
    qint64 objectSize() const { return m_objectSize; }  // the whole object's (Content-Range), -1 if unsaid
    QByteArray etag() const { return m_etag; }
    QByteArray contentType() const { return m_contentType; }

    qint64 bytesAvailable() const;
    QByteArray read(qint64 maxSize);
    bool isFinished() const { return m_finished; }
    const std::optional<S3Error> &error() const { return m_error; }

signals:
    void started();
    void readyRead();
    void finished();

private:
    void onMetaData();
    void onReadyRead();
    void onFinished();

    QPointer<QNetworkReply> m_reply;
    const std::chrono::milliseconds m_transferTimeout;
    bool m_streaming = false;  // a 2xx answer: its body is the object's bytes
    bool m_finished = false;
    int m_status = 0;
    qint64 m_length = -1;
    qint64 m_objectSize = -1;
    QByteArray m_etag;
    QByteArray m_contentType;
    QByteArray m_errorBody;  // of an error answer, at most s3replies::maxErrorBody
    std::optional<S3Error> m_error;
};

} // namespace qtus

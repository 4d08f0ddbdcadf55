#include "s3objectreader.h"

#include "s3replies.h"

#include <QNetworkReply>

namespace qtus {

S3ObjectReader::S3ObjectReader(QNetworkReply *reply, std::chrono::milliseconds transferTimeout, QObject *parent)
    : QObject(parent), m_reply(reply), m_transferTimeout(transferTimeout)
{
    reply->setReadBufferSize(s3replies::readBuffer);
    connect(reply, &QNetworkReply::metaDataChanged, this, &S3ObjectReader::onMetaData);
    connect(reply, &QNetworkReply::readyRead, this, &S3ObjectReader::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &S3ObjectReader::onFinished);
}

S3ObjectReader::~S3ObjectReader()
{
    if (m_reply) {
        m_reply->disconnect(this);  // ours only: QNAM's must stay for abort() to close the connection
        m_reply->abort();
        m_reply->deleteLater();
    }
}

qint64 S3ObjectReader::bytesAvailable() const
{
    return m_streaming && m_reply ? m_reply->bytesAvailable() : 0;
}

QByteArray S3ObjectReader::read(qint64 maxSize)
{
    return m_streaming && m_reply ? m_reply->read(maxSize) : QByteArray();
}

void S3ObjectReader::onMetaData()
{
    if (m_streaming || m_status)
        return;
    m_status = s3replies::statusOf(m_reply);
    if (!s3replies::isSuccess(m_status))
        return;
    m_streaming = true;
    const QVariant length = m_reply->header(QNetworkRequest::ContentLengthHeader);
    m_length = length.isValid() ? length.toLongLong() : -1;
    // "bytes 0-9/443": the total after the slash ("*" when S3 does not know it).
    const QByteArray range = m_reply->rawHeader("Content-Range");
    const qsizetype slash = range.lastIndexOf('/');
    bool ok = false;
    const qint64 total = slash >= 0 ? range.mid(slash + 1).toLongLong(&ok) : -1;
    m_objectSize = ok ? total : (m_status == 200 ? m_length : -1);
    m_etag = m_reply->rawHeader("ETag");
    m_contentType = m_reply->rawHeader("Content-Type");
    emit started();
}

void S3ObjectReader::onReadyRead()
{
    if (!m_status)
        onMetaData();
    if (m_streaming) {
        emit readyRead();
        return;
    }
    // An error answer: keep its beginning for the Code, drain the rest.
    if (!m_reply->isOpen())
        return;  // aborted: nothing to read
    const QByteArray piece = m_reply->readAll();
    m_errorBody += piece.left(qMax<qint64>(0, s3replies::maxErrorBody - m_errorBody.size()));
}

void S3ObjectReader::onFinished()
{
    if (!m_status)
        onMetaData();
    if (!m_streaming)
        onReadyRead();
    m_finished = true;
    m_error = s3replies::failure(m_reply, m_streaming ? QByteArray() : m_errorBody, m_transferTimeout);
    emit finished();
}

} // namespace qtus

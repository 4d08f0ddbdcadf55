// UploadIntake, the answering half: responses on the wire (respond), downloads streamed
// from the store with a bounded queue (startSending, sendMore), and the bookkeeping of
// each exchange (metrics, the access log). uploadintake.cpp reads requests.
#include "uploadintake.h"

#include "logging.h"
#include "responsewriter.h"

#include <QJsonObject>
#include <QTcpSocket>


namespace qtus {

void UploadIntake::closeGracefully()
{
    m_state = State::Closed;
    m_timer.stop();
    if (m_socket)
        m_socket->disconnectFromHost();  // sends what is queued first
}

void UploadIntake::startSending(const TusResponse &response, bool keepAlive)
{
    m_keepAlive = keepAlive;
    m_sendReader = response.bodyReader;
    m_sendHead = response;
    m_sendLeft = response.bodyLength;
    m_state = State::Sending;
    connect(m_sendReader.get(), &ContentReader::readyRead, this, &UploadIntake::sendMore);
    connect(m_socket, &QAbstractSocket::bytesWritten, this, &UploadIntake::sendMore, Qt::UniqueConnection);
    sendMore();
}

void UploadIntake::sendMore()
{
    if (m_state != State::Sending || !m_socket || !m_sendReader)
        return;
    if (m_sendHead) {
        // Nothing is promised until the store has answered: a failure now is its own answer.
        switch (m_sendReader->state()) {
        case ContentReader::State::Opening:
            armTimer();
            return;
        case ContentReader::State::Failed: {
            qCWarning(lcHttp).noquote() << "cannot serve" << m_sendReader->describe();
            const TusError failure = m_sendReader->failure();
            endSending();
            m_state = State::Head;
            respond(TusHandler::errorResponse(failure), false, !m_keepAlive);
            if (!m_keepAlive)
                closeGracefully();
            else
                QMetaObject::invokeMethod(this, &UploadIntake::process, Qt::QueuedConnection);
            return;
        }
        case ContentReader::State::Open:
            respond(*m_sendHead, false, !m_keepAlive, true);
            m_sendHead.reset();
            break;
        }
    }
    if (m_chunk.size() < chunkSize)
        m_chunk.resize(chunkSize);
    // Keep at most about a socket buffer's worth queued: memory stays flat for any size.
    while (m_sendLeft > 0 && m_socket->bytesToWrite() < socketBufferSize) {
        const qint64 n = m_sendReader->read(m_chunk.data(), qMin(chunkSize, m_sendLeft));
        if (n == 0)
            break;  // the store's bytes are on their way: readyRead() calls again
        if (n < 0) {
            // The length is already promised; a short body cannot be answered honestly.
            qCWarning(lcHttp).noquote() << "download of" << m_sendReader->describe() << "ended early";
            endSending();
            m_state = State::Closed;
            m_socket->abort();
            return;
        }
        m_socket->write(m_chunk.constData(), n);
        m_sendLeft -= n;
    }
    armTimer();
    if (m_sendLeft > 0)
        return;
    endSending();
    m_state = State::Head;
    if (!m_keepAlive) {
        closeGracefully();
        return;
    }
    QMetaObject::invokeMethod(this, &UploadIntake::process, Qt::QueuedConnection);  // pipelined requests
}

void UploadIntake::endSending()
{
    if (m_sendReader)
        m_sendReader->disconnect(this);
    m_sendReader.reset();
    m_sendHead.reset();
    m_sendLeft = 0;
}

void UploadIntake::respond(const TusResponse &response, bool headRequest, bool close, bool fileFollows)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (response.bodyReader && !fileFollows && !headRequest) {
        // Its Content-Length would promise bytes nobody sends: never on the wire.
        qCWarning(lcHttp) << "refusing to answer with a file body that is not streamed";
        respond(TusHandler::errorResponse(TusError::StorageFailure), false, close);
        return;
    }
    QByteArray bytes;
    if (!close) {
        bytes = serializeResponse(response, headRequest);
    } else {
        TusResponse closing = response;
        closing.setHeader("Connection", "close");
        bytes = serializeResponse(closing, headRequest);
    }
    m_socket->write(bytes);
    endExchange(response.status, bytes.size() + (fileFollows ? response.bodyLength : 0));
}

void UploadIntake::beginExchange(const QByteArray &method, const QByteArray &path)
{
    m_exchange.open = true;
    m_exchange.method = method;
    m_exchange.path = path;
    m_exchange.bytesIn = 0;
    m_exchange.since.start();
    if (m_metrics)
        m_metrics->countRequest(method);
}

void UploadIntake::endExchange(int status, qint64 bytesOut)
{
    if (!m_exchange.open)
        return;
    m_exchange.open = false;
    const qint64 nanos = m_exchange.since.nsecsElapsed();
    if (m_metrics && status > 0)
        m_metrics->countResponse(status, std::chrono::nanoseconds(nanos));
    if (m_accessLog && lcAccess().isInfoEnabled()) {
        // No query string and no header values: ids are fine to log, metadata is not.
        // Status 0: the request ended without an answer (the client went, a timeout).
        logRecord(lcAccess(), QtInfoMsg,
                  QStringLiteral("%1 %2 %3").arg(QLatin1String(m_exchange.method), QLatin1String(m_exchange.path),
                                                 status > 0 ? QString::number(status) : QStringLiteral("-")),
                  QJsonObject{{QStringLiteral("method"), QLatin1String(m_exchange.method)},
                              {QStringLiteral("path"), QLatin1String(m_exchange.path)},
                              {QStringLiteral("status"), status},
                              {QStringLiteral("bytesIn"), m_exchange.bytesIn},
                              {QStringLiteral("bytesOut"), bytesOut},
                              {QStringLiteral("durationMs"), double(nanos / 1000) / 1000.0},
                              {QStringLiteral("remote"), m_remoteAddress}});
    }
}

} // namespace qtus

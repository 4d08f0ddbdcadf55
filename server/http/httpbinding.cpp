#include "httpbinding.h"

#include "logging.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QTcpSocket>

#include <charconv>
#include <cstring>

namespace qtus {

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    using M = QHttpServerRequest::Method;
    switch (method) {
    case M::Get: return "GET";
    case M::Put: return "PUT";
    case M::Delete: return "DELETE";
    case M::Post: return "POST";
    case M::Head: return "HEAD";
    case M::Options: return "OPTIONS";
    case M::Patch: return "PATCH";
    case M::Connect: return "CONNECT";
    case M::Trace: return "TRACE";
    default: break;
    }
    return "UNKNOWN";
}

} // namespace

void HttpBinding::attach(QHttpServer &server)
{
    // No QHttpServer routes: every request reaches the handler, which routes by the
    // configured base path and answers 404/405 itself.
    server.setMissingHandler([this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        const TusRequest tusRequest = toTusRequest(request);
        TusResponse response = m_handler.handle(tusRequest);
        qCDebug(lcHttp).noquote() << tusRequest.method << tusRequest.path << "->" << response.status;
        QTcpSocket *socket = responder.socket();
        if (!socket || !socket->isOpen())
            return;
        if (socket->property(closeProperty).toBool())
            response.setHeader("Connection", "close");
        socket->write(serialize(response, tusRequest.method == "HEAD"));
    });
}

TusRequest HttpBinding::toTusRequest(const QHttpServerRequest &request)
{
    TusRequest r;
    r.method = methodName(request.method());
    r.path = request.url().path(QUrl::FullyEncoded).toLatin1();
    r.headers = request.headers();
    r.body = request.body();
    r.remoteAddress = request.remoteAddress().toString();
    return r;
}

QByteArray HttpBinding::serialize(const TusResponse &response, bool headRequest)
{
    // Sized once and filled by memcpy: this runs for every response, and appending piece by
    // piece cost more than the rest of a HEAD answer (the HEAD benchmark sees it).
    const bool bodyless = headRequest || response.status == 204 || response.status == 304 || response.status < 200;
    const bool fromFile = !response.bodyFile.isEmpty();
    char status[24];
    const qsizetype statusSize = std::to_chars(status, status + sizeof status, response.status).ptr - status;
    const QByteArray reason = statusReasonPhrase(response.status);
    char length[24];
    qsizetype lengthSize = 0;
    if (!bodyless)
        lengthSize = std::to_chars(length, length + sizeof length,
                                   fromFile ? response.bodyFileLength : qint64(response.body.size())).ptr - length;
    const QByteArrayView contentLength = "Content-Length: ";
    qsizetype size = 9 + statusSize + (reason.isEmpty() ? 0 : 1 + reason.size()) + 2 + 2;
    for (const auto &h : response.headers)
        size += h.first.size() + 2 + h.second.size() + 2;
    if (!bodyless)
        size += contentLength.size() + lengthSize + 2;
    if (!bodyless && !fromFile)
        size += response.body.size();  // a file body follows, streamed by the intake

    QByteArray out(size, Qt::Uninitialized);
    char *p = out.data();
    const auto put = [&p](QByteArrayView piece) {
        if (piece.isEmpty())
            return;  // its data() may be null, which memcpy must not see
        std::memcpy(p, piece.data(), size_t(piece.size()));
        p += piece.size();
    };
    put("HTTP/1.1 ");
    put(QByteArrayView(status, statusSize));
    if (!reason.isEmpty()) {
        put(" ");
        put(reason);
    }
    put("\r\n");
    for (const auto &h : response.headers) {
        put(h.first);
        put(": ");
        put(h.second);
        put("\r\n");
    }
    if (!bodyless) {
        put(contentLength);
        put(QByteArrayView(length, lengthSize));
        put("\r\n");
    }
    put("\r\n");
    if (!bodyless && !fromFile)
        put(response.body);
    Q_ASSERT(p == out.constData() + out.size());
    return out;
}

} // namespace qtus

#include "httpbinding.h"

#include "logging.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QTcpSocket>

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
    // Appended piece by piece into one buffer: `a + b + c` would allocate a temporary per
    // header, and this runs for every response (the HEAD benchmark sees it).
    const bool bodyless = headRequest || response.status == 204 || response.status == 304 || response.status < 200;
    const bool fromFile = !response.bodyFile.isEmpty();
    qsizetype size = 64 + (bodyless || fromFile ? 0 : response.body.size());
    for (const auto &h : response.headers)
        size += h.first.size() + h.second.size() + 4;
    QByteArray out;
    out.reserve(size);
    out.append("HTTP/1.1 ").append(QByteArray::number(response.status));
    const QByteArray reason = statusReasonPhrase(response.status);
    if (!reason.isEmpty())
        out.append(' ').append(reason);
    out.append("\r\n");
    for (const auto &h : response.headers)
        out.append(h.first).append(": ").append(h.second).append("\r\n");
    if (!bodyless)
        out.append("Content-Length: ")
            .append(QByteArray::number(fromFile ? response.bodyFileLength : response.body.size()))
            .append("\r\n");
    out.append("\r\n");
    if (!bodyless && !fromFile)
        out.append(response.body);  // a file body follows, streamed by the intake
    return out;
}

} // namespace qtus

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
    QByteArray out;
    out.reserve(256 + response.body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status);
    const QByteArray reason = statusReasonPhrase(response.status);
    if (!reason.isEmpty())
        out += ' ' + reason;
    out += "\r\n";
    for (const auto &h : response.headers)
        out += h.first + ": " + h.second + "\r\n";
    const bool bodyless = headRequest || response.status == 204 || response.status == 304 || response.status < 200;
    const bool fromFile = !response.bodyFile.isEmpty();
    if (!bodyless)
        out += "Content-Length: " + QByteArray::number(fromFile ? response.bodyFileLength : response.body.size()) + "\r\n";
    out += "\r\n";
    if (!bodyless && !fromFile)
        out += response.body;  // a file body follows, streamed by the intake
    return out;
}

} // namespace qtus

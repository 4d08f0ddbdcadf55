#pragma once
// Connects QHttpServer to TusHandler: every request QHttpServer parses becomes a TusRequest,
// and the TusResponse goes back on the socket exactly as the handler built it (a status line
// with its reason, even for 460; no body and no Content-Length on HEAD and 204; no stray
// Content-Type). Routing by path is the handler's, so it is the same in unit tests.
#include "tushandler.h"

class QHttpServer;
class QHttpServerRequest;

namespace qtus {

class HttpBinding
{
public:
    explicit HttpBinding(TusHandler &handler) : m_handler(handler) {}

    // Set on the socket by the intake when the request it hands over asked to close the
    // connection ("Connection: close", HTTP/1.0): the answer then says so.
    static constexpr char closeProperty[] = "qtusCloseAfterResponse";
    void attach(QHttpServer &server);

    static TusRequest toTusRequest(const QHttpServerRequest &request);
    // The response as bytes on the wire. headRequest: the request was HEAD, so no body.
    static QByteArray serialize(const TusResponse &response, bool headRequest);

private:
    TusHandler &m_handler;
};

} // namespace qtus

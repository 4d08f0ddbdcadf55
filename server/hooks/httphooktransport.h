#pragma once
// Hooks as an HTTP service (--hooks-http URL): every enabled event is a POST of the JSON
// document to the URL, on kept-alive connections (QNetworkAccessManager), TLS verified as
// usual (the system's CAs). A 2xx answer is the hook's answer (its body, at most 64 KiB);
// anything else, or no answer within --hooks-http-timeout, is a failure. At most 16
// requests at once and 1,024 waiting.
//
// Threads: the event-loop thread only.
#include "hooktransport.h"

#include <QNetworkAccessManager>
#include <QUrl>

namespace qtus {

class HttpHookTransport final : public HookTransport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpHookTransport)

public:
    HttpHookTransport(const QUrl &url, Duration timeout, QObject *parent = nullptr);
    ~HttpHookTransport() override;  // requests under way are aborted, and nobody hears of them

    bool serves(HookType) const override { return true; }

protected:
    void run(HookType type, const QByteArray &payload, Done done) override;

private:
    const QUrl m_url;
    const Duration m_timeout;
    QNetworkAccessManager m_network;
};

} // namespace qtus

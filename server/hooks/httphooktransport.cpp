#include "httphooktransport.h"

#include <QNetworkReply>
#include <QNetworkRequest>

namespace qtus {

HttpHookTransport::HttpHookTransport(const QUrl &url, Duration timeout, QObject *parent)
    : HookTransport(parent), m_url(url), m_timeout(timeout)
{
}

HttpHookTransport::~HttpHookTransport()
{
    for (QNetworkReply *reply : m_network.findChildren<QNetworkReply *>()) {
        reply->disconnect();
        reply->abort();
    }
}

void HttpHookTransport::run(HookType type, const QByteArray &payload, Done done)
{
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("Hook-Name", hookTypeName(type));
    request.setTransferTimeout(int(m_timeout.count()));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = m_network.post(request, payload);
    auto answer = std::make_shared<QByteArray>();
    auto tooLong = std::make_shared<bool>(false);
    // Read as it comes, and no more than maxAnswer of it.
    connect(reply, &QNetworkReply::readyRead, reply, [reply, answer, tooLong] {
        const QByteArray piece = reply->readAll();
        if (answer->size() + piece.size() > maxAnswer) {
            *tooLong = true;
            reply->abort();
            return;
        }
        *answer += piece;
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, answer, tooLong, done = std::move(done)] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        HookOutcome outcome;
        outcome.code = status;
        if (*tooLong) {
            outcome.result = HookOutcome::Result::Failed;
            outcome.detail = "the hook's answer is longer than 64 KiB";
        } else if (reply->error() == QNetworkReply::OperationCanceledError) {
            outcome.result = HookOutcome::Result::TimedOut;  // the transfer timeout aborts the reply
            outcome.detail = "timed out";
        } else if (status >= 200 && status < 300) {
            outcome.result = HookOutcome::Result::Answered;
            *answer += reply->readAll();
            outcome.answer = answer->left(maxAnswer);
        } else {
            outcome.result = HookOutcome::Result::Failed;
            outcome.detail = status ? "answered " + QByteArray::number(status) : reply->errorString().toUtf8();
        }
        finished(done, outcome);
    });
}

} // namespace qtus

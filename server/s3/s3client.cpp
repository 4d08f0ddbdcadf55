#include "s3client.h"

#include "s3objectreader.h"
#include "s3replies.h"
#include "s3xml.h"

#include <QCryptographicHash>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace qtus {

namespace s3replies {

bool isSuccess(int httpStatus)
{
    return httpStatus >= 200 && httpStatus < 300;
}

int statusOf(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

std::optional<S3Error> failure(QNetworkReply *reply, const QByteArray &body,
                               std::chrono::milliseconds transferTimeout)
{
    const int status = statusOf(reply);
    const QNetworkReply::NetworkError networkError = reply->error();
    // QNetworkReply's codes below 200 are the connection's and the proxy's; from 200 on they
    // restate the HTTP status. No status at all: nothing answered.
    if (status == 0 || (networkError != QNetworkReply::NoError && networkError < 200)) {
        S3Error error;
        error.httpStatus = status;
        error.unreachable = true;
        // setTransferTimeout() aborts the reply; our own aborts never get here.
        error.message = networkError == QNetworkReply::OperationCanceledError
            ? QStringLiteral("nothing moved for %1 ms (the transfer timeout)").arg(transferTimeout.count())
            : reply->errorString();
        return error;
    }
    if (!isSuccess(status)) {
        S3Error error = s3xml::parseError(status, body);
        if (error.message.isEmpty())
            error.message = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        return error;
    }
    if (!body.isEmpty() && s3xml::rootElement(body) == QLatin1String("Error"))
        return s3xml::parseError(status, body);
    return std::nullopt;
}

} // namespace s3replies

S3Client::S3Client(S3Config config, QObject *parent)
    : QObject(parent), m_config(std::move(config))
{
    Q_ASSERT(m_config.problem().isEmpty());
}

// The QNAM, destroyed with the client, deletes the replies under way, which closes their
// connections; a deleted reply emits nothing, so no callback runs.
S3Client::~S3Client() = default;

QNetworkReply *S3Client::send(Call call)
{
    const QUrl &endpoint = m_config.endpoint;
    QByteArray host = endpoint.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';  // an IPv6 address
    if (!m_config.pathStyle)
        host = m_config.bucket.toUtf8() + '.' + host;
    if (endpoint.port() >= 0)
        host += ':' + QByteArray::number(endpoint.port());
    const QByteArray path = sigv4::objectPath(m_config.pathStyle ? m_config.bucket : QString(), call.key);
    const QByteArray query = sigv4::canonicalQuery(call.query);
    // The URL on the wire carries the very path and query that are signed: QUrl keeps
    // percent-encoded delimiters as they are, and nothing here is encoded that need not be.
    const QUrl url = QUrl::fromEncoded(endpoint.scheme().toLatin1() + "://" + host + path
                                           + (query.isEmpty() ? QByteArray() : '?' + query),
                                       QUrl::StrictMode);

    sigv4::Request toSign{call.method, path, call.query, call.headers,
                          call.device ? QByteArray(sigv4::unsignedPayload)
                                      : QCryptographicHash::hash(call.body, QCryptographicHash::Sha256).toHex()};
    toSign.headers.prepend({QByteArrayLiteral("host"), host});
    const QByteArray authorization =
        sigv4::sign(toSign, m_config.credentials, m_config.region.toUtf8(), QDateTime::currentDateTimeUtc());

    QNetworkRequest request(url);
    for (const auto &[name, value] : std::as_const(toSign.headers))
        request.setRawHeader(name, value);  // host among them: QNAM sends a Host given to it
    request.setRawHeader(QByteArrayLiteral("authorization"), authorization);
    // No compression: QNAM would inflate it behind our back, and Content-Length and Range
    // count the object's bytes.
    request.setRawHeader(QByteArrayLiteral("accept-encoding"), QByteArrayLiteral("identity"));
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("qtus/" QTUS_VERSION));
    request.setTransferTimeout(int(m_config.transferTimeout.count()));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);

    if (call.device) {
        Q_ASSERT(call.method == "PUT");
        request.setHeader(QNetworkRequest::ContentLengthHeader, call.device->size());
        // Read from the device as the socket takes it, never copied whole first.
        request.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        QNetworkReply *reply = m_network.put(request, call.device);
        call.device->setParent(reply);
        return reply;
    }
    if (call.method == "GET")
        return m_network.get(request);
    if (call.method == "HEAD")
        return m_network.head(request);
    if (call.method == "DELETE")
        return m_network.deleteResource(request);
    if (call.method == "PUT")
        return m_network.put(request, call.body);
    Q_ASSERT(call.method == "POST");
    return m_network.post(request, call.body);
}

void S3Client::exchange(Call call, QObject *context, AnswerHandler handler)
{
    if (!context)
        context = this;
    QNetworkReply *reply = send(std::move(call));
    struct Reading
    {
        QByteArray body;
        bool tooLong = false;
    };
    auto reading = std::make_shared<Reading>();
    // Read as it comes, and keep no more than the bound.
    auto take = [reply, reading] {
        const bool success = s3replies::isSuccess(s3replies::statusOf(reply));
        const qint64 bound = success ? s3replies::maxAnswer : s3replies::maxErrorBody;
        if (!reply->isOpen())
            return;  // aborted (the transfer timeout): nothing more to read
        QByteArray piece = reply->readAll();
        if (reading->body.size() + piece.size() > bound) {
            if (success && !reading->tooLong) {
                reading->tooLong = true;
                reply->abort();
                return;
            }
            piece.truncate(qMax<qint64>(0, bound - reading->body.size()));
        }
        reading->body += piece;
    };
    connect(reply, &QNetworkReply::readyRead, reply, take);
    // abort() emits finished() at once: drop the callback first. Only our connection goes;
    // QNAM's own (abortHttpRequest() among them) must stay, or the connection stays open.
    connect(context, &QObject::destroyed, reply, [reply, context] {
        QObject::disconnect(reply, nullptr, context, nullptr);
        reply->abort();
        reply->deleteLater();
    });
    connect(reply, &QNetworkReply::finished, context,
            [this, reply, reading, take, handler = std::move(handler)] {
                reply->deleteLater();
                if (!reading->tooLong)
                    take();
                Answer answer{s3replies::statusOf(reply), reading->body, reply};
                std::optional<S3Error> error;
                if (reading->tooLong) {
                    error = S3Error{answer.status, QString(),
                                    QStringLiteral("the answer is longer than %1 bytes").arg(s3replies::maxAnswer),
                                    QString(), false};
                } else {
                    error = s3replies::failure(reply, reading->body, m_config.transferTimeout);
                }
                handler(error, answer);
            });
}

S3ObjectReader *S3Client::getObject(const QString &key, std::optional<S3ByteRange> range)
{
    Call call{QByteArrayLiteral("GET"), key, {}, {}, {}, nullptr};
    if (range)
        call.headers.append({QByteArrayLiteral("range"), range->headerValue()});
    return new S3ObjectReader(send(std::move(call)), m_config.transferTimeout, this);
}

} // namespace qtus

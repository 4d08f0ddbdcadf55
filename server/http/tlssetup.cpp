#include "tlssetup.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>

namespace qtus {

namespace {

std::optional<QByteArray> readSmallFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.read(1024 * 1024);  // certificates and keys are a few KiB
    if (!file.atEnd()) {
        *error = QStringLiteral("%1 is larger than 1 MiB: not a PEM certificate or key").arg(path);
        return std::nullopt;
    }
    return bytes;
}

// A server with config and a client that trusts anything shake hands over loopback.
bool handshakeWithItself(const QSslConfiguration &config, QString *error)
{
    QSslServer server;
    server.setSslConfiguration(config);
    if (!server.listen(QHostAddress::LocalHost, 0)) {
        *error = QStringLiteral("cannot check the certificate: %1").arg(server.errorString());
        return false;
    }
    QEventLoop loop;
    QString failure;
    auto fail = [&](const QString &why) {
        if (failure.isEmpty())
            failure = why;
        loop.quit();
    };
    QObject::connect(&server, &QSslServer::errorOccurred, &loop, [&](QSslSocket *socket, QAbstractSocket::SocketError) {
        fail(socket->errorString());
    });
    QObject::connect(&server, &QSslServer::handshakeInterruptedOnError, &loop, [&](QSslSocket *, const QSslError &e) {
        fail(e.errorString());
    });
    QSslSocket client;
    client.setPeerVerifyMode(QSslSocket::VerifyNone);
    bool encrypted = false;
    QObject::connect(&client, &QSslSocket::encrypted, &loop, [&] {
        encrypted = true;
        loop.quit();
    });
    QObject::connect(&client, &QSslSocket::errorOccurred, &loop, [&](QAbstractSocket::SocketError) {
        if (!encrypted)
            QTimer::singleShot(200, &loop, [&] { fail(client.errorString()); });  // the server's reason first
    });
    QTimer::singleShot(tlsHandshakeTimeoutMs, &loop, [&] { fail(QStringLiteral("the TLS handshake did not finish")); });
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
    loop.exec();
    if (encrypted)
        return true;
    *error = QStringLiteral("the certificate and key cannot serve TLS: %1").arg(failure);
    return false;
}

} // namespace

std::optional<QSslConfiguration> loadServerTls(const QString &certFile, const QString &keyFile, QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral("TLS is not available: Qt found no TLS backend (OpenSSL)");
        return std::nullopt;
    }
    const auto certBytes = readSmallFile(certFile, error);
    if (!certBytes)
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certBytes, QSsl::Pem);
    if (chain.isEmpty() || chain.constFirst().isNull()) {
        *error = QStringLiteral("%1 holds no PEM certificate").arg(certFile);
        return std::nullopt;
    }
    const QSslCertificate &leaf = chain.constFirst();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (leaf.expiryDate() < now || leaf.effectiveDate() > now) {
        *error = QStringLiteral("the certificate in %1 is valid from %2 to %3, not now")
                     .arg(certFile, leaf.effectiveDate().toString(Qt::ISODate), leaf.expiryDate().toString(Qt::ISODate));
        return std::nullopt;
    }
    const auto keyBytes = readSmallFile(keyFile, error);
    if (!keyBytes)
        return std::nullopt;
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec}) {
        key = QSslKey(*keyBytes, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull()) {
        *error = QStringLiteral("%1 holds no unencrypted PEM private key (RSA or EC)").arg(keyFile);
        return std::nullopt;
    }
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setLocalCertificateChain(chain);
    config.setPrivateKey(key);
    config.setProtocol(QSsl::TlsV1_2OrLater);
    config.setPeerVerifyMode(QSslSocket::VerifyNone);  // clients are not asked for certificates
    if (!handshakeWithItself(config, error))
        return std::nullopt;
    return config;
}

} // namespace qtus

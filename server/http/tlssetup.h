#pragma once
// TLS for qtus's listeners (--tls-cert, --tls-key): the PEM certificate chain and private key
// read and checked once at startup, TLS 1.2 or newer. loadServerTls() refuses what cannot
// serve: a file that cannot be read, no certificate, no key (RSA or EC, unencrypted), an
// expired certificate, or a key that does not belong to the certificate. The last is found
// the only way Qt's API allows: a handshake with itself over loopback, which also proves the
// TLS backend works.
//
// Threads: the event-loop thread, before serving (the self-check runs a nested event loop).
#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace qtus {

// The handshake of a new connection must end within this time, or the connection is closed.
constexpr int tlsHandshakeTimeoutMs = 10000;

std::optional<QSslConfiguration> loadServerTls(const QString &certFile, const QString &keyFile, QString *error);

} // namespace qtus

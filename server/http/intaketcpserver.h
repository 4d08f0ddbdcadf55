#pragma once
// The upload endpoint's listening socket. Every accepted connection gets an UploadIntake,
// which serves it to the end. It also caps the number of open connections: beyond the cap a
// new connection gets 503 and is closed. With a TLS configuration (--tls-cert) every
// connection is TLS: QSslServer's handshake (at most tlsHandshakeTimeoutMs; at most
// maxConnections at once, the rest wait in the kernel's backlog) comes before the intake,
// which reads and writes the decrypted stream exactly as a plain one.
// Threads: the event-loop thread only.
#include "uploadintake.h"

#include <QSslConfiguration>
#include <QSslServer>

#include <optional>

namespace qtus {

class IntakeTcpServer final : public QSslServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IntakeTcpServer)

public:
    // services.stats is this server's own (stats()).
    IntakeTcpServer(const IntakeServices &services, const IntakeLimits &limits, int maxConnections,
                    const std::optional<QSslConfiguration> &tls = std::nullopt, QObject *parent = nullptr);
    int connectionCount() const { return m_connections; }
    const IntakeStats &stats() const { return m_stats; }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void acceptAll();
    void refuse(QTcpSocket *socket);

    IntakeServices m_services;
    const IntakeLimits m_limits;
    const int m_maxConnections;
    const bool m_tls;
    int m_connections = 0;
    IntakeStats m_stats;
};

} // namespace qtus

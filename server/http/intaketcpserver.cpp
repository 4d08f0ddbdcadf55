#include "intaketcpserver.h"

#include "logging.h"
#include "responsewriter.h"
#include "tlssetup.h"

#include <QTcpSocket>

namespace qtus {

IntakeTcpServer::IntakeTcpServer(const IntakeServices &services, const IntakeLimits &limits, int maxConnections,
                                 const std::optional<QSslConfiguration> &tls, QObject *parent)
    : QSslServer(parent), m_services(services), m_limits(limits), m_maxConnections(maxConnections),
      m_tls(tls.has_value())
{
    m_services.stats = &m_stats;
    if (tls) {
        setSslConfiguration(*tls);
        setHandshakeTimeout(tlsHandshakeTimeoutMs);
        // QSslServer stops accepting while maxPendingConnections sockets are in their
        // handshake (Qt's default: 30), so 30 silent connections would keep every client
        // waiting in the backlog for the handshake timeout. The cap on open connections
        // bounds the handshakes instead.
        setMaxPendingConnections(maxConnections);
    }
    // Ready connections: at once for plain ones, after the handshake for TLS ones.
    connect(this, &QTcpServer::pendingConnectionAvailable, this, &IntakeTcpServer::acceptAll);
}

void IntakeTcpServer::incomingConnection(qintptr descriptor)
{
    if (m_tls)
        QSslServer::incomingConnection(descriptor);
    else
        QTcpServer::incomingConnection(descriptor);  // a plain QTcpSocket, no handshake
}

void IntakeTcpServer::acceptAll()
{
    while (QTcpSocket *socket = nextPendingConnection()) {
        if (m_maxConnections > 0 && m_connections >= m_maxConnections) {
            refuse(socket);
            continue;
        }
        ++m_connections;
        // The socket stays a child of this server (a stop closes it with the listener); it
        // goes when the peer has gone.
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto *intake = new UploadIntake(socket, m_services, m_limits);
        connect(intake, &QObject::destroyed, this, [this] { --m_connections; });
    }
}

void IntakeTcpServer::refuse(QTcpSocket *socket)
{
    qCWarning(lcHttp) << "refusing connection from" << socket->peerAddress().toString() << ":" << m_connections
                      << "connections open";
    TusResponse response = TusHandler::errorResponse(TusError::TooManyConnections);
    response.setHeader("Connection", "close");
    socket->write(serializeResponse(response, false));
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    if (socket->state() == QAbstractSocket::UnconnectedState)
        socket->deleteLater();
}

} // namespace qtus

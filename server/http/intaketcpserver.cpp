#include "intaketcpserver.h"

#include "logging.h"
#include "responsewriter.h"

#include <QTcpSocket>

namespace qtus {

IntakeTcpServer::IntakeTcpServer(const IntakeServices &services, const IntakeLimits &limits, int maxConnections,
                                 QObject *parent)
    : QTcpServer(parent), m_services(services), m_limits(limits), m_maxConnections(maxConnections)
{
    m_services.stats = &m_stats;
    connect(this, &QTcpServer::newConnection, this, &IntakeTcpServer::acceptAll);
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

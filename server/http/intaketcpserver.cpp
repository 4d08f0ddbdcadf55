#include "intaketcpserver.h"

#include "logging.h"
#include "responsewriter.h"

#include <QTcpSocket>

namespace qtus {

IntakeTcpServer::IntakeTcpServer(TusHandler &handler, UploadHooks *hooks, StorageQueue *storage, StorageQueue *assembly,
                                 const IntakeLimits &limits, int maxConnections, QObject *parent)
    : QTcpServer(parent),
      m_handler(handler),
      m_hooks(hooks),
      m_storage(storage),
      m_assembly(assembly),
      m_limits(limits),
      m_maxConnections(maxConnections)
{
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
        auto *intake = new UploadIntake(socket, m_handler, m_hooks, m_limits, m_storage, m_assembly, &m_stats);
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

#include "intaketcpserver.h"

#include "httpbinding.h"
#include "logging.h"

#include <QTcpSocket>

namespace qtus {

IntakeTcpServer::IntakeTcpServer(TusHandler &handler, UploadHooks *hooks, StorageQueue *storage,
                                 const IntakeLimits &limits, int maxConnections, QObject *parent)
    : QTcpServer(parent),
      m_handler(handler),
      m_hooks(hooks),
      m_storage(storage),
      m_limits(limits),
      m_maxConnections(maxConnections)
{
}

QTcpSocket *IntakeTcpServer::nextPendingConnection()
{
    while (QTcpSocket *socket = QTcpServer::nextPendingConnection()) {
        if (m_maxConnections > 0 && m_connections >= m_maxConnections) {
            refuse(socket);
            continue;
        }
        ++m_connections;
        auto *intake = new UploadIntake(socket, m_handler, m_hooks, m_limits, m_storage);
        connect(intake, &QObject::destroyed, this, [this] { --m_connections; });
        return socket;
    }
    return nullptr;
}

void IntakeTcpServer::refuse(QTcpSocket *socket)
{
    qCWarning(lcHttp) << "refusing connection from" << socket->peerAddress().toString() << ":" << m_connections
                      << "connections open";
    TusResponse response = TusHandler::errorResponse(TusError::TooManyConnections);
    response.setHeader("Connection", "close");
    socket->write(HttpBinding::serialize(response, false));
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    if (socket->state() == QAbstractSocket::UnconnectedState)
        socket->deleteLater();
}

} // namespace qtus

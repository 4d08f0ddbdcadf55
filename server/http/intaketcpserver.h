#pragma once
// The listening socket QHttpServer is bound to. QHttpServer calls the virtual
// nextPendingConnection() right before it connects its own readyRead slot, so an
// UploadIntake attached here always sees each connection's bytes first. It also caps the
// number of open connections: beyond the cap a new connection gets 503 and is closed.
#include "uploadintake.h"

#include <QTcpServer>

namespace qtus {

class IntakeTcpServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IntakeTcpServer)

public:
    IntakeTcpServer(TusHandler &handler, UploadHooks *hooks, StorageQueue *storage, const IntakeLimits &limits,
                    int maxConnections, QObject *parent = nullptr);
    QTcpSocket *nextPendingConnection() override;
    int connectionCount() const { return m_connections; }

private:
    void refuse(QTcpSocket *socket);

    TusHandler &m_handler;
    UploadHooks *m_hooks;
    StorageQueue *m_storage;
    const IntakeLimits m_limits;
    const int m_maxConnections;
    int m_connections = 0;
};

} // namespace qtus

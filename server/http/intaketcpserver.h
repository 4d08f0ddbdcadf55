#pragma once
// The upload endpoint's listening socket. Every accepted connection gets an UploadIntake,
// which serves it to the end. It also caps the number of open connections: beyond the cap a
// new connection gets 503 and is closed.
// Threads: the event-loop thread only.
#include "uploadintake.h"

#include <QTcpServer>

namespace qtus {

class IntakeTcpServer final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(IntakeTcpServer)

public:
    // services.stats is this server's own (stats()).
    IntakeTcpServer(const IntakeServices &services, const IntakeLimits &limits, int maxConnections, QObject *parent = nullptr);
    int connectionCount() const { return m_connections; }
    const IntakeStats &stats() const { return m_stats; }

private:
    void acceptAll();
    void refuse(QTcpSocket *socket);

    IntakeServices m_services;
    const IntakeLimits m_limits;
    const int m_maxConnections;
    int m_connections = 0;
    IntakeStats m_stats;
};

} // namespace qtus

#pragma once
// The composition root: builds the store, the locks, the handler and the HTTP binding from
// one ServerConfig, and owns them. start() and stop() are the server's lifespan; qtusd and
// qtus-admin both run exactly this object.
#include "clock.h"
#include "fileuploadstore.h"
#include "httpbinding.h"
#include "serverconfig.h"
#include "tushandler.h"
#include "uploadlocks.h"

#include <QObject>
#include <QUrl>
#include <memory>

class QHttpServer;
class QTcpServer;

namespace qtus {

class UploadServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadServer)

public:
    // clock: nullptr for the system clock; tests pass a ManualClock that outlives the server.
    explicit UploadServer(const ServerConfig &config, const Clock *clock = nullptr, QObject *parent = nullptr);
    ~UploadServer() override;

    // Loads the upload directory and starts listening. On failure, *error says why.
    bool start(QString *error);
    // Stops accepting and closes connections. Safe to call twice.
    void stop();
    bool isRunning() const { return m_http != nullptr; }

    quint16 port() const { return m_port; }
    QUrl url() const;  // http://host:port/files/
    const ServerConfig &config() const { return m_config; }
    const Clock &clock() const { return m_clock; }
    FileUploadStore &store() { return m_store; }
    UploadLocks &locks() { return m_locks; }
    TusHandler &handler() { return m_handler; }

signals:
    void stopped();

private:
    const ServerConfig m_config;
    SystemClock m_systemClock;
    const Clock &m_clock;
    UploadLocks m_locks;
    FileUploadStore m_store;
    TusHandler m_handler;
    HttpBinding m_binding;
    std::unique_ptr<QHttpServer> m_http;
    quint16 m_port = 0;
};

} // namespace qtus

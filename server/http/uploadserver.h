#pragma once
// The composition root: builds the store, the locks, the handler, the hooks and the
// listener from one ServerConfig, and owns them. start() and stop() are the server's
// lifespan; qtusd and qtus-admin both run exactly this object.
// Threads: the event-loop thread (its parts document their own).
#include "cleanupscheduler.h"
#include "clock.h"
#include "storagequeue.h"
#include "fileuploadstore.h"
#include "intaketcpserver.h"
#include "directorylock.h"
#include "serverconfig.h"
#include "servermetrics.h"
#include "tushandler.h"
#include "uploadhooks.h"
#include "redisuploadlocks.h"
#include "s3uploadstore.h"
#include "uploadlocks.h"

#include <QObject>
#include <QUrl>
#include <memory>


namespace qtus {

class UploadServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadServer)

public:
    // clock: nullptr for the system clock; tests pass a ManualClock that outlives the server.
    explicit UploadServer(const ServerConfig &config, const Clock *clock = nullptr, QObject *parent = nullptr);
    ~UploadServer() override;

    // Takes the upload directory (one server per directory: DirectoryLock), loads it,
    // starts listening, then starts the cleanup scheduler (its first pass runs on a worker
    // thread while the server already accepts). On failure, *error says why.
    bool start(QString *error);
    // The graceful stop (SIGTERM, closing the admin window): stop accepting, stop the
    // cleanup timer and wait for a running pass, let uploads in flight finish for up to
    // --shutdown-timeout, then close every connection, committing what arrived. Emits
    // stopped() when done; returns at once.
    void stopGracefully();
    // Skips the waiting (a second signal): closes every connection now, still committing
    // what arrived. Synchronous; emits stopped().
    void stop();
    bool isRunning() const { return m_listener != nullptr; }
    bool isStopping() const { return m_stopping; }

    quint16 port() const { return m_port; }
    QUrl url() const;  // http://host:port/files/ (https with TLS)
    // The listeners' TLS (--tls-cert, --tls-key), loaded and checked by start(); nullopt: plain.
    const std::optional<QSslConfiguration> &tlsConfiguration() const { return m_tls; }
    const ServerConfig &config() const { return m_config; }
    const Clock &clock() const { return m_clock; }
    UploadStore &store() { return *m_store; }
    // The file store, when the server has one (no --s3-endpoint); tests look at its files.
    FileUploadStore &fileStore() { Q_ASSERT(m_fileStore); return *m_fileStore; }
    UploadLocker &locks() { return *m_locks; }
    TusHandler &handler() { return m_handler; }
    CleanupScheduler &scheduler() { return m_scheduler; }
    UploadHooks &hooks() { return m_hooks; }
    ServerMetrics &metrics() { return m_metrics; }
    int connectionCount() const { return m_listener ? m_listener->connectionCount() : 0; }
    QDateTime startedAt() const { return m_startedAt; }
    // The most input one connection has held at once since start (bounded by the intake).
    qint64 peakBufferedInput() const { return m_listener ? m_listener->stats().peakBufferedInput : 0; }

signals:
    void stopping();  // the graceful stop began
    void stopped();

private:
    const ServerConfig m_config;
    const QString m_s3Problem;  // why the S3 settings cannot work (credentials), reported by start()
    SystemClock m_systemClock;
    const Clock &m_clock;
    ServerMetrics m_metrics;
    RedisUploadLocks *m_redisLocks = nullptr;  // m_locks when it is Redis's (before it: makeLocks sets it)
    std::unique_ptr<UploadLocker> m_locks;  // UploadLocks, or RedisUploadLocks with --redis
    FileUploadStore *m_fileStore = nullptr;  // m_store when it is the file store (before it: makeStore sets it)
    std::unique_ptr<UploadStore> m_store;    // FileUploadStore, or S3UploadStore with --s3-endpoint
    TusHandler m_handler;
    CleanupScheduler m_scheduler;
    UploadHooks m_hooks;
    DirectoryLock m_directoryLock;
    // After the store and the locks: their last jobs still use them.
    StorageQueue m_storage;
    StorageQueue m_assembly{1};  // final uploads' copies: one at a time, beside everything else
    std::unique_ptr<IntakeTcpServer> m_listener;
    std::optional<QSslConfiguration> m_tls;
    quint16 m_port = 0;
    bool m_stopping = false;
    QDateTime m_startedAt;
};

} // namespace qtus

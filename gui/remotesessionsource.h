#pragma once
// The SessionSource of a qtusd elsewhere, over its admin API (docs/admin-api.md): qtus-admin
// --connect. It keeps a copy of the server's sessions, filled by a snapshot and kept current
// by the event stream (GET /api/v1/events); /api/v1/server gives the status every few
// seconds. When the stream breaks it says so (connectionChanged), keeps the last copy, and
// reconnects by itself with Last-Event-ID, so it misses nothing: the server replays what
// happened meanwhile, or sends a fresh snapshot when it no longer can.
// Threads: the GUI thread only.
#include "sessionsource.h"
#include "sseparser.h"

#include <QHash>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>

class QNetworkReply;

namespace qtus {

class RemoteSessionSource final : public SessionSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RemoteSessionSource)

public:
    // adminUrl: the admin API's root ("http://host:1081/"); token: its bearer token.
    RemoteSessionSource(const QUrl &adminUrl, const QByteArray &token, QObject *parent = nullptr);
    ~RemoteSessionSource() override;

    // https: also trust these certificates (a private CA, a self-signed server), besides the
    // system's. Call before start().
    void trustCertificates(const QList<QSslCertificate> &certificates);

    // Connects, and keeps connecting after every loss.
    void start();

    QList<UploadInfo> sessions() const override { return m_sessions.values(); }
    std::optional<UploadInfo> find(const QString &id) const override;
    Duration expireAfter() const override { return m_expireAfter; }
    SourceStatus status() const override { return m_status; }
    void terminate(const QString &id, std::function<void(TerminateResult)> done) override;
    void runCleanup() override;
    bool isLocal() const override { return false; }

    // Reconnection delays grow from the first to the last, then stay.
    static constexpr std::chrono::milliseconds firstRetry{500};
    static constexpr std::chrono::milliseconds lastRetry{5000};
    static constexpr std::chrono::milliseconds statusInterval{2000};

private:
    QNetworkRequest request(const QString &path) const;
    void openStream();
    void onStreamData();
    void onStreamEnded();
    void handleEvent(const SseEvent &event);
    void setConnected(bool connected, const QString &problem = {});
    void scheduleRetry();
    void refreshStatus();

    const QUrl m_adminUrl;
    const QByteArray m_token;
    QSslConfiguration m_tls = QSslConfiguration::defaultConfiguration();
    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_stream;
    SseParser m_parser;
    QByteArray m_lastEventId;
    QHash<QString, UploadInfo> m_sessions;
    QHash<QString, UploadInfo> m_incoming;  // a snapshot being received
    bool m_inSnapshot = false;
    Duration m_expireAfter = std::chrono::hours(24);
    SourceStatus m_status;
    QTimer m_retry;
    std::chrono::milliseconds m_retryDelay = firstRetry;
    QTimer m_statusTimer;
    bool m_statusPending = false;
};

} // namespace qtus

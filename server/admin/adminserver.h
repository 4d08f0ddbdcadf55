#pragma once
// The admin API's listener (docs/admin-api.md): --admin-listen, bearer-token access to
// /api/, and the answers of every route but the two that wait (POST /api/v1/cleanup and the
// event stream, which AdminConnection keeps open). It reads the upload server's parts; it
// never changes an upload but through them (a DELETE takes the upload's lock like any).
//
// Threads: the event-loop thread only.
#include "eventfeed.h"
#include "requesthead.h"
#include "tusmessage.h"

#include <QSslServer>
#include <QUrl>
#include <memory>

namespace qtus {

class UploadServer;

class AdminServer final : public QSslServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminServer)

public:
    explicit AdminServer(UploadServer &server, QObject *parent = nullptr);
    ~AdminServer() override;

    // With TLS: TLS handshakes at once; more connections wait in the kernel's backlog.
    static constexpr int adminMaxHandshakes = 256;

    // Reads (or makes) the token file and listens on config.adminHost:adminPort. The upload
    // server must have started. On failure *error says why.
    bool start(QString *error);
    QUrl url() const;
    QString tokenFile() const { return m_tokenFile; }

    // For AdminConnection.
    bool isAuthorized(const QByteArray &authorization) const;
    // Every route that answers at once; nullopt for the two that wait.
    std::optional<TusResponse> answer(const RequestHead &head);
    EventFeed &feed() { return *m_feed; }
    UploadServer &uploadServer() { return m_server; }
    QJsonObject sessionJson(const UploadInfo &info) const { return m_feed->sessionJson(info); }
    static TusResponse json(int status, const QJsonObject &body);
    static TusResponse error(int status, const QString &reason);
    int connectionCount() const { return m_connections; }

    static constexpr int maxConnections = 64;

protected:
    void incomingConnection(qintptr descriptor) override;  // TLS when the upload server has it

private:
    void acceptAll();
    bool loadToken(QString *error);
    TusResponse health() const;
    TusResponse metrics() const;
    TusResponse serverInfo() const;
    TusResponse listUploads(const QByteArray &query) const;
    TusResponse upload(const QString &id) const;
    TusResponse terminate(const QString &id);

    UploadServer &m_server;
    std::unique_ptr<EventFeed> m_feed;
    QString m_tokenFile;
    QByteArray m_token;
    int m_connections = 0;
};

} // namespace qtus

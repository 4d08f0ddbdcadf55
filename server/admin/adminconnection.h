#pragma once
// One connection to the admin API: reads request heads with the upload endpoint's parser
// and limits (admin requests take no body), checks the bearer token for /api/, and answers
// through AdminServer. Two routes keep the connection waiting: POST /api/v1/cleanup answers
// when the pass ends, GET /api/v1/events streams Server-Sent Events until the client goes.
//
// A subscriber that falls more than maxQueuedBytes behind is disconnected (it reconnects
// with Last-Event-ID and misses nothing that is still kept).
//
// Threads: the event-loop thread only.
#include "eventfeed.h"
#include "requesthead.h"
#include "tusmessage.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

class QTcpSocket;

namespace qtus {

class AdminServer;

class AdminConnection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminConnection)

public:
    AdminConnection(QTcpSocket *socket, AdminServer &admin);

    static constexpr qint64 maxQueuedBytes = 4 * 1024 * 1024;
    static constexpr int snapshotPage = 500;
    static constexpr std::chrono::seconds keepAliveInterval{15};
    static constexpr std::chrono::seconds idleTimeout{120};

private:
    enum class State { Requests, Cleanup, Events, Closed };

    void onReadyRead();
    void handle(const RequestHead &head);
    void respond(const TusResponse &response, bool headRequest, bool close);
    void close();
    void startCleanup(bool keepAlive);
    void startEvents(const RequestHead &head);
    void sendSnapshot();
    void sendEvent(const QByteArray &id, const QByteArray &type, const QByteArray &data);
    void onPublished(const FeedEvent &event);
    void pump();

    QPointer<QTcpSocket> m_socket;
    AdminServer &m_admin;
    State m_state = State::Requests;
    QByteArray m_in;
    QTimer m_timer;  // idle timeout between requests; keepalive comments while streaming

    // The event stream: a snapshot being sent page by page, with live events queued behind it.
    QList<UploadInfo> m_snapshot;
    qsizetype m_snapshotSent = 0;
    bool m_snapshotting = false;
    std::vector<FeedEvent> m_held;
};

} // namespace qtus

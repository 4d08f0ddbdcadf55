#include "adminconnection.h"

#include "adminjson.h"
#include "adminserver.h"
#include "logging.h"
#include "responsewriter.h"
#include "uploadserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>

namespace qtus {

namespace {
HeadLimits adminHeadLimits()
{
    HeadLimits limits;
    limits.maxHeaderSize = 16 * 1024;
    limits.maxRequestLine = 8 * 1024;
    return limits;
}
} // namespace

AdminConnection::AdminConnection(QTcpSocket *socket, AdminServer &admin) : QObject(socket), m_socket(socket), m_admin(admin)
{
    socket->setReadBufferSize(64 * 1024);
    connect(socket, &QTcpSocket::readyRead, this, &AdminConnection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &AdminConnection::pump);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (m_state == State::Events && m_socket)
            m_socket->write(": keepalive\n\n");
        else if (m_state == State::Requests)
            close();  // idle
    });
    m_timer.start(idleTimeout);
}

void AdminConnection::onReadyRead()
{
    if (!m_socket)
        return;
    if (m_state != State::Requests) {
        m_socket->skip(m_socket->bytesAvailable());  // nothing more is read on a waiting connection
        return;
    }
    m_in += m_socket->read(adminHeadLimits().maxHeaderSize + 1 - m_in.size());
    while (m_state == State::Requests && !m_in.isEmpty()) {
        const HeadParseResult parsed = parseRequestHead(m_in, adminHeadLimits());
        if (parsed.status == HeadParseResult::Status::Incomplete)
            return;
        if (parsed.status == HeadParseResult::Status::Invalid) {
            const TusErrorDescription d = describe(parsed.error);
            respond(AdminServer::error(d.status, QString::fromLatin1(d.reason)), false, true);
            return;
        }
        m_in.remove(0, parsed.head.size);
        m_timer.start(idleTimeout);
        handle(parsed.head);
    }
}

void AdminConnection::handle(const RequestHead &head)
{
    const bool headRequest = head.method == "HEAD";
    if (head.hasBody()) {
        respond(AdminServer::error(413, QStringLiteral("admin requests take no body")), headRequest, true);
        return;
    }
    if (head.path.startsWith("/api/")) {
        TusRequest request;
        request.headers = head.headers;
        if (!m_admin.isAuthorized(request.header("Authorization"))) {
            TusResponse refusal = AdminServer::error(401, QStringLiteral("a bearer token is needed (Authorization: Bearer ...)"));
            refusal.setHeader("WWW-Authenticate", "Bearer");
            qCInfo(lcAdmin).noquote() << "refused" << head.method << head.path << "from"
                                      << (m_socket ? m_socket->peerAddress().toString() : QString()) << ": no valid token";
            respond(refusal, headRequest, !head.keepAlive);
            return;
        }
    }
    if (const auto answer = m_admin.answer(head)) {
        respond(*answer, headRequest, !head.keepAlive);
        return;
    }
    if (head.path == "/api/v1/cleanup")
        startCleanup(head.keepAlive);
    else
        startEvents(head);
}

void AdminConnection::respond(const TusResponse &response, bool headRequest, bool closeAfter)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    TusResponse r = response;
    if (closeAfter)
        r.setHeader("Connection", "close");
    m_socket->write(serializeResponse(r, headRequest));
    if (closeAfter)
        close();
}

void AdminConnection::close()
{
    m_state = State::Closed;
    m_timer.stop();
    if (m_socket)
        m_socket->disconnectFromHost();
}

void AdminConnection::startCleanup(bool keepAlive)
{
    // Runs a pass, or joins the one running; answers with the report of the pass that ends.
    m_state = State::Cleanup;
    m_timer.stop();
    CleanupScheduler &scheduler = m_admin.uploadServer().scheduler();
    auto once = std::make_shared<QMetaObject::Connection>();
    *once = connect(&scheduler, &CleanupScheduler::passFinished, this, [this, once, keepAlive](const CleanupReport &report) {
        disconnect(*once);
        m_state = State::Requests;
        m_timer.start(idleTimeout);
        respond(AdminServer::json(200, cleanupReportToJson(report)), false, !keepAlive);
        onReadyRead();  // what came meanwhile
    });
    scheduler.runNow();
}

void AdminConnection::startEvents(const RequestHead &head)
{
    m_state = State::Events;
    EventFeed &feed = m_admin.feed();
    TusRequest request;
    request.headers = head.headers;
    const QByteArray lastEventId = request.header("Last-Event-ID").trimmed();
    const bool wantsSnapshot = head.target.contains("snapshot=1");
    std::optional<std::vector<FeedEvent>> missed;
    if (!lastEventId.isEmpty())
        missed = feed.eventsAfter(lastEventId);

    // A stream: no Content-Length; it ends when the connection does.
    m_socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
                    "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n");
    connect(&feed, &EventFeed::published, this, &AdminConnection::onPublished);
    const QByteArray hello = QJsonDocument(QJsonObject{{QStringLiteral("instance"), QString::fromLatin1(feed.instance())},
                                                       {QStringLiteral("lastEventId"), QString::fromLatin1(feed.idOf(feed.lastSequence()))}})
                                 .toJson(QJsonDocument::Compact);
    sendEvent(feed.idOf(feed.lastSequence()), "hello", hello);
    if (!lastEventId.isEmpty() && missed) {
        for (const FeedEvent &e : *missed)
            sendEvent(feed.idOf(e.sequence), e.type, e.data);
    } else if (!lastEventId.isEmpty() || wantsSnapshot) {
        if (!lastEventId.isEmpty()) {
            const QByteArray why = lastEventId.startsWith(feed.instance() + '-') ? "the events since then are no longer kept"
                                                                                : "the server restarted";
            sendEvent(feed.idOf(feed.lastSequence()), "reset",
                      QJsonDocument(QJsonObject{{QStringLiteral("reason"), QString::fromLatin1(why)}}).toJson(QJsonDocument::Compact));
        }
        // What the store holds now; events from here on are newer and wait behind it.
        m_snapshot = m_admin.uploadServer().store().sessions();
        m_snapshotSent = 0;
        m_snapshotting = true;
        sendSnapshot();
    }
    m_timer.start(keepAliveInterval);
}

void AdminConnection::sendSnapshot()
{
    EventFeed &feed = m_admin.feed();
    // A page at a time, as the socket drains: a snapshot of 100,000 uploads never sits in
    // memory as one buffer.
    while (m_snapshotting && m_socket && m_socket->bytesToWrite() < maxQueuedBytes / 4) {
        QJsonArray page;
        for (; m_snapshotSent < m_snapshot.size() && page.size() < snapshotPage; ++m_snapshotSent)
            page.append(feed.sessionJson(m_snapshot.at(m_snapshotSent)));
        if (!page.isEmpty()) {
            sendEvent(feed.idOf(feed.lastSequence()), "snapshot",
                      QJsonDocument(QJsonObject{{QStringLiteral("uploads"), page}}).toJson(QJsonDocument::Compact));
        }
        if (m_snapshotSent >= m_snapshot.size()) {
            sendEvent(feed.idOf(feed.lastSequence()), "snapshot-end",
                      QJsonDocument(QJsonObject{{QStringLiteral("count"), m_snapshot.size()}}).toJson(QJsonDocument::Compact));
            m_snapshotting = false;
            m_snapshot.clear();
            for (const FeedEvent &e : std::exchange(m_held, {}))
                sendEvent(feed.idOf(e.sequence), e.type, e.data);
        }
    }
}

void AdminConnection::pump()
{
    if (m_state == State::Events && m_snapshotting)
        sendSnapshot();
}

void AdminConnection::onPublished(const FeedEvent &event)
{
    if (m_state != State::Events || !m_socket)
        return;
    if (m_snapshotting) {
        m_held.push_back(event);
        return;
    }
    sendEvent(m_admin.feed().idOf(event.sequence), event.type, event.data);
}

void AdminConnection::sendEvent(const QByteArray &id, const QByteArray &type, const QByteArray &data)
{
    if (!m_socket || m_state == State::Closed)
        return;
    if (m_socket->bytesToWrite() > maxQueuedBytes) {
        qCInfo(lcAdmin) << "event subscriber too slow:" << m_socket->bytesToWrite() << "bytes waiting; disconnecting it";
        m_state = State::Closed;
        m_socket->abort();
        return;
    }
    m_socket->write("id: " + id + "\nevent: " + type + "\ndata: " + data + "\n\n");
}

} // namespace qtus

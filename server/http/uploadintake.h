#pragma once
// The streaming intake: one per connection, in front of QHttpServer. Every byte the client
// sends passes through it first (its readyRead slot is connected before QHttpServer's):
//
// - It parses and validates each request head itself (limits, ambiguous framing).
// - A request that carries an upload body (PATCH, POST creation-with-upload) is validated
//   by TusHandler::startBody() before the first body byte is read (so 404/409/412/413/415/
//   423 go out at once, and "100 Continue" only after validation passes); its body then
//   streams into the store through a bounded buffer, and TusHandler::finishBody() commits
//   and answers. A dropped connection commits the bytes that arrived.
// - Any other request head is handed to QHttpServer, one complete request at a time, by
//   pushing its bytes back into the socket and emitting readyRead while the intake stands
//   aside; QHttpServer parses it, routes it and the binding answers.
//
// It also enforces the idle timeout between requests, the read timeout while a request is
// in flight, and honours "Connection: close" and HTTP/1.0.
//
// This relies on Qt 6.4's QHttpServer internals (its read transaction, and that it parses
// whatever is in the socket buffer when readyRead fires); the torture tests keep it honest.
#include "chunkeddecoder.h"
#include "storagequeue.h"
#include "requesthead.h"
#include "tushandler.h"
#include "uploadhooks.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <optional>

class QAbstractSocket;
class QTcpSocket;

namespace qtus {

struct IntakeLimits
{
    HeadLimits head;
    Duration idleTimeout = std::chrono::seconds(60);
    Duration readTimeout = std::chrono::seconds(60);
};

class UploadIntake final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadIntake)

public:
    // Attaches to socket; must run before QHttpServer connects its own readyRead slot.
    // Deletes itself when the socket is destroyed.
    // hooks: nullptr when no pre-create hook is configured. storage: where creations and
    // commits run; nullptr runs them here, on the event-loop thread.
    UploadIntake(QTcpSocket *socket, TusHandler &handler, UploadHooks *hooks, const IntakeLimits &limits,
                 StorageQueue *storage = nullptr);
    ~UploadIntake() override;

    // Largest read from the socket at once, and the socket's read buffer: memory per
    // connection stays bounded whatever the body size.
    static constexpr qint64 chunkSize = 256 * 1024;
    static constexpr qint64 socketBufferSize = 1024 * 1024;

private:
    enum class State { Head, AwaitingHook, OnWorker, Body, Sending, Draining, Closed };
    // Bytes a client may send ahead while we wait (for a hook, a creation on the worker, or
    // behind a download) before the connection is closed: they cannot stay in the socket,
    // where QHttpServer reads.
    static constexpr qint64 maxBytesAheadOfDownload = socketBufferSize;
    static constexpr qint64 maxBytesAheadOfHook = 16 * 1024 * 1024;
    // While a creation or commit runs on a storage worker (milliseconds, seconds on a slow
    // disk): as much as during a hook, for clients that pipeline the next request.
    static constexpr qint64 maxBytesAheadOfWorker = maxBytesAheadOfHook;
    // A body must bring this many bytes per read timeout to keep its connection (armTimer).
    static constexpr qint64 minBodyProgress = 1024;

    void onReadyRead();
    void onDisconnected();
    void onTimeout();
    void process();
    void processHead();
    void startUploadBody(const RequestHead &head, TusRequest request);
    void continueUploadBody(const RequestHead &head, BodyDecision &decision);
    void awaitPreCreateHook(const RequestHead &head, TusRequest request);
    void readInto(QByteArray &buffer);  // appends every byte the socket has
    void bufferAhead(qint64 limit);
    void feedBody(const char *data, qint64 size, qint64 *consumed);
    void finishBody(std::optional<TusError> failure);
    void handOver(const RequestHead &head);
    void startSending(const TusResponse &response, bool keepAlive);
    void sendMore();
    void respond(const TusResponse &response, bool headRequest, bool close);
    void fail(TusError error);
    void drainAndClose();
    void closeGracefully();
    void commitInterrupted(const char *why);
    void armTimer();
    void startTimeout(qint64 ms);
    TusRequest toTusRequest(const RequestHead &head) const;

    // Held as what it still is while ~QAbstractSocket emits disconnected (a server stop with
    // a body in flight): using it as a QTcpSocket then is undefined behaviour (UBSan).
    QPointer<QAbstractSocket> m_socket;
    TusHandler &m_handler;
    QPointer<UploadHooks> m_hooks;
    StorageQueue *m_storage;
    const IntakeLimits m_limits;
    const QString m_remoteAddress;  // formatted once: every request carries it
    State m_state = State::Head;
    QByteArray m_in;             // bytes read but not yet used (a partial head, pipelined requests)
    QByteArray m_chunk;          // read buffer for body bytes
    bool m_qtTurn = false;       // QHttpServer is parsing a request we handed over
    bool m_processing = false;

    // The request whose body is streaming.
    std::optional<PendingBody> m_body;
    qint64 m_bodyLeft = 0;       // for Content-Length bodies
    qint64 m_bodyProgress = 0;   // body bytes since the read timeout last restarted
    bool m_bodyClockRunning = false;
    bool m_chunked = false;
    ChunkedDecoder m_decoder;
    bool m_keepAlive = true;
    bool m_limitHit = false;

    // A download being sent (GET of a completed upload).
    QFile m_file;
    qint64 m_sendLeft = 0;

    QTimer m_timer;              // idle, read and drain timeouts; fires at m_timerDue
    QDeadlineTimer m_timerDue;
    QDeadlineTimer m_due;        // when the timeout is really due (may be later: startTimeout)
    QDeadlineTimer m_headDeadline{QDeadlineTimer::Forever};  // set while a head is incomplete
};

} // namespace qtus

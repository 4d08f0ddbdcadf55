#pragma once
// The streaming intake: one per connection, and the whole HTTP server of the upload
// endpoint. Every request is routed once, by TusHandler::route(), and answered here:
//
// - A request that carries an upload body (PATCH, POST creation-with-upload) is validated
//   by TusHandler::startBody() before the first body byte is read (so 404/409/412/413/415/
//   423 go out at once, and "100 Continue" only after validation passes); its body then
//   streams into the store through a bounded buffer, and TusHandler::finishBody() commits
//   and answers. A dropped connection commits the bytes that arrived. A creation that
//   needs the pre-create hook waits for it (the handler will not create without it).
// - GET of a completed upload streams the store's bytes (ContentReader) in bounded pieces.
// - Everything else (HEAD, OPTIONS, DELETE, errors) is answered from TusHandler::handle().
//
// Bounded input: while a request waits (for a hook, a storage worker, a download being
// sent) the intake reads nothing, so TCP pushes back on the client; the socket's read
// buffer (socketBufferSize) and the intake's own (maxBufferedInput, or the head limit when
// --max-header-size is larger) together hold at most 1 MiB per connection.
//
// It also enforces the idle timeout between requests, the read timeout while a request is
// in flight, and honours "Connection: close" and HTTP/1.0. A body that has brought nothing
// for --release-stalled-after lets go of its upload when another request asks
// (uploadlocks.h).
//
// Threads: the event-loop thread only (the socket's thread); storage jobs it starts hand
// their results back to it as queued calls.
#include "chunkeddecoder.h"
#include "contentreader.h"
#include "storagequeue.h"
#include "requesthead.h"
#include "servermetrics.h"
#include "tushandler.h"
#include "uploadhooks.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
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
    Duration releaseStalledAfter = std::chrono::seconds(2);  // 0: never
};

// What the intakes of one listener count together. Event-loop thread only.
struct IntakeStats
{
    qint64 peakBufferedInput = 0;  // the most input one connection held at once (socket + intake)
};

// What an intake works with, shared by every connection of a listener.
struct IntakeServices
{
    TusHandler *handler = nullptr;
    UploadHooks *hooks = nullptr;         // nullptr when no pre-create hook is configured
    StorageQueue *storage = nullptr;      // creations and commits (nullptr: on the event loop)
    StorageQueue *assembly = nullptr;     // final uploads' copies (nullptr: storage)
    IntakeStats *stats = nullptr;
    ServerMetrics *metrics = nullptr;     // requests, answers, durations, bytes (may be nullptr)
    bool accessLog = false;               // one qtus.access line per request
};

class UploadIntake final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadIntake)

public:
    // Attaches to socket and deletes itself when the socket is destroyed.
    UploadIntake(QTcpSocket *socket, const IntakeServices &services, const IntakeLimits &limits);
    ~UploadIntake() override;

    // Largest read from the socket at once (body bytes and downloads).
    static constexpr qint64 chunkSize = 256 * 1024;
    // Input held per connection: the socket's read buffer plus the intake's own buffer of
    // heads and pipelined requests, 1 MiB together (the head limit counts instead of
    // maxBufferedInput when --max-header-size is larger).
    static constexpr qint64 maxBufferedInput = 64 * 1024;
    static constexpr qint64 socketBufferSize = 1024 * 1024 - maxBufferedInput;

private:
    enum class State { Head, AwaitingHook, OnWorker, Body, Sending, Draining, Closed };
    // A body must bring this many bytes per read timeout to keep its connection (armTimer).
    static constexpr qint64 minBodyProgress = 1024;

    void onDisconnected();
    void onTimeout();
    void process();
    void processHead();
    void startUploadBody(const RequestHead &head, const TusRequest &request, const HookApproval *approval);
    void continueUploadBody(const RequestHead &head, const TusRequest &request, BodyDecision &decision);
    void awaitPreCreateHook(const RequestHead &head, const TusRequest &request, const UploadInfo &planned);
    void readHeadBytes();  // appends what the socket has to m_in, up to the input bound
    void letGoIfStalled(bool now);
    void awaitPreTerminateHook(const RequestHead &head, const TusRequest &request, const TusHandler::Route &route,
                               const UploadInfo &upload);
    void noteBufferedInput();
    void feedBody(const char *data, qint64 size, qint64 *consumed);
    void finishBody(std::optional<TusError> failure);
    void startSending(const TusResponse &response, bool keepAlive);
    void sendMore();
    void endSending();
    // fileFollows: the caller streams response.bodyReader right after (a download).
    void respond(const TusResponse &response, bool headRequest, bool close, bool fileFollows = false);
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
    StorageQueue *m_assembly;
    IntakeStats *m_stats;
    ServerMetrics *m_metrics;
    const bool m_accessLog;
    const IntakeLimits m_limits;
    const qint64 m_maxBuffered;  // m_in's bound: maxBufferedInput, or the head limit if larger
    const QString m_remoteAddress;  // formatted once: every request carries it
    const bool m_secure;            // a TLS connection: requests are https
    State m_state = State::Head;
    QByteArray m_in;             // bytes read but not yet used (a partial head, pipelined requests)
    QByteArray m_chunk;          // read buffer for body bytes
    bool m_processing = false;

    // The request being answered, for the metrics and the access log (one at a time: a
    // connection answers in order).
    struct Exchange
    {
        bool open = false;
        QByteArray method;
        QByteArray path;
        QElapsedTimer since;  // from its head
        qint64 bytesIn = 0;
    };
    Exchange m_exchange;
    void beginExchange(const QByteArray &method, const QByteArray &path);
    void endExchange(int status, qint64 bytesOut);

    // The request whose body is streaming.
    std::optional<PendingBody> m_body;
    qint64 m_bodyLeft = 0;       // for Content-Length bodies
    qint64 m_bodyProgress = 0;   // body bytes since the read timeout last restarted
    QElapsedTimer m_sinceBodyBytes;  // since the body last brought a byte (letGoIfStalled)
    bool m_bodyClockRunning = false;
    bool m_chunked = false;
    ChunkedDecoder m_decoder;
    bool m_keepAlive = true;
    bool m_limitHit = false;

    // A download being sent (GET of a completed upload). Its head waits in m_sendHead until
    // the store has answered (ContentReader::Opening), so a store that fails first still
    // gets its own status.
    std::shared_ptr<ContentReader> m_sendReader;
    std::optional<TusResponse> m_sendHead;
    qint64 m_sendLeft = 0;

    QTimer m_timer;              // idle, read and drain timeouts; fires at m_timerDue
    QDeadlineTimer m_timerDue;
    QDeadlineTimer m_due;        // when the timeout is really due (may be later: startTimeout)
    QDeadlineTimer m_headDeadline{QDeadlineTimer::Forever};  // set while a head is incomplete
};

} // namespace qtus

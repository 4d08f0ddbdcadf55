#include "uploadintake.h"

#include "logging.h"
#include "responsewriter.h"

#include <QScopedValueRollback>
#include <QSslSocket>
#include <QTcpSocket>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

namespace {
// After an early answer to a request whose body we will not read, the client may still be
// sending it. Closing at once would make the kernel reset the connection, and the client
// could lose our answer; so we stop writing, swallow its bytes for a moment, then close.
constexpr int drainMs = 2000;
} // namespace

UploadIntake::UploadIntake(QTcpSocket *socket, const IntakeServices &services, const IntakeLimits &limits)
    : m_socket(socket), m_handler(*services.handler), m_hooks(services.hooks), m_storage(services.storage),
      m_assembly(services.assembly ? services.assembly : services.storage), m_stats(services.stats),
      m_metrics(services.metrics), m_accessLog(services.accessLog), m_limits(limits),
      m_maxBuffered(qMax<qint64>(maxBufferedInput, limits.head.maxHeaderSize)),
      m_remoteAddress(socket->peerAddress().toString()), m_secure(qobject_cast<QSslSocket *>(socket) != nullptr),
      m_decoder(limits.head.maxHeaderSize)
{
    socket->setReadBufferSize(socketBufferSize);
    connect(socket, &QTcpSocket::readyRead, this, &UploadIntake::process);
    connect(socket, &QTcpSocket::disconnected, this, &UploadIntake::onDisconnected);
    connect(socket, &QObject::destroyed, this, [this] {
        commitInterrupted("connection closed");
        deleteLater();
    });
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &UploadIntake::onTimeout);
    armTimer();
}

UploadIntake::~UploadIntake() { commitInterrupted("server stopping"); }

void UploadIntake::process()
{
    if (m_processing)
        return;
    const QScopedValueRollback<bool> guard(m_processing, true);
    noteBufferedInput();
    while (m_socket) {
        if (m_state == State::Closed || m_state == State::Draining) {
            m_socket->skip(m_socket->bytesAvailable());
            return;
        }
        if (m_state == State::Sending || m_state == State::OnWorker || m_state == State::AwaitingHook) {
            // Waiting: nothing more is read, so the socket's buffer fills and TCP pushes back
            // on the client. The wait's end calls process() again.
            return;
        }
        if (m_state == State::Head) {
            readHeadBytes();
            if (m_in.isEmpty())
                break;
            const State before = m_state;
            const qsizetype pending = m_in.size();
            processHead();
            if (m_state == before && m_in.size() == pending)
                break;  // an incomplete head: wait for more bytes
            continue;
        }
        // State::Body: bytes left over from the head's read first, then the socket.
        qint64 consumed = 0;
        if (!m_in.isEmpty()) {
            feedBody(m_in.constData(), m_in.size(), &consumed);
            m_in.remove(0, consumed);
            continue;
        }
        qint64 want = chunkSize;
        if (!m_chunked)
            want = qMin(want, m_bodyLeft);
        if (m_chunk.size() < chunkSize)
            m_chunk.resize(chunkSize);
        const qint64 n = want > 0 ? m_socket->read(m_chunk.data(), want) : 0;
        if (n <= 0)
            break;
        feedBody(m_chunk.constData(), n, &consumed);
        if (consumed < n)
            m_in = QByteArray(m_chunk.constData() + consumed, n - consumed);  // the next request
    }
    armTimer();
}

void UploadIntake::processHead()
{
    const HeadParseResult parsed = parseRequestHead(m_in, m_limits.head);
    if (parsed.status == HeadParseResult::Status::Incomplete)
        return;
    // This head is done; a pipelined one behind it gets its own deadline from its first byte.
    m_headDeadline = QDeadlineTimer(QDeadlineTimer::Forever);
    if (parsed.status == HeadParseResult::Status::Invalid) {
        qCDebug(lcHttp) << "rejecting request head:" << describe(parsed.error).reason;
        m_in.clear();
        beginExchange("-", "-");
        fail(parsed.error);
        return;
    }
    const RequestHead &head = parsed.head;
    m_in.remove(0, head.size);
    beginExchange(head.method, head.path);
    const TusRequest request = toTusRequest(head);
    // The one routing decision; the handler dispatches on the same value.
    const TusHandler::Route route = m_handler.route(request);
    const bool headRequest = request.method == "HEAD";  // the wire's method decides the framing
    if (route.takesUploadBody()) {
        startUploadBody(head, request, nullptr);
    } else if (head.hasBody()) {
        // No other request takes a body: refused from the head (404/405 when the route
        // alone says so), the body is not read and the request has no effect.
        TusResponse refusal = m_handler.routeError(route).value_or(TusHandler::errorResponse(TusError::UnexpectedBody));
        m_handler.cors().apply(refusal, request.header("Origin"));
        respond(refusal, headRequest, true);
        drainAndClose();
    } else if (route.method == "GET") {
        // Downloads stream from the store in bounded pieces.
        const TusResponse response = m_handler.handle(request, route);
        if (!response.bodyReader) {
            respond(response, headRequest, !head.keepAlive);
            if (!head.keepAlive)
                closeGracefully();
        } else {
            startSending(response, head.keepAlive);
        }
    } else if (const auto upload = m_hooks && m_hooks->has(HookType::PreTerminate) && !m_handler.routeError(route)
                                       ? m_handler.needsTerminateApproval(route) : std::nullopt) {
        awaitPreTerminateHook(head, request, route, *upload);  // a DELETE the hook decides
    } else {
        // HEAD (the offset check every resuming client sends, answered from the index),
        // OPTIONS, DELETE, and every 400/404/405.
        respond(m_handler.handle(request, route), headRequest, !head.keepAlive);
        if (!head.keepAlive)
            closeGracefully();
    }
}

void UploadIntake::noteBufferedInput()
{
    if (m_stats && m_socket)
        m_stats->peakBufferedInput = qMax(m_stats->peakBufferedInput, m_in.size() + m_socket->bytesAvailable());
}

void UploadIntake::readHeadBytes()
{
    // Through a small piece, not readAll(): appending reuses the buffer's room, where
    // readAll() allocates a new array for every read (one per request on keep-alive HEADs).
    // At most m_maxBuffered bytes wait here; the rest stays in the socket.
    char piece[4096];
    while (m_in.size() < m_maxBuffered) {
        const qint64 want = qMin<qint64>(qint64(sizeof piece), m_maxBuffered - m_in.size());
        const qint64 n = m_socket->read(piece, want);
        if (n <= 0)
            break;
        m_in.append(piece, n);
    }
    noteBufferedInput();
}

void UploadIntake::awaitPreCreateHook(const RequestHead &head, const TusRequest &request, const UploadInfo &planned)
{
    m_state = State::AwaitingHook;
    m_timer.stop();  // the hook has its own time limit
    m_hooks->decide(HookType::PreCreate, planned, m_hooks->hookRequest(request), this,
                    [this, head, request](const HookVerdict &verdict) {
        if (m_state != State::AwaitingHook || !m_socket)
            return;
        m_state = State::Head;
        if (verdict.allowed && verdict.approval) {
            startUploadBody(head, request, &*verdict.approval);
        } else {
            TusResponse refusal = verdict.refusal;
            m_handler.cors().apply(refusal, request.header("Origin"));
            const bool unreadBody = head.hasBody();
            respond(refusal, false, unreadBody || !head.keepAlive);
            if (unreadBody)
                drainAndClose();
            else if (!head.keepAlive)
                closeGracefully();
        }
        process();  // what arrived meanwhile
    });
}

void UploadIntake::awaitPreTerminateHook(const RequestHead &head, const TusRequest &request,
                                         const TusHandler::Route &route, const UploadInfo &upload)
{
    m_state = State::AwaitingHook;
    m_timer.stop();
    m_hooks->decide(HookType::PreTerminate, upload, m_hooks->hookRequest(request), this,
                    [this, head, request, route](const HookVerdict &verdict) {
        if (m_state != State::AwaitingHook || !m_socket)
            return;
        m_state = State::Head;
        TusResponse response = verdict.refusal;
        if (verdict.allowed && verdict.approval)
            response = m_handler.handle(request, route, &*verdict.approval);
        else
            m_handler.cors().apply(response, request.header("Origin"));
        respond(response, false, !head.keepAlive);
        if (!head.keepAlive)
            closeGracefully();
        process();
    });
}

void UploadIntake::startUploadBody(const RequestHead &head, const TusRequest &request, const HookApproval *approval)
{
    const qint64 contentLength = head.bodyLength();
    const bool creation = m_handler.route(request).isCreation();
    const bool waitsForHook = creation && !approval && m_handler.requiresPreCreateApproval();
    if (m_storage && !head.hasBody() && creation && !waitsForHook) {
        // File-system work: done on a storage worker while this thread serves the other
        // connections. Only bodiless POSTs (what tus clients send unless asked for
        // creation-with-upload); a body stays in the socket meanwhile. A final upload's
        // copy runs on the assembly worker, where it delays no other creation or commit.
        m_state = State::OnWorker;
        m_timer.stop();
        TusHandler *handler = &m_handler;
        std::optional<HookApproval> consent;
        if (approval)
            consent = *approval;
        StorageQueue *queue = TusHandler::isFinalConcatenation(request) ? m_assembly : m_storage;
        queue->run<BodyDecision>(
            this,
            [handler, request, contentLength, consent] {
                return handler->startBody(request, contentLength, consent ? &*consent : nullptr);
            },
            [this, head, request](BodyDecision &decision) {
                if (m_state != State::OnWorker || !m_socket)
                    return;
                m_state = State::Head;
                continueUploadBody(head, request, decision);
                process();  // what arrived meanwhile
            });
        return;
    }
    BodyDecision decision = m_handler.startBody(request, contentLength, approval);
    continueUploadBody(head, request, decision);
}

void UploadIntake::continueUploadBody(const RequestHead &head, const TusRequest &request, BodyDecision &decision)
{
    const qint64 contentLength = head.bodyLength();
    m_keepAlive = head.keepAlive;
    if (decision.preCreate) {
        if (m_hooks && m_hooks->hasPreCreate()) {
            awaitPreCreateHook(head, request, *decision.preCreate);
            return;
        }
        // The handler wants a hook this server does not run: refuse, never create.
        decision.response = TusHandler::errorResponse(TusError::HookUnavailable);
    }
    if (decision.response) {
        // Answered from the head alone (an error, or a POST without body). A body we will
        // not read leaves the connection unusable.
        const bool unreadBody = head.hasBody();
        respond(*decision.response, false, unreadBody || !m_keepAlive);
        if (unreadBody)
            drainAndClose();
        else if (!m_keepAlive)
            closeGracefully();
        return;
    }
    if (head.expectContinue)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    m_body = std::move(decision.body);
    // Another request for this upload may ask us to let go (uploadlocks.h).
    m_body->writer.setReleaseHandler(this, [this](bool now) { letGoIfStalled(now); });
    m_chunked = head.chunked;
    m_decoder.reset();
    m_bodyLeft = contentLength;
    m_bodyProgress = 0;
    m_bodyClockRunning = false;
    m_sinceBodyBytes.start();
    m_state = State::Body;
    if (!m_chunked && m_bodyLeft == 0)
        finishBody(std::nullopt);
}

void UploadIntake::letGoIfStalled(bool now)
{
    if (now && m_body) {
        // The upload is being stopped (a post-receive hook's StopUpload): this request ends
        // here, and nothing of it is kept (the upload and its bytes are removed next).
        qCInfo(lcHttp).noquote() << "upload" << m_body->writer.id() << "stopped by a hook: ending the request writing it";
        m_body.reset();
        endExchange(0, 0);
        m_state = State::Closed;
        m_timer.stop();
        if (m_socket)
            m_socket->abort();
        return;
    }
    // Asked by another request for this upload. A body that brought a byte within
    // --release-stalled-after is a live writer and keeps the upload (that request gets 423);
    // a silent one commits what arrived and ends, as if the read timeout had struck.
    if (m_state != State::Body || !m_body || m_limits.releaseStalledAfter.count() <= 0)
        return;
    if (!m_sinceBodyBytes.hasExpired(m_limits.releaseStalledAfter.count()))
        return;
    qCInfo(lcHttp).noquote() << "another request asked for upload" << m_body->writer.id()
                             << "; this one brought nothing for" << m_sinceBodyBytes.elapsed() << "ms: letting go";
    commitInterrupted("stalled body let go");
    m_state = State::Closed;
    m_timer.stop();
    if (m_socket)
        m_socket->abort();
}

void UploadIntake::feedBody(const char *data, qint64 size, qint64 *consumed)
{
    m_bodyProgress += size;
    if (size > 0)
        m_sinceBodyBytes.start();
    UploadWriter &writer = m_body->writer;
    ServerMetrics *metrics = m_metrics;
    if (!m_chunked) {
        const qint64 n = qMin(size, m_bodyLeft);
        m_exchange.bytesIn += n;
        if (metrics)
            metrics->addBytesReceived(n);
        const StoreStatus status = writer.append(data, n);
        m_bodyLeft -= n;
        *consumed = n;
        if (status != StoreStatus::Ok) {
            finishBody(TusError::StorageFailure);  // the handler's answer names the real cause
            return;
        }
        if (m_bodyLeft == 0)
            finishBody(std::nullopt);
        else
            m_handler.bodyProgress(*m_body);
        return;
    }
    const auto sink = [this, &writer, metrics](const char *bytes, qint64 n) {
        m_exchange.bytesIn += n;
        if (metrics)
            metrics->addBytesReceived(n);
        return writer.append(bytes, n) == StoreStatus::Ok;
    };
    const ChunkedDecoder::Result result = m_decoder.feed(data, size, sink);
    *consumed = result.consumed;
    if (result.status == ChunkedDecoder::Status::Error) {
        finishBody(writer.status() == StoreStatus::Ok ? TusError::MalformedChunk : TusError::StorageFailure);
        return;
    }
    if (result.status == ChunkedDecoder::Status::Done)
        finishBody(std::nullopt);
    else if (result.consumed > 0)
        m_handler.bodyProgress(*m_body);
}

void UploadIntake::finishBody(std::optional<TusError> failure)
{
    if (!failure && m_hooks && m_hooks->has(HookType::PreFinish) && m_handler.needsFinishApproval(*m_body)
        && !m_body->finishApproval) {
        // The last bytes are here: before they complete the upload, the hook decides. They
        // wait, uncommitted, under the upload's lock.
        m_state = State::AwaitingHook;
        m_timer.stop();
        m_hooks->decide(HookType::PreFinish, m_handler.finishingUpload(*m_body), m_hooks->hookRequest(m_body->request),
                        this, [this](const HookVerdict &verdict) {
            if (m_state != State::AwaitingHook || !m_socket || !m_body)
                return;
            m_state = State::Body;
            if (verdict.allowed && verdict.approval) {
                m_body->finishApproval = *verdict.approval;
                finishBody(std::nullopt);
                return;
            }
            const TusResponse refusal = m_handler.refuseFinish(*m_body, verdict.refusal);
            m_body.reset();
            m_state = State::Head;
            respond(refusal, false, !m_keepAlive);
            if (!m_keepAlive)
                closeGracefully();
            else
                process();
        });
        return;
    }
    if (!failure && m_storage) {
        // A whole body: its commit (fdatasync under --fsync always, the .info rewrite) runs on
        // a storage worker while this thread serves the other connections; the answer follows
        // the commit. The job owns the body: a client gone meanwhile keeps its bytes.
        m_state = State::OnWorker;
        m_timer.stop();
        auto body = std::make_shared<PendingBody>(std::move(*m_body));
        m_body.reset();
        TusHandler *handler = &m_handler;
        m_storage->run<TusResponse>(
            this, [handler, body] { return handler->finishBody(*body, true); },
            [this](TusResponse &response) {
                if (m_state != State::OnWorker || !m_socket)
                    return;
                m_state = State::Head;
                respond(response, false, !m_keepAlive);
                if (!m_keepAlive)
                    closeGracefully();
                else
                    process();  // bytes that arrived meanwhile
            });
        return;
    }
    // Commit first (durable, then visible), whatever happens to the answer.
    const TusResponse response = failure == TusError::MalformedChunk ? m_handler.failBody(*m_body, *failure)
                                                                     : m_handler.finishBody(*m_body, !failure.has_value());
    m_body.reset();
    m_state = State::Head;
    respond(response, false, failure.has_value() || !m_keepAlive);
    if (failure)
        drainAndClose();  // the rest of the body is still on its way
    else if (!m_keepAlive)
        closeGracefully();
}

void UploadIntake::fail(TusError error)
{
    TusResponse response = TusHandler::errorResponse(error);
    m_handler.cors().apply(response, {});  // the head did not parse: no Origin to answer
    respond(response, false, true);
    drainAndClose();
}

void UploadIntake::drainAndClose()
{
    if (!m_socket)
        return;
    m_state = State::Draining;
    m_in.clear();
    m_socket->flush();
    const auto *tls = qobject_cast<QSslSocket *>(m_socket);
    if (m_socket->bytesToWrite() == 0 && (!tls || tls->encryptedBytesToWrite() == 0))
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);  // the client sees our answer, then EOF
    m_socket->skip(m_socket->bytesAvailable());
    startTimeout(drainMs);
}

void UploadIntake::onDisconnected()
{
    // No bytes of the body can be waiting in the socket's buffer here: QAbstractSocket reads
    // the end of the stream only after readyRead handed us everything before it, and
    // process() reads the buffer empty in every state (the body into the writer, anything
    // else into m_in). A drain here never found a byte in any suite (docs/testing.md).
    commitInterrupted("client disconnected");
    m_state = State::Closed;
    m_timer.stop();
}

void UploadIntake::commitInterrupted(const char *why)
{
    if (!m_body)
        return;
    const QString id = m_body->writer.id();
    const qint64 kept = m_body->writer.written();
    m_handler.finishBody(*m_body, false);  // commits what arrived (rule P7)
    m_body.reset();
    qCInfo(lcHttp).noquote() << why << "mid-body; kept" << kept << "bytes of upload" << id;
    endExchange(0, 0);  // no answer went out
}

TusRequest UploadIntake::toTusRequest(const RequestHead &head) const
{
    TusRequest r;
    r.method = head.method;
    r.path = head.path;
    r.target = head.target;
    r.headers = head.headers;
    r.remoteAddress = m_remoteAddress;
    if (m_secure)
        r.scheme = "https";
    return r;
}

} // namespace qtus

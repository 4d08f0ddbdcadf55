#include "uploadintake.h"

#include "httpbinding.h"
#include "logging.h"

#include <QScopedValueRollback>
#include <QTcpSocket>

#include <sys/socket.h>

namespace qtus {

namespace {
// After an early answer to a request whose body we will not read, the client may still be
// sending it. Closing at once would make the kernel reset the connection, and the client
// could lose our answer; so we stop writing, swallow its bytes for a moment, then close.
constexpr int drainMs = 2000;
} // namespace

UploadIntake::UploadIntake(QTcpSocket *socket, TusHandler &handler, UploadHooks *hooks, const IntakeLimits &limits,
                           StorageQueue *storage)
    : m_socket(socket), m_handler(handler), m_hooks(hooks), m_storage(storage), m_limits(limits),
      m_remoteAddress(socket->peerAddress().toString())
{
    socket->setReadBufferSize(socketBufferSize);
    // Connected before QHttpServer connects its own slot, so this one always runs first.
    connect(socket, &QTcpSocket::readyRead, this, &UploadIntake::onReadyRead);
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

void UploadIntake::onReadyRead()
{
    if (m_qtTurn || !m_socket)
        return;  // we raised this signal for QHttpServer
    // QHttpServer opens a read transaction whenever its slot runs. It never finds bytes to
    // read (this slot runs first and takes them all), so ending its empty transaction
    // loses nothing and lets our reads free the buffer.
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    process();
}

void UploadIntake::process()
{
    if (m_processing)
        return;
    const QScopedValueRollback<bool> guard(m_processing, true);
    while (m_socket) {
        if (m_state == State::Closed || m_state == State::Draining) {
            m_socket->skip(m_socket->bytesAvailable());
            return;
        }
        if (m_state == State::Sending) {
            bufferAhead(maxBytesAheadOfDownload);
            return;
        }
        if (m_state == State::OnWorker) {
            bufferAhead(maxBytesAheadOfWorker);
            return;
        }
        if (m_state == State::AwaitingHook) {
            bufferAhead(maxBytesAheadOfHook);
            return;
        }
        if (m_state == State::Head) {
            readInto(m_in);
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
        fail(parsed.error);
        return;
    }
    const RequestHead &head = parsed.head;
    TusRequest request = toTusRequest(head);
    if (request.method == "HEAD" && !head.hasBody() && !request.hasHeader("X-HTTP-Method-Override")) {
        // The offset check every resuming client sends, and the hottest request there is:
        // answered here from the index. Handing it to QHttpServer would cost twice the work
        // of the answer itself (pushing the head back and parsing it again; docs/performance.md).
        m_in.remove(0, head.size);
        respond(m_handler.handle(request), true, !head.keepAlive);
        if (!head.keepAlive)
            closeGracefully();
    } else if (m_handler.takesUploadBody(request)) {
        m_in.remove(0, head.size);
        if (m_hooks && m_hooks->hasPreCreate() && m_handler.isCreation(request))
            awaitPreCreateHook(head, std::move(request));
        else
            startUploadBody(head, std::move(request));
    } else if (request.method == "GET" && !head.hasBody()) {
        // Downloads stream from the file in bounded pieces; QHttpServer would read it whole.
        m_in.remove(0, head.size);
        const TusResponse response = m_handler.handle(request);
        if (response.bodyFile.isEmpty()) {
            respond(response, false, !head.keepAlive);
            if (!head.keepAlive)
                closeGracefully();
        } else {
            startSending(response, head.keepAlive);
        }
    } else if (head.hasBody()) {
        // No other tus request has a body; answer from the head and do not read the body.
        m_in.remove(0, head.size);
        respond(m_handler.handle(request), request.method == "HEAD", true);
        drainAndClose();
    } else {
        handOver(head);
    }
}

void UploadIntake::readInto(QByteArray &buffer)
{
    // Through a small piece, not readAll(): appending reuses the buffer's room, where
    // readAll() allocates a new array for every read (one per request on keep-alive HEADs).
    char piece[4096];
    for (qint64 available = m_socket->bytesAvailable(); available > 0; available = m_socket->bytesAvailable()) {
        const qint64 n = m_socket->read(piece, qMin<qint64>(available, sizeof piece));
        if (n <= 0)
            break;
        buffer.append(piece, n);
    }
}

void UploadIntake::bufferAhead(qint64 limit)
{
    // Requests (or body bytes) that arrive while we wait stay in our buffer, never in the
    // socket's, where QHttpServer would parse them out of order.
    m_in += m_socket->readAll();
    if (m_in.size() > limit) {
        qCInfo(lcHttp) << "closing: over" << limit << "bytes sent ahead while the connection waits";
        m_state = State::Closed;
        m_socket->abort();
    }
}

void UploadIntake::awaitPreCreateHook(const RequestHead &head, TusRequest request)
{
    const qint64 contentLength = head.bodyLength();
    UploadInfo planned;
    if (m_handler.checkCreation(request, contentLength, &planned)) {
        startUploadBody(head, std::move(request));  // refused anyway: the same answer, no hook
        return;
    }
    m_state = State::AwaitingHook;
    m_timer.stop();  // the hook has its own time limit
    request.newUploadId = planned.id;
    const QJsonObject event = UploadHooks::uploadEvent("pre-create", planned, request.remoteAddress);
    m_hooks->runPreCreate(event, this, [this, head, request](const HookVerdict &verdict) {
        if (m_state != State::AwaitingHook || !m_socket)
            return;
        m_state = State::Head;
        if (verdict.allowed) {
            startUploadBody(head, request);
        } else {
            TusResponse refusal = TusHandler::errorResponse(verdict.status == 403 ? TusError::HookRefused
                                                                                  : TusError::HookUnavailable);
            refusal.body = verdict.reason + '\n';
            m_handler.cors().apply(refusal, request.header("Origin"));
            const bool unreadBody = head.hasBody();
            respond(refusal, false, unreadBody || !head.keepAlive);
            if (unreadBody)
                drainAndClose();
            else if (!head.keepAlive)
                closeGracefully();
        }
        process();  // bytes that arrived meanwhile
    });
}

void UploadIntake::startUploadBody(const RequestHead &head, TusRequest request)
{
    const qint64 contentLength = head.bodyLength();
    if (m_storage && !head.hasBody() && m_handler.isCreation(request)) {
        // File-system work: done on a storage worker while this thread serves the other
        // connections. Only bodiless POSTs (what tus clients send unless asked for
        // creation-with-upload): a body would have to wait in memory meanwhile, since bytes
        // left in the socket are QHttpServer's to parse. Bytes that arrive meanwhile
        // (pipelined requests) wait in m_in.
        m_state = State::OnWorker;
        m_timer.stop();
        TusHandler *handler = &m_handler;
        m_storage->run<BodyDecision>(
            this, [handler, request, contentLength] { return handler->startBody(request, contentLength); },
            [this, head](BodyDecision &decision) {
                if (m_state != State::OnWorker || !m_socket)
                    return;
                m_state = State::Head;
                continueUploadBody(head, decision);
                process();  // bytes that arrived meanwhile
            });
        return;
    }
    BodyDecision decision = m_handler.startBody(request, contentLength);
    continueUploadBody(head, decision);
}

void UploadIntake::continueUploadBody(const RequestHead &head, BodyDecision &decision)
{
    const qint64 contentLength = head.bodyLength();
    m_keepAlive = head.keepAlive;
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
    m_chunked = head.chunked;
    m_decoder.reset();
    m_bodyLeft = contentLength;
    m_bodyProgress = 0;
    m_bodyClockRunning = false;
    m_state = State::Body;
    if (!m_chunked && m_bodyLeft == 0)
        finishBody(std::nullopt);
}

void UploadIntake::feedBody(const char *data, qint64 size, qint64 *consumed)
{
    m_bodyProgress += size;
    UploadWriter &writer = m_body->writer;
    if (!m_chunked) {
        const qint64 n = qMin(size, m_bodyLeft);
        const StoreStatus status = writer.append(data, n);
        m_bodyLeft -= n;
        *consumed = n;
        if (status != StoreStatus::Ok) {
            finishBody(TusError::StorageFailure);  // the handler's answer names the real cause
            return;
        }
        if (m_bodyLeft == 0)
            finishBody(std::nullopt);
        return;
    }
    const auto sink = [&writer](const char *bytes, qint64 n) { return writer.append(bytes, n) == StoreStatus::Ok; };
    const ChunkedDecoder::Result result = m_decoder.feed(data, size, sink);
    *consumed = result.consumed;
    if (result.status == ChunkedDecoder::Status::Error) {
        finishBody(writer.status() == StoreStatus::Ok ? TusError::MalformedChunk : TusError::StorageFailure);
        return;
    }
    if (result.status == ChunkedDecoder::Status::Done)
        finishBody(std::nullopt);
}

void UploadIntake::finishBody(std::optional<TusError> failure)
{
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

void UploadIntake::handOver(const RequestHead &head)
{
    // Give QHttpServer exactly this one request: push its bytes back into the (empty)
    // socket buffer and raise readyRead while this object stands aside. QHttpServer
    // parses and answers it synchronously; pipelined bytes after it stay in m_in.
    const QByteArray bytes = m_in.left(head.size);
    m_in.remove(0, head.size);
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    Q_ASSERT(m_socket->bytesAvailable() == 0);
    for (qsizetype i = bytes.size() - 1; i >= 0; --i)
        m_socket->ungetChar(bytes.at(i));
    m_socket->setProperty(HttpBinding::closeProperty, !head.keepAlive);
    {
        const QScopedValueRollback<bool> turn(m_qtTurn, true);
        emit m_socket->readyRead();
    }
    if (!m_socket)
        return;
    if (m_socket->isTransactionStarted() && m_socket->bytesAvailable() == 0)
        m_socket->commitTransaction();
    if (!head.keepAlive)
        closeGracefully();
}

void UploadIntake::closeGracefully()
{
    m_state = State::Closed;
    m_timer.stop();
    if (m_socket)
        m_socket->disconnectFromHost();  // sends what is queued first
}

void UploadIntake::startSending(const TusResponse &response, bool keepAlive)
{
    m_keepAlive = keepAlive;
    m_file.setFileName(response.bodyFile);
    if (!m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered) || !m_file.seek(response.bodyFileOffset)) {
        respond(TusHandler::errorResponse(TusError::StorageFailure), false, !keepAlive);
        return;
    }
    respond(response, false, !keepAlive);
    m_sendLeft = response.bodyFileLength;
    m_state = State::Sending;
    connect(m_socket, &QAbstractSocket::bytesWritten, this, &UploadIntake::sendMore, Qt::UniqueConnection);
    sendMore();
}

void UploadIntake::sendMore()
{
    if (m_state != State::Sending || !m_socket)
        return;
    if (m_chunk.size() < chunkSize)
        m_chunk.resize(chunkSize);
    // Keep at most about a socket buffer's worth queued: memory stays flat for any size.
    while (m_sendLeft > 0 && m_socket->bytesToWrite() < socketBufferSize) {
        const qint64 n = m_file.read(m_chunk.data(), qMin(chunkSize, m_sendLeft));
        if (n <= 0) {
            // The length is already promised; a short file cannot be answered honestly.
            qCWarning(lcHttp) << "download of" << m_file.fileName() << "ended early:" << m_file.errorString();
            m_file.close();
            m_state = State::Closed;
            m_socket->abort();
            return;
        }
        m_socket->write(m_chunk.constData(), n);
        m_sendLeft -= n;
    }
    armTimer();
    if (m_sendLeft > 0)
        return;
    m_file.close();
    m_state = State::Head;
    if (!m_keepAlive) {
        closeGracefully();
        return;
    }
    QMetaObject::invokeMethod(this, &UploadIntake::process, Qt::QueuedConnection);  // pipelined requests
}

void UploadIntake::respond(const TusResponse &response, bool headRequest, bool close)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (!close) {
        m_socket->write(HttpBinding::serialize(response, headRequest));
        return;
    }
    TusResponse closing = response;
    closing.setHeader("Connection", "close");
    m_socket->write(HttpBinding::serialize(closing, headRequest));
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
    if (m_socket->bytesToWrite() == 0)
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
}

TusRequest UploadIntake::toTusRequest(const RequestHead &head) const
{
    TusRequest r;
    r.method = head.method;
    r.path = head.path;
    r.headers = head.headers;
    r.remoteAddress = m_remoteAddress;
    return r;
}

} // namespace qtus

#pragma once
// A raw HTTP/1.1 client for the streaming-intake tests. It queues any bytes (pipelined
// requests, bodies, malformed heads), writes them in random segment sizes one event-loop
// turn apart, so the server really reads them in pieces, and parses responses as they
// arrive (interim 100s apart from final ones). It never blocks: waits spin the event loop
// through QSignalSpy::wait, because the server under test runs in the same thread.
#include "rawhttpclient.h"

#include <QDeadlineTimer>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTimer>
#include <QUrl>

#include <cmath>

class PipelinedClient : public QObject
{
    Q_OBJECT

public:
    PipelinedClient()
    {
        connect(&m_socket, &QTcpSocket::connected, this, [this] {
            schedulePump();
            emit changed();
        });
        connect(&m_socket, &QTcpSocket::readyRead, this, &PipelinedClient::onReadyRead);
        connect(&m_socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_socket.bytesToWrite() == 0)
                schedulePump();
        });
        connect(&m_socket, &QTcpSocket::disconnected, this, &PipelinedClient::onClosed);
        connect(&m_socket, &QTcpSocket::errorOccurred, this, &PipelinedClient::onClosed);
    }
    // The socket outlives the other members: it must not call back while they are gone.
    ~PipelinedClient() override { disconnect(&m_socket, nullptr, this, nullptr); }

    void connectToPort(quint16 port) { m_socket.connectToHost(QStringLiteral("127.0.0.1"), port); }
    // TLS to 127.0.0.1, trusting only the given certificates; true once encrypted.
    bool connectEncryptedTo(quint16 port, const QList<QSslCertificate> &trusted, int timeoutMs = 10000)
    {
        QSslConfiguration tls = m_socket.sslConfiguration();
        tls.setCaCertificates(trusted);
        m_socket.setSslConfiguration(tls);
        connect(&m_socket, &QSslSocket::encrypted, this, &PipelinedClient::changed);
        m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        return waitUntil([this] { return m_socket.isEncrypted() || m_closed; }, timeoutMs) && !m_closed;
    }
    bool connectTo(quint16 port, int timeoutMs = 5000)
    {
        connectToPort(port);
        return waitUntil([this] { return m_socket.state() == QAbstractSocket::ConnectedState || m_closed; }, timeoutMs)
            && !m_closed;
    }

    // Segments from 1 byte up to maxSegment, log-uniform so tiny and huge writes both occur.
    // maxSegment 0: each queued piece goes out in one write.
    void setSegmentation(quint32 seed, qint64 maxSegment)
    {
        m_rng.seed(seed);
        m_maxSegment = maxSegment;
    }

    // A request: its bytes are queued, and its response is expected in order. A HEAD
    // request's response has no body, so the parser must know which one it answers.
    void sendRequest(const QByteArray &bytes) { sendRequest(bytes, bytes.startsWith("HEAD ")); }
    void sendRequest(const QByteArray &bytes, bool headRequest)
    {
        m_expectHead.append(headRequest);
        sendBytes(bytes);
    }
    // Bytes that answer nothing by themselves (the body after a 100 Continue, garbage).
    void sendBytes(const QByteArray &bytes)
    {
        m_out += bytes;
        schedulePump();
    }
    void abort() { m_socket.abort(); }

    bool allWritten() const
    {
        return m_outPos >= m_out.size() && m_socket.bytesToWrite() == 0 && m_socket.encryptedBytesToWrite() == 0;
    }
    qint64 bytesWritten() const { return m_written - m_socket.bytesToWrite(); }
    bool isClosed() const { return m_closed; }
    const QList<RawResponse> &responses() const { return m_responses; }
    const QList<RawResponse> &interimResponses() const { return m_interim; }
    QByteArray received() const { return m_received; }
    // Bytes after the last complete response: must stay empty on a clean stream.
    QByteArray unparsed() const { return m_in; }
    QTcpSocket &socket() { return m_socket; }

    // Spins the event loop until pred() holds; false on timeout. Wakes on this client's
    // progress, and at least every 50 ms for conditions that only the server changes.
    template<typename Predicate>
    bool waitUntil(Predicate pred, int timeoutMs = 10000)
    {
        const QDeadlineTimer deadline(timeoutMs);
        while (!pred()) {
            const qint64 left = deadline.remainingTime();
            if (left <= 0)
                return false;
            QSignalSpy spy(this, &PipelinedClient::changed);
            spy.wait(int(qMin<qint64>(left, 50)));
        }
        return true;
    }
    bool waitForResponses(int count, int timeoutMs = 10000)
    {
        return waitUntil([&] { return m_responses.size() >= count || m_closed; }, timeoutMs) && m_responses.size() >= count;
    }
    bool waitForClose(int timeoutMs = 10000) { return waitUntil([this] { return m_closed; }, timeoutMs); }
    bool waitForAllWritten(int timeoutMs = 10000)
    {
        return waitUntil([this] { return allWritten() || m_closed; }, timeoutMs) && allWritten();
    }

signals:
    void changed();

private:
    void schedulePump()
    {
        if (m_pumpScheduled)
            return;
        m_pumpScheduled = true;
        QTimer::singleShot(0, this, &PipelinedClient::pump);
    }

    void pump()
    {
        m_pumpScheduled = false;
        if (m_socket.state() != QAbstractSocket::ConnectedState || m_socket.bytesToWrite() > 0)
            return;  // connected() or bytesWritten() calls again
        if (m_outPos >= m_out.size()) {
            m_out.clear();
            m_outPos = 0;
            emit changed();
            return;
        }
        qint64 n = m_out.size() - m_outPos;
        if (m_maxSegment > 0) {
            const double span = std::log(double(m_maxSegment) + 1.0);
            n = qMin(n, qBound<qint64>(1, qint64(std::exp(m_rng.generateDouble() * span)), m_maxSegment));
        }
        m_written += m_socket.write(m_out.constData() + m_outPos, n);
        m_outPos += n;
        m_socket.flush();
        if (m_outPos > 8 * 1024 * 1024) {
            m_out.remove(0, m_outPos);
            m_outPos = 0;
        }
    }

    void onReadyRead()
    {
        if (!m_socket.isReadable())
            return;  // aborted by the test
        const QByteArray bytes = m_socket.readAll();
        m_received += bytes;
        m_in += bytes;
        parse();
        emit changed();
    }

    void onClosed()
    {
        if (m_closed)
            return;
        onReadyRead();
        m_closed = true;
        emit changed();
    }

    void parse()
    {
        for (;;) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            RawResponse r;
            const QList<QByteArray> lines = m_in.left(end).split('\n');
            r.statusLine = lines.first().trimmed();
            r.status = r.statusLine.split(' ').value(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon > 0)
                    r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
            }
            const bool interim = r.status >= 100 && r.status < 200;
            const bool toHead = !interim && !m_expectHead.isEmpty() && m_expectHead.constFirst();
            const bool bodyless = interim || toHead || r.status == 204 || r.status == 304;
            const qint64 length = bodyless ? 0 : r.header("Content-Length").toLongLong();
            if (m_in.size() < end + 4 + length)
                return;
            r.body = m_in.mid(end + 4, length);
            m_in.remove(0, end + 4 + length);
            if (interim) {
                m_interim.append(r);
                continue;
            }
            if (!m_expectHead.isEmpty())
                m_expectHead.removeFirst();
            m_responses.append(r);
        }
    }

    QSslSocket m_socket;  // plain TCP unless connectEncryptedTo()
    QRandomGenerator m_rng;
    qint64 m_maxSegment = 0;
    QByteArray m_out;
    qsizetype m_outPos = 0;
    qint64 m_written = 0;
    bool m_pumpScheduled = false;
    QByteArray m_in;
    QByteArray m_received;
    QList<bool> m_expectHead;
    QList<RawResponse> m_responses;
    QList<RawResponse> m_interim;
    bool m_closed = false;
};

// The path of a 201's Location ("/files/<id>").
inline QByteArray pathOf(const RawResponse &created)
{
    return QUrl(QString::fromLatin1(created.header("Location"))).path().toLatin1();
}

// One request on a fresh connection to port; its response (status 0 when none arrived).
inline RawResponse exchangeOnce(quint16 port, const QByteArray &request, int timeoutMs = 10000)
{
    PipelinedClient client;
    if (!client.connectTo(port))
        return {};
    client.sendRequest(request);
    if (!client.waitForResponses(1, timeoutMs))
        return {};
    return client.responses().constFirst();
}

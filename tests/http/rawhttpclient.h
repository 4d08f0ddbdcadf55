#pragma once
// A test client that speaks HTTP/1.1 over a real QTcpSocket and keeps the raw bytes, so
// tests can check framing (no body on HEAD/204, Content-Length, status lines) exactly.
// It never blocks the thread: waits spin the event loop (QTest::qWaitFor), because the
// server under test runs in the same thread.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QTcpSocket>
#include <QTest>

struct RawResponse
{
    int status = 0;
    QByteArray statusLine;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

class RawHttpClient
{
public:
    bool connectTo(quint16 port, int timeoutMs = 5000)
    {
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, timeoutMs);
    }
    QTcpSocket &socket() { return m_socket; }
    void send(const QByteArray &bytes) { m_socket.write(bytes); }

    // Reads one response. headRequest: the request was HEAD (no body follows).
    bool readResponse(RawResponse *out, bool headRequest = false, int timeoutMs = 10000)
    {
        RawResponse r;
        qsizetype headerEnd = -1;
        const bool gotHead = QTest::qWaitFor([&] {
            m_buffer += m_socket.readAll();
            headerEnd = m_buffer.indexOf("\r\n\r\n");
            return headerEnd >= 0 || m_socket.state() == QAbstractSocket::UnconnectedState;
        }, timeoutMs);
        if (!gotHead || headerEnd < 0)
            return false;
        const QList<QByteArray> lines = m_buffer.left(headerEnd).split('\n');
        r.statusLine = lines.first().trimmed();
        r.status = r.statusLine.split(' ').value(1).toInt();
        for (int i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                r.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        m_buffer.remove(0, headerEnd + 4);
        const bool bodyless = headRequest || r.status == 204 || r.status == 304 || r.status < 200;
        const qint64 length = bodyless ? 0 : r.header("Content-Length").toLongLong();
        if (!QTest::qWaitFor([&] {
                m_buffer += m_socket.readAll();
                return m_buffer.size() >= length || m_socket.state() == QAbstractSocket::UnconnectedState;
            }, timeoutMs) || m_buffer.size() < length)
            return false;
        r.body = m_buffer.left(length);
        m_buffer.remove(0, length);
        *out = r;
        return true;
    }

    // Bytes that arrived beyond the responses read so far (must be empty on a clean stream).
    QByteArray pendingBytes()
    {
        QTest::qWait(0);
        m_buffer += m_socket.readAll();
        return m_buffer;
    }

    bool request(const QByteArray &method, const QByteArray &path, const QList<QPair<QByteArray, QByteArray>> &headers,
                 const QByteArray &body, RawResponse *out)
    {
        QByteArray bytes = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        for (const auto &h : headers)
            bytes += h.first + ": " + h.second + "\r\n";
        if (!body.isEmpty() || method == "PATCH" || method == "POST")
            bytes += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        bytes += "\r\n" + body;
        send(bytes);
        return readResponse(out, method == "HEAD");
    }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

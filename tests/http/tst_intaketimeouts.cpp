// The streaming intake's clocks over real sockets: the idle timeout of a keep-alive
// connection (pushed back by each request, never by nothing), the read timeout of a head or
// body that stalls (what arrived is kept), and the slowloris cases, where bytes keep coming
// but too slowly for a head to finish or a body to make progress.
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

using namespace qtus;

namespace {
// Writes bytes one at a time, one per interval, while the connection is open; *sent counts
// them. The timer is owned by the caller's scope (slowloris tests).
void trickle(QTimer &timer, PipelinedClient &client, const QByteArray &bytes, int intervalMs, qsizetype *sent)
{
    QObject::connect(&timer, &QTimer::timeout, &client.socket(), [&client, bytes, sent] {
        if (*sent < bytes.size() && client.socket().state() == QAbstractSocket::ConnectedState)
            client.socket().write(bytes.mid((*sent)++, 1));
    });
    timer.start(intervalMs);
}

} // namespace

class tst_IntakeTimeouts : public QObject
{
    Q_OBJECT

private slots:
    void idleTimeoutClosesIdleConnections();
    void requestsPushTheIdleTimeoutBack();
    void readTimeout_data();
    void readTimeout();
    void trickledHeadTimesOut();
    void trickledBodyTimesOut();
    void pipelinedHeadGetsItsOwnDeadline();
};

void tst_IntakeTimeouts::idleTimeoutClosesIdleConnections()
{
    ServerUnderTest s;
    s.config.idleTimeout = std::chrono::milliseconds(300);
    QVERIFY(s.start());

    PipelinedClient used;  // idle after a response
    QVERIFY(used.connectTo(s.port()));
    used.sendRequest(wire::options());
    QVERIFY(used.waitForResponses(1));
    QElapsedTimer sinceResponse;
    sinceResponse.start();
    PipelinedClient silent;  // never sends a byte
    QVERIFY(silent.connectTo(s.port()));

    QVERIFY(used.waitForClose(5000));
    QVERIFY2(sinceResponse.elapsed() >= 250, "closed before the idle timeout");
    QVERIFY(silent.waitForClose(5000));
    QCOMPARE(used.responses().size(), 1);
    QCOMPARE(used.unparsed(), QByteArray());
}

void tst_IntakeTimeouts::requestsPushTheIdleTimeoutBack()
{
    // Each request moves the idle deadline (the timer is not restarted per request; when it
    // fires early it waits out the rest). Requests go back to back, each as soon as the
    // previous answer is in, for three idle timeouts. The rule checked makes no assumption
    // about how soon a busy machine gets to a timer: whenever the server closes, at least a
    // whole idle timeout has passed since the client sent its last request (the server read
    // it later still). A server that let the first deadline stand closes right after a
    // request. Only a stall of the test process longer than the idle timeout makes a close
    // legitimate mid-run; the run then starts again on a new connection.
    constexpr qint64 idleMs = 300;
    ServerUnderTest s;
    s.config.idleTimeout = std::chrono::milliseconds(idleMs);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    QElapsedTimer clock;
    clock.start();
    for (int attempt = 1;; ++attempt) {
        PipelinedClient client;
        QVERIFY(client.connectTo(s.port()));
        qint64 lastSentNs = 0;
        qint64 closedNs = -1;
        const auto noteClose = [&] {
            if (closedNs < 0)
                closedNs = clock.nsecsElapsed();
        };
        QObject::connect(&client.socket(), &QAbstractSocket::disconnected, &client, noteClose);
        QObject::connect(&client.socket(), &QAbstractSocket::errorOccurred, &client, noteClose);
        const auto send = [&] {
            lastSentNs = clock.nsecsElapsed();
            client.sendRequest(wire::head(path));
        };
        send();
        QVERIFY(client.waitForResponses(1));
        const qint64 firstAnswerNs = clock.nsecsElapsed();
        const qint64 runNs = 3 * idleMs * 1000000;
        while (!client.isClosed() && clock.nsecsElapsed() - firstAnswerNs < runNs) {
            const int answered = int(client.responses().size());
            send();
            client.waitUntil([&] { return client.responses().size() > answered || client.isClosed(); });
        }
        const bool survived = !client.isClosed();
        QVERIFY(client.waitForClose(5000));  // silence closes it
        QVERIFY(closedNs >= 0);
        QVERIFY2(closedNs - lastSentNs >= (idleMs - 1) * 1000000,
                 qPrintable(QStringLiteral("closed %1 ms after a request (idle timeout %2 ms), %3 answers")
                                .arg((closedNs - lastSentNs) / 1000000).arg(idleMs).arg(client.responses().size())));
        for (const RawResponse &r : client.responses())
            QCOMPARE(r.status, 200);
        QCOMPARE(client.unparsed(), QByteArray());
        if (survived)
            break;
        QVERIFY2(attempt < 10, "the test process never kept up requests for three idle timeouts");
        qWarning("attempt %d: the test process stalled past the idle timeout; trying again", attempt);
    }
}

void tst_IntakeTimeouts::readTimeout_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addColumn<qint64>("kept");
    QTest::addRow("stalled mid-body") << QByteArray("length") << qint64(1000);
    QTest::addRow("stalled mid-chunk") << QByteArray("chunked") << qint64(1000);
    QTest::addRow("stalled mid-head") << QByteArray("head") << qint64(0);
}

void tst_IntakeTimeouts::readTimeout()
{
    QFETCH(QByteArray, mode);
    QFETCH(qint64, kept);
    ServerUnderTest s;
    s.config.readTimeout = std::chrono::milliseconds(300);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(5000);
    const QByteArray data = patternBytes(5000, 9);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    if (mode == "length")
        client.sendBytes(wire::patchHead(path, 0, 5000) + data.left(kept));
    else if (mode == "chunked")
        client.sendBytes(wire::chunkedPatchHead(path, 0) + "1388\r\n" + data.left(kept));
    else
        client.sendBytes(wire::patchHead(path, 0, 5000).left(60));
    QVERIFY(client.waitForAllWritten());
    QVERIFY(client.waitForClose(5000));
    QTRY_COMPARE(s.offset(path), kept);  // what arrived is committed

    PipelinedClient next;
    QVERIFY(next.connectTo(s.port()));
    next.sendRequest(wire::head(path));
    QVERIFY(next.waitForResponses(1));
    QCOMPARE(next.responses().at(0).header("Upload-Offset"), QByteArray::number(kept));
}

void tst_IntakeTimeouts::trickledHeadTimesOut()
{
    // Slowloris: a byte of the head every 100 ms, with a 300 ms read timeout. Each byte
    // arrives well within the timeout, but the head as a whole must not take longer.
    ServerUnderTest s;
    s.config.readTimeout = std::chrono::milliseconds(300);
    QVERIFY(s.start());
    const QByteArray head = wire::head(s.createUpload(10));  // ~100 bytes: 10 s at this pace
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    qsizetype sent = 0;
    QTimer timer;
    trickle(timer, client, head, 100, &sent);
    QVERIFY(client.waitForClose(3000));
    QVERIFY2(sent < head.size() / 2, QByteArray::number(sent).constData());  // closed mid-head
    QCOMPARE(client.responses().size(), 0);
}

void tst_IntakeTimeouts::trickledBodyTimesOut()
{
    // A body byte every 50 ms: never silent for the 300 ms read timeout, but far below
    // 1 KiB per timeout. The connection closes and the bytes that arrived are kept.
    ServerUnderTest s;
    s.config.readTimeout = std::chrono::milliseconds(300);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(5000);
    const QByteArray data = patternBytes(5000, 3);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendBytes(wire::patchHead(path, 0, 5000));
    qsizetype sent = 0;
    QTimer timer;
    trickle(timer, client, data, 50, &sent);
    QVERIFY(client.waitForClose(3000));
    timer.stop();
    QVERIFY2(sent < 100, QByteArray::number(sent).constData());
    QTRY_VERIFY(s.offset(path) > 0);
    QVERIFY(s.offset(path) <= sent);  // what arrived is kept, nothing more is claimed
}

void tst_IntakeTimeouts::pipelinedHeadGetsItsOwnDeadline()
{
    // Head A arrives in two parts 250 ms apart; its second part brings the start of a
    // pipelined head B, whose rest follows 100 ms later. B must be timed from its own first
    // byte (t = 250 ms), not from A's (t = 0): with A's deadline it would be cut off at 300 ms.
    ServerUnderTest s;
    s.config.readTimeout = std::chrono::milliseconds(300);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    const QByteArray a = wire::head(path);
    const QByteArray b = wire::head(path);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendBytes(a.left(10));
    QTimer::singleShot(250, &client.socket(), [&] { client.sendBytes(a.mid(10) + b.left(10)); });
    QTimer::singleShot(350, &client.socket(), [&] { client.sendBytes(b.mid(10)); });
    QVERIFY(client.waitForResponses(2));
    QCOMPARE(client.responses().at(0).status, 200);
    QCOMPARE(client.responses().at(1).status, 200);
}

QTEST_GUILESS_MAIN(tst_IntakeTimeouts)
#include "tst_intaketimeouts.moc"

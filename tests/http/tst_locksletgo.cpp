// Locks that let go, over real sockets: a PATCH whose client went silent mid-body holds the
// upload's lock until its read timeout, unless another request for the upload arrives after
// --release-stalled-after: then the stalled request commits what arrived and ends, and the
// client that reconnected resumes at once (uploadlocks.h). A writer still sending keeps its
// lock: a second writer gets 423.
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QTest>
#include <QTimer>

using namespace qtus;

namespace {
constexpr qint64 MiB = 1024 * 1024;

// HEADs the upload until it reports offset `want`, one request after the other (each as soon as
// the last is answered); the last offset seen.
qint64 headUntil(ServerUnderTest &s, const QByteArray &path, qint64 want, int timeoutMs)
{
    PipelinedClient client;
    if (!client.connectTo(s.port()))
        return -1;
    qint64 offset = -1;
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired() && !client.isClosed()) {
        const int answered = int(client.responses().size());
        client.sendRequest(wire::head(path));
        if (!client.waitForResponses(answered + 1, 5000))
            break;
        offset = client.responses().constLast().header("Upload-Offset").toLongLong();
        if (offset == want)
            break;
    }
    return offset;
}
} // namespace

class tst_LocksLetGo : public QObject
{
    Q_OBJECT

private slots:
    void stalledPatchLetsGoForAResume();
    void stalledPatchLetsGoForADelete();
    void activeWriterKeepsItsLock();
};

void tst_LocksLetGo::stalledPatchLetsGoForAResume()
{
    // The client sends 1 MiB of a 2 MiB PATCH and goes silent (its network died, the
    // connection did not). A new connection asks for the offset, gets the 1 MiB that
    // arrived, and sends the rest: well within tus-js-client's retry window, with the read
    // timeout at its default minute.
    ServerUnderTest s;
    s.config.releaseStalledAfter = std::chrono::milliseconds(300);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(2 * MiB);
    const QByteArray data = patternBytes(2 * MiB, 5);
    PipelinedClient stalled;
    QVERIFY(stalled.connectTo(s.port()));
    stalled.sendRequest(wire::patchHead(path, 0, 2 * MiB) + data.left(MiB));
    QVERIFY(stalled.waitForAllWritten());

    QElapsedTimer resume;
    resume.start();
    QCOMPARE(headUntil(s, path, MiB, 10000), MiB);
    PipelinedClient resumer;
    QVERIFY(resumer.connectTo(s.port()));
    resumer.sendRequest(wire::patch(path, MiB, data.mid(MiB)));
    QVERIFY(resumer.waitForResponses(1));
    QCOMPARE(resumer.responses().constFirst().status, 204);
    QVERIFY2(resume.elapsed() < 10000, qPrintable(QString::number(resume.elapsed())));
    QCOMPARE(s.storedBytes(path), data);
    QVERIFY(stalled.waitForClose(5000));  // the stalled request ended
    QCOMPARE(stalled.responses().size(), 0);
    QCOMPARE(s.server().locks().count(), 0);
}

void tst_LocksLetGo::stalledPatchLetsGoForADelete()
{
    ServerUnderTest s;
    s.config.releaseStalledAfter = std::chrono::milliseconds(200);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(100);
    PipelinedClient stalled;
    QVERIFY(stalled.connectTo(s.port()));
    stalled.sendRequest(wire::patchHead(path, 0, 100) + QByteArray(40, 'x'));
    QVERIFY(stalled.waitForAllWritten());
    PipelinedClient remover;
    QVERIFY(remover.connectTo(s.port()));
    int status = 0;
    const QDeadlineTimer deadline(10000);
    while (status != 204 && !deadline.hasExpired()) {  // 423 until the body has been silent long enough
        const int answered = int(remover.responses().size());
        remover.sendRequest(wire::remove(path));
        QVERIFY(remover.waitForResponses(answered + 1));
        status = remover.responses().constLast().status;
        QVERIFY2(status == 423 || status == 204, qPrintable(QString::number(status)));
    }
    QCOMPARE(status, 204);
    QCOMPARE(s.offset(path), qint64(-1));
    QVERIFY(stalled.waitForClose(5000));
}

void tst_LocksLetGo::activeWriterKeepsItsLock()
{
    // A writer that keeps sending is no stalled request: however often a second writer asks,
    // it gets 423 and the first one's bytes all arrive.
    ServerUnderTest s;
    s.config.releaseStalledAfter = std::chrono::seconds(5);
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(1000);
    PipelinedClient writer;
    QVERIFY(writer.connectTo(s.port()));
    writer.sendBytes(wire::patchHead(path, 0, 1000));
    QTimer trickle;
    int sent = 0;
    QObject::connect(&trickle, &QTimer::timeout, &writer, [&] {
        if (sent < 1000) {
            writer.sendBytes(QByteArray(50, 'a'));
            sent += 50;
        }
    });
    trickle.start(20);
    for (int i = 0; i < 5; ++i) {  // a refused body closes its connection: a new one each time
        PipelinedClient second;
        QVERIFY(second.connectTo(s.port()));
        second.sendRequest(wire::patch(path, 0, "zz"));
        QVERIFY(second.waitForResponses(1));
        QCOMPARE(second.responses().constFirst().status, 423);
    }
    QVERIFY(writer.waitForResponses(1, 20000));
    QCOMPARE(writer.responses().constFirst().status, 204);
    QCOMPARE(s.storedBytes(path), QByteArray(1000, 'a'));
}

QTEST_GUILESS_MAIN(tst_LocksLetGo)
#include "tst_locksletgo.moc"

// The streaming intake over real sockets, for the body path: PATCH and creation-with-upload
// bodies cut into random TCP segments, pipelined mixed requests on one keep-alive
// connection, a client that vanishes mid-body and resumes, Expect: 100-continue.
// Creations and commits on storage workers: tst_storagequeue.cpp. Limits, framing attacks
// and response hygiene are in tst_intakelimits.cpp, clocks in tst_intaketimeouts.cpp; the fixed-seed
// torture run in tst_intaketorture.cpp. Peak memory is not asserted here: the benchmark
// (issue 3) prints the server's VmHWM for large bodies.
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QTest>


using namespace qtus;

namespace {
constexpr qint64 MiB = 1024 * 1024;
const QByteArray expect100 = "Expect: 100-continue\r\n";


} // namespace

class tst_UploadIntake : public QObject
{
    Q_OBJECT

private slots:
    void randomSegmentation_data();
    void randomSegmentation();
    void pipelinedMixedRequests_data();
    void pipelinedMixedRequests();
    void disconnectMidBodyKeepsEveryByte_data();
    void disconnectMidBodyKeepsEveryByte();
    void expectContinueAfterValidation_data();
    void expectContinueAfterValidation();
    void expectContinueRefused_data();
    void expectContinueRefused();
    void expectContinueIgnoredOnHttp10();
    void malformedChunkedCreationLeavesNothing();
};

void tst_UploadIntake::randomSegmentation_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<qint64>("maxSegment");

    QTest::addRow("PATCH, seed 1") << QByteArray("length") << 3 * MiB + 7 << 1u << MiB;
    QTest::addRow("PATCH, seed 2") << QByteArray("length") << 5 * MiB + 1 << 2u << MiB;
    QTest::addRow("PATCH, tiny segments") << QByteArray("length") << qint64(48 * 1024 + 3) << 3u << qint64(64);
    QTest::addRow("chunked PATCH, seed 4") << QByteArray("chunked") << 2 * MiB + 3 << 4u << MiB;
    QTest::addRow("chunked PATCH, tiny segments") << QByteArray("chunked") << qint64(20 * 1024) << 5u << qint64(16);
    QTest::addRow("creation-with-upload, seed 6") << QByteArray("creation") << MiB + 5 << 6u << MiB;
    QTest::addRow("creation-with-upload, tiny") << QByteArray("creation") << qint64(9000) << 7u << qint64(8);
}

void tst_UploadIntake::randomSegmentation()
{
    QFETCH(QByteArray, mode);
    QFETCH(qint64, size);
    QFETCH(quint32, seed);
    QFETCH(qint64, maxSegment);

    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray data = patternBytes(size, seed);
    PipelinedClient client;
    client.setSegmentation(seed, maxSegment);
    QVERIFY(client.connectTo(s.port()));
    QByteArray path;
    if (mode == "creation") {
        client.sendRequest(wire::post(size, data));
    } else {
        path = s.createUpload(size);
        client.sendRequest(mode == "chunked" ? wire::chunkedPatchHead(path, 0) + wire::chunked(data, 65537)
                                             : wire::patch(path, 0, data));
    }
    QVERIFY(client.waitForResponses(1, 60000));
    const RawResponse r = client.responses().constFirst();
    QCOMPARE(r.status, mode == "creation" ? 201 : 204);
    QCOMPARE(r.header("Upload-Offset"), QByteArray::number(size));
    QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
    if (mode == "creation")
        path = pathOf(r);
    QCOMPARE(s.offset(path), size);
    const QByteArray stored = s.storedBytes(path);
    QCOMPARE(stored.size(), data.size());
    QVERIFY2(stored == data, "stored bytes differ from the bytes sent");

    // The connection is still usable: the body's end was found exactly.
    client.sendRequest(wire::head(path));
    QVERIFY(client.waitForResponses(2));
    QCOMPARE(client.responses().at(1).status, 200);
    QCOMPARE(client.responses().at(1).header("Upload-Offset"), QByteArray::number(size));
    QVERIFY(!client.isClosed());
    QCOMPARE(client.unparsed(), QByteArray());
}

void tst_UploadIntake::pipelinedMixedRequests_data()
{
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<qint64>("maxSegment");
    QTest::addRow("one write") << 0u << qint64(0);
    QTest::addRow("segments up to 1 MiB") << 11u << MiB;
    QTest::addRow("segments up to 4 KiB") << 12u << qint64(4096);
    QTest::addRow("segments up to 16 bytes") << 13u << qint64(16);
}

void tst_UploadIntake::pipelinedMixedRequests()
{
    QFETCH(quint32, seed);
    QFETCH(qint64, maxSegment);

    ServerUnderTest s;
    QVERIFY(s.start());
    const qint64 size = 300000;
    const QByteArray data = patternBytes(size, 99);
    const QByteArray upload = s.createUpload(size);
    const QByteArray doomed = s.createUpload(10);

    struct Step
    {
        QByteArray request;
        int status;
        QByteArray offset;  // expected Upload-Offset, empty: not checked
    };
    const QList<Step> steps{
        {wire::head(upload), 200, "0"},
        {wire::patch(upload, 0, data.left(100000)), 204, "100000"},
        {wire::options(), 204, {}},
        {wire::post(10), 201, "0"},
        {wire::post(5, "hello"), 201, "5"},
        {wire::head(upload), 200, "100000"},
        {wire::chunkedPatchHead(upload, 100000) + wire::chunked(data.mid(100000, 100000), 4000), 204, "200000"},
        {wire::remove(doomed), 204, {}},
        {wire::head(doomed), 404, {}},
        {wire::patch(upload, 200000, data.mid(200000)), 204, "300000"},
        {wire::post(3, {}, "Upload-Metadata: name YS50eHQ=\r\n"), 201, "0"},
        {wire::head(upload), 200, "300000"},
        {wire::options(), 204, {}},
    };

    PipelinedClient client;
    client.setSegmentation(seed, maxSegment);
    QVERIFY(client.connectTo(s.port()));
    for (const Step &step : steps)
        client.sendRequest(step.request);
    QVERIFY(client.waitForResponses(int(steps.size()), 30000));
    QCOMPARE(client.responses().size(), steps.size());
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const RawResponse &r = client.responses().at(i);
        const QByteArray what = "response " + QByteArray::number(i) + ": " + r.statusLine;
        QVERIFY2(r.status == steps[i].status, what.constData());
        if (!steps[i].offset.isEmpty())
            QVERIFY2(r.header("Upload-Offset") == steps[i].offset, what.constData());
        QVERIFY2(r.header("Tus-Resumable") == "1.0.0", what.constData());
    }
    QVERIFY(client.responses().at(2).hasHeader("Tus-Version"));
    QVERIFY(client.interimResponses().isEmpty());
    QVERIFY(!client.isClosed());
    QCOMPARE(client.unparsed(), QByteArray());

    QVERIFY2(s.storedBytes(upload) == data, "stored bytes differ from the bytes sent");
    QCOMPARE(s.offset(doomed), qint64(-1));
    QCOMPARE(s.storedBytes(pathOf(client.responses().at(4))), QByteArray("hello"));
    QCOMPARE(s.offset(pathOf(client.responses().at(3))), qint64(0));
}

void tst_UploadIntake::disconnectMidBodyKeepsEveryByte_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addColumn<qint64>("sent");  // body bytes sent before the client vanishes
    QTest::addRow("PATCH, half") << QByteArray("length") << MiB + 5;
    QTest::addRow("PATCH, first byte") << QByteArray("length") << qint64(1);
    QTest::addRow("chunked PATCH, half") << QByteArray("chunked") << MiB + 5;
    QTest::addRow("creation-with-upload, half") << QByteArray("creation") << MiB + 5;
}

void tst_UploadIntake::disconnectMidBodyKeepsEveryByte()
{
    QFETCH(QByteArray, mode);
    QFETCH(qint64, sent);

    ServerUnderTest s;
    s.config.fsync = FsyncPolicy::Always;
    QVERIFY(s.start());
    const qint64 size = 2 * MiB + 11;
    const QByteArray data = patternBytes(size, 42);
    QByteArray path;
    {
        PipelinedClient client;
        client.setSegmentation(17, 256 * 1024);
        QVERIFY(client.connectTo(s.port()));
        if (mode == "creation") {
            const QByteArray full = wire::post(size, data);
            client.sendBytes(full.left(full.size() - (size - sent)));
        } else {
            path = s.createUpload(size);
            client.sendBytes(mode == "chunked"
                                 ? wire::chunkedPatchHead(path, 0) + QByteArray::number(size, 16) + "\r\n" + data.left(sent)
                                 : wire::patchHead(path, 0, size) + data.left(sent));
        }
        QVERIFY(client.waitForAllWritten());
        QVERIFY(client.responses().isEmpty());
        client.abort();
    }
    if (mode == "creation") {
        QTRY_COMPARE(s.server().store().count(), 1);
        path = "/files/" + s.server().store().sessions().constFirst().id.toLatin1();
    }
    QTRY_COMPARE(s.offset(path), sent);  // committed once the server sees the disconnect

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(wire::head(path));
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().at(0).status, 200);
    QCOMPARE(client.responses().at(0).header("Upload-Offset"), QByteArray::number(sent));
    QCOMPARE(client.responses().at(0).header("Upload-Length"), QByteArray::number(size));

    client.sendRequest(wire::patch(path, sent, data.mid(sent)));  // resume from HEAD's offset
    QVERIFY(client.waitForResponses(2, 30000));
    QCOMPARE(client.responses().at(1).status, 204);
    QCOMPARE(client.responses().at(1).header("Upload-Offset"), QByteArray::number(size));
    QVERIFY2(s.storedBytes(path) == data, "resumed file differs from the original");
}

void tst_UploadIntake::expectContinueAfterValidation_data()
{
    QTest::addColumn<QByteArray>("mode");
    QTest::addRow("PATCH") << QByteArray("length");
    QTest::addRow("chunked PATCH") << QByteArray("chunked");
    QTest::addRow("creation-with-upload") << QByteArray("creation");
}

void tst_UploadIntake::expectContinueAfterValidation()
{
    QFETCH(QByteArray, mode);
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray data = patternBytes(70000, 5);
    QByteArray path;
    QByteArray body = data;
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    if (mode == "creation") {
        const QByteArray full = wire::post(data.size(), data, expect100);
        client.sendRequest(full.left(full.size() - data.size()));
    } else {
        path = s.createUpload(data.size());
        if (mode == "chunked") {
            client.sendRequest(wire::chunkedPatchHead(path, 0, expect100));
            body = wire::chunked(data, 30000);
        } else {
            client.sendRequest(wire::patchHead(path, 0, data.size(), expect100));
        }
    }
    // Only the head is out: the server must answer 100 without waiting for the body.
    QVERIFY(client.waitUntil([&] { return !client.interimResponses().isEmpty() || !client.responses().isEmpty(); }));
    QCOMPARE(client.interimResponses().size(), 1);
    QCOMPARE(client.interimResponses().at(0).statusLine, QByteArray("HTTP/1.1 100 Continue"));
    QVERIFY(client.responses().isEmpty());
    QVERIFY(client.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"));

    client.sendBytes(body);
    QVERIFY(client.waitForResponses(1));
    const RawResponse r = client.responses().at(0);
    QCOMPARE(r.status, mode == "creation" ? 201 : 204);
    QCOMPARE(r.header("Upload-Offset"), QByteArray::number(data.size()));
    if (mode == "creation")
        path = pathOf(r);
    QVERIFY(s.storedBytes(path) == data);
    QVERIFY(!client.isClosed());
}

void tst_UploadIntake::expectContinueRefused_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<int>("status");
    QTest::addRow("wrong offset") << QByteArray("offset") << 409;
    QTest::addRow("unknown id") << QByteArray("unknown") << 404;
    QTest::addRow("body over the upload's length") << QByteArray("over-length") << 400;
    QTest::addRow("body over --max-size (deferred length)") << QByteArray("over-max") << 413;
    QTest::addRow("creation over --max-size") << QByteArray("creation-over-max") << 413;
    QTest::addRow("missing Tus-Resumable") << QByteArray("no-version") << 412;
    QTest::addRow("wrong Content-Type") << QByteArray("media-type") << 415;
    QTest::addRow("locked") << QByteArray("locked") << 423;
}

void tst_UploadIntake::expectContinueRefused()
{
    QFETCH(QByteArray, kind);
    QFETCH(int, status);

    ServerUnderTest s;
    s.config.maxSize = MiB;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(100);
    const QByteArray deferred = s.createUpload(0, true);
    UploadLock lock;
    QByteArray request;
    if (kind == "offset") {
        request = wire::patchHead(path, 5, 10, expect100);
    } else if (kind == "unknown") {
        request = wire::patchHead("/files/" + QByteArray(32, '0'), 0, 10, expect100);
    } else if (kind == "over-length") {
        request = wire::patchHead(path, 0, 101, expect100);
    } else if (kind == "over-max") {
        request = wire::patchHead(deferred, 0, 2 * MiB, expect100);
    } else if (kind == "creation-over-max") {
        request = "POST /files/ HTTP/1.1\r\n" + wire::hostAndVersion + wire::octets
            + "Upload-Length: 2097152\r\nContent-Length: 2097152\r\n" + expect100 + "\r\n";
    } else if (kind == "no-version") {
        request = wire::patchHead(path, 0, 10, expect100).replace("Tus-Resumable: 1.0.0\r\n", "");
    } else if (kind == "media-type") {
        request = wire::patchHead(path, 0, 10, expect100).replace("application/offset+octet-stream", "text/plain");
    } else if (kind == "locked") {
        lock = s.server().locks().tryLock(ServerUnderTest::idOf(path));
        QVERIFY(lock.isHeld());
        request = wire::patchHead(path, 0, 10, expect100);
    }
    QVERIFY(request.endsWith("\r\n\r\n"));

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(request);  // the head only: the answer may not wait for a body
    QVERIFY(client.waitForResponses(1));
    const RawResponse r = client.responses().at(0);
    QCOMPARE(r.status, status);
    QVERIFY(client.interimResponses().isEmpty());
    QVERIFY(!client.received().contains("100 Continue"));
    QCOMPARE(r.header("Connection").toLower(), QByteArray("close"));
    QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
    QVERIFY(client.waitForClose(5000));  // the body will not be read: the connection ends
    QCOMPARE(client.responses().size(), 1);
    QCOMPARE(s.offset(path), qint64(0));
    QCOMPARE(s.server().store().count(), 2);  // a refused creation creates nothing
}

void tst_UploadIntake::expectContinueIgnoredOnHttp10()
{
    // RFC 9110 10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0
    // request MUST ignore that expectation." An HTTP/1.0 client cannot parse an interim
    // response. Head and body go out in one write, so the final answer comes either way.
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(5);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(wire::patch(path, 0, "hello", expect100).replace(" HTTP/1.1\r\n", " HTTP/1.0\r\n"));
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().at(0).status, 204);
    QVERIFY(client.waitForClose(5000));
    QVERIFY2(client.interimResponses().isEmpty(), client.received().left(40).constData());
    QCOMPARE(s.offset(path), qint64(5));
}

void tst_UploadIntake::malformedChunkedCreationLeavesNothing()
{
    // A creation-with-upload whose chunked body turns malformed is answered 400 without
    // Location: nobody could resume it, so it is removed, not left until it expires. (A PATCH
    // keeps what arrived before the bad chunk: tst_intakelimits, "chunk without CRLF".)
    ServerUnderTest s;
    QVERIFY(s.start());
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest("POST /files/ HTTP/1.1\r\n" + wire::hostAndVersion + "Upload-Length: 100\r\n" + wire::octets
                       + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().at(0).status, 400);
    QVERIFY(!client.responses().at(0).hasHeader("Location"));
    QVERIFY(client.waitForClose(5000));
    QCOMPARE(s.server().store().count(), 0);
    // Nothing but the server's own lock file (one server per directory: directorylock.h).
    QCOMPARE(QDir(s.server().fileStore().directory()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QLatin1String(DirectoryLock::fileName)});
}

QTEST_GUILESS_MAIN(tst_UploadIntake)
#include "tst_uploadintake.moc"

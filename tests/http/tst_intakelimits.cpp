// The streaming intake's defenses over real sockets: every limit (431, 414, 413 before the
// body, --max-connections), every framing attack (400 and close),
// Connection: close and HTTP/1.0, and response hygiene (no body or stray Content-Type on
// HEAD and 204, 405 with Allow). Every answer, the intake's own included, must carry
// Tus-Resumable.
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QTest>

using namespace qtus;

namespace {
constexpr qint64 MiB = 1024 * 1024;
const QByteArray hugeLength = QByteArray::number(100LL * 1024 * MiB);  // 100 GiB

// Checks the one answer to a request the server refuses and then hangs up on.
bool refusedAndClosed(PipelinedClient &client, int status, QByteArray *why)
{
    if (!client.waitForResponses(1) || !client.waitForClose(5000)) {
        *why = "no answer or no close; received: " + client.received().left(300);
        return false;
    }
    const RawResponse &r = client.responses().constFirst();
    if (r.status != status)
        *why = "status line: " + r.statusLine;
    else if (client.responses().size() != 1)
        *why = QByteArray::number(client.responses().size()) + " responses; a pipelined request was answered";
    else if (r.header("Tus-Resumable") != "1.0.0")
        *why = "no Tus-Resumable";
    else if (r.header("Connection").toLower() != "close")
        *why = "no Connection: close";
    return why->isEmpty();
}

} // namespace

class tst_IntakeLimits : public QObject
{
    Q_OBJECT

private slots:
    void oversizedHeads_data();
    void oversizedHeads();
    void bodyOverMaxSizeAnsweredBeforeReading_data();
    void bodyOverMaxSizeAnsweredBeforeReading();
    void chunkedBodyBeyondTheUploadIsRefused();
    void maxConnections();
    void framingAttacks_data();
    void framingAttacks();
    void connectionCloseHonoured_data();
    void connectionCloseHonoured();
    void bodylessResponses();
    void unknownMethodOnKnownPath_data();
    void unknownMethodOnKnownPath();
};

void tst_IntakeLimits::oversizedHeads_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    const QByteArray pad = "X-Pad: " + QByteArray(5000, 'p') + "\r\n";
    QTest::addRow("431 HEAD over --max-header-size") << wire::head("/files/x", pad) << 431;
    QTest::addRow("431 PATCH over --max-header-size") << wire::patch("/files/x", 0, "abc", pad) << 431;
    QTest::addRow("431 head that never ends") << QByteArray("HEAD /files/x HTTP/1.1\r\n" + pad + pad) << 431;
    QTest::addRow("414 long request line") << wire::head("/files/" + QByteArray(5000, 'a')) << 414;
    QTest::addRow("414 request line that never ends") << QByteArray("PATCH /files/" + QByteArray(9000, 'a')) << 414;
}

void tst_IntakeLimits::oversizedHeads()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    ServerUnderTest s;
    s.config.maxHeaderSize = 4096;
    QVERIFY(s.start());
    PipelinedClient client;
    client.setSegmentation(3, 700);
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(request);
    client.sendRequest(wire::options());  // must never be answered
    QByteArray why;
    QVERIFY2(refusedAndClosed(client, status, &why), why.constData());

    // Just under the limit is fine, and the connection stays open.
    PipelinedClient fits;
    QVERIFY(fits.connectTo(s.port()));
    fits.sendRequest(wire::head("/files/x", "X-Pad: " + QByteArray(3900, 'p') + "\r\n"));
    fits.sendRequest(wire::options());
    QVERIFY(fits.waitForResponses(2));
    QCOMPARE(fits.responses().at(0).status, 404);
    QCOMPARE(fits.responses().at(1).status, 204);
    QVERIFY(!fits.isClosed());
}

void tst_IntakeLimits::bodyOverMaxSizeAnsweredBeforeReading_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addRow("creation, deferred length") << QByteArray("post-deferred");
    QTest::addRow("creation, Upload-Length over") << QByteArray("post-length");
    QTest::addRow("creation, chunked, Upload-Length over") << QByteArray("post-chunked");
    QTest::addRow("PATCH of a deferred upload") << QByteArray("patch-deferred");
}

void tst_IntakeLimits::bodyOverMaxSizeAnsweredBeforeReading()
{
    QFETCH(QByteArray, kind);
    ServerUnderTest s;
    s.config.maxSize = MiB;
    QVERIFY(s.start());
    const QByteArray deferred = s.createUpload(0, true);
    const QByteArray post = "POST /files/ HTTP/1.1\r\n" + wire::hostAndVersion + wire::octets;
    QByteArray head;
    if (kind == "post-deferred")
        head = post + "Upload-Defer-Length: 1\r\nContent-Length: " + hugeLength + "\r\n\r\n";
    else if (kind == "post-length")
        head = post + "Upload-Length: " + hugeLength + "\r\nContent-Length: " + hugeLength + "\r\n\r\n";
    else if (kind == "post-chunked")
        head = post + "Upload-Length: " + hugeLength + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    else
        head = wire::patchHead(deferred, 0, hugeLength.toLongLong());

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(head);  // not one body byte follows: the answer cannot wait for it
    QByteArray why;
    QVERIFY2(refusedAndClosed(client, 413, &why), why.constData());
    QCOMPARE(s.server().store().count(), 1);  // nothing was created
    QCOMPARE(s.offset(deferred), qint64(0));
}

void tst_IntakeLimits::chunkedBodyBeyondTheUploadIsRefused()
{
    // A chunked body has no length to check up front: the intake must stop at the upload's end.
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(1000);
    const QByteArray data = patternBytes(5000, 8);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(wire::chunkedPatchHead(path, 0) + wire::chunked(data, 700));
    QVERIFY(client.waitForResponses(1));
    const int status = client.responses().at(0).status;
    QVERIFY2(status == 400 || status == 413, client.responses().at(0).statusLine.constData());
    QVERIFY(client.waitForClose(5000));
    QVERIFY(s.offset(path) <= 1000);
    QCOMPARE(s.storedBytes(path), data.left(s.offset(path)));
}

void tst_IntakeLimits::maxConnections()
{
    ServerUnderTest s;
    s.config.maxConnections = 3;
    QVERIFY(s.start());
    std::vector<std::unique_ptr<PipelinedClient>> open;
    for (int i = 0; i < 3; ++i) {
        open.push_back(std::make_unique<PipelinedClient>());
        QVERIFY(open.back()->connectTo(s.port()));
        open.back()->sendRequest(wire::options());
        QVERIFY(open.back()->waitForResponses(1));
        QCOMPARE(open.back()->responses().at(0).status, 204);
    }

    PipelinedClient fourth;
    QVERIFY(fourth.connectTo(s.port()));
    fourth.sendRequest(wire::options());
    QByteArray why;
    QVERIFY2(refusedAndClosed(fourth, 503, &why), why.constData());

    for (const auto &client : open) {  // the three keep working
        client->sendRequest(wire::options());
        QVERIFY(client->waitForResponses(2));
        QCOMPARE(client->responses().at(1).status, 204);
    }

    open.front()->socket().disconnectFromHost();
    QVERIFY(open.front()->waitForClose());
    // The server frees the slot once it has seen the close; until then 503 is right.
    int status = 0;
    for (int attempt = 0; attempt < 20 && status != 204; ++attempt) {
        auto client = std::make_unique<PipelinedClient>();
        QVERIFY(client->connectTo(s.port()));
        client->sendRequest(wire::options());
        QVERIFY(client->waitForResponses(1));
        status = client->responses().at(0).status;
        QVERIFY2(status == 204 || status == 503, client->responses().at(0).statusLine.constData());
        if (status == 204)
            open.push_back(std::move(client));
    }
    QCOMPARE(status, 204);
}

void tst_IntakeLimits::framingAttacks_data()
{
    QTest::addColumn<QByteArray>("attack");  // "{path}" stands for the upload's path
    QTest::addColumn<bool>("nothingStored");
    const QByteArray p = "{path}";
    const QByteArray chunkedHead = wire::chunkedPatchHead(p, 0);
    QTest::addRow("two different Content-Length")
        << wire::patchHead(p, 0, 5, "Content-Length: 6\r\n") + "hello!" << true;
    QTest::addRow("Content-Length list 5, 6") << wire::patchHead(p, 0, 5).replace("Length: 5", "Length: 5, 6") + "hello!"
                                              << true;
    QTest::addRow("Content-Length with Transfer-Encoding")
        << wire::patchHead(p, 0, 5, "Transfer-Encoding: chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n" << true;
    QTest::addRow("Transfer-Encoding gzip") << QByteArray(chunkedHead).replace("chunked", "gzip") + "hello" << true;
    QTest::addRow("bad chunk size") << chunkedHead + "zz\r\nhello\r\n0\r\n\r\n" << true;
    QTest::addRow("negative chunk size") << chunkedHead + "-5\r\nhello\r\n0\r\n\r\n" << true;
    QTest::addRow("17 hex digit chunk size") << chunkedHead + "10000000000000005\r\nhello\r\n0\r\n\r\n" << true;
    QTest::addRow("chunk without CRLF") << chunkedHead + "5\r\nhelloX\r\n0\r\n\r\n" << false;
    QTest::addRow("PATCH /files/x HTTP/2.0") << QByteArray("PATCH /files/x HTTP/2.0\r\nHost: a\r\n\r\n") << true;
    QTest::addRow("upload PATCH over HTTP/2.0") << wire::patch(p, 0, "hello").replace("HTTP/1.1", "HTTP/2.0") << true;
    QTest::addRow("header folding") << wire::patch(p, 0, "hello", "X-Folded: a\r\n b\r\n") << true;
    QTest::addRow("folded Content-Length") << wire::patchHead(p, 0, 5).replace("Content-Length: 5", "Content-Length:\r\n 5")
                                                  + "hello"
                                           << true;
    QTest::addRow("space before colon") << wire::patchHead(p, 0, 5).replace("Content-Length:", "Content-Length :") + "hello"
                                        << true;
    QTest::addRow("missing Host") << wire::patch(p, 0, "hello").replace("Host: 127.0.0.1\r\n", "") << true;
    QTest::addRow("control character in a header") << wire::patch(p, 0, "hello", "X-A: a\x01z\r\n") << true;
}

void tst_IntakeLimits::framingAttacks()
{
    QFETCH(QByteArray, attack);
    QFETCH(bool, nothingStored);
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(100);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    // The attack, then a request a confused parser would find inside or after it.
    client.sendRequest(attack.replace("{path}", path));
    client.sendRequest(wire::patch(path, 0, "smuggled"));
    QByteArray why;
    QVERIFY2(refusedAndClosed(client, 400, &why), why.constData());
    if (nothingStored)
        QCOMPARE(s.offset(path), qint64(0));
    QVERIFY(!s.storedBytes(path).contains("smuggled"));
}

void tst_IntakeLimits::connectionCloseHonoured_data()
{
    QTest::addColumn<QByteArray>("kind");
    QTest::addColumn<int>("status");
    QTest::addRow("HEAD, Connection: close") << QByteArray("head-close") << 200;
    QTest::addRow("OPTIONS, Connection: close") << QByteArray("options-close") << 204;
    QTest::addRow("PATCH, Connection: close") << QByteArray("patch-close") << 204;
    QTest::addRow("creation, Connection: close") << QByteArray("post-close") << 201;
    QTest::addRow("HEAD, HTTP/1.0") << QByteArray("head-1.0") << 200;
    QTest::addRow("OPTIONS, HTTP/1.0") << QByteArray("options-1.0") << 204;
    QTest::addRow("PATCH, HTTP/1.0") << QByteArray("patch-1.0") << 204;
    QTest::addRow("creation-with-upload, HTTP/1.0") << QByteArray("post-1.0") << 201;
}

void tst_IntakeLimits::connectionCloseHonoured()
{
    QFETCH(QByteArray, kind);
    QFETCH(int, status);
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(100);
    const QByteArray close = "Connection: close\r\n";
    QByteArray request;
    if (kind.startsWith("head"))
        request = wire::head(path, kind.endsWith("close") ? close : QByteArray());
    else if (kind.startsWith("options"))
        request = QByteArray(wire::options()).replace("\r\n\r\n", kind.endsWith("close") ? "\r\n" + close + "\r\n" : "\r\n\r\n");
    else if (kind.startsWith("patch"))
        request = wire::patch(path, 0, "hello", kind.endsWith("close") ? close : QByteArray());
    else
        request = wire::post(10, kind.endsWith("close") ? QByteArray() : "hello", kind.endsWith("close") ? close : QByteArray());
    if (kind.endsWith("1.0"))
        request.replace(" HTTP/1.1\r\n", " HTTP/1.0\r\n");

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(request);
    client.sendRequest(wire::options());  // after the close: never answered
    QVERIFY(client.waitForResponses(1));
    QVERIFY(client.waitForClose(5000));  // EOF right after the response, no idle wait
    QCOMPARE(client.responses().size(), 1);
    const RawResponse &r = client.responses().constFirst();
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("Connection").toLower(), QByteArray("close"));
    QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
    QCOMPARE(client.unparsed(), QByteArray());
}

void tst_IntakeLimits::bodylessResponses()
{
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    const QByteArray doomed = s.createUpload(10);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    // Pipelined: a stray body after any of these would corrupt the next response.
    const QList<QByteArray> requests{
        wire::head(path), wire::patch(path, 0, "abc"), wire::options(), wire::head("/files/" + QByteArray(32, 'f')),
        wire::remove(doomed), wire::patch(path, 3, {}), wire::head(path),
    };
    const QList<int> statuses{200, 204, 204, 404, 204, 204, 200};
    for (const QByteArray &request : requests)
        client.sendRequest(request);
    QVERIFY(client.waitForResponses(int(requests.size())));
    QCOMPARE(client.unparsed(), QByteArray());
    QVERIFY(!client.received().contains("application/x-empty"));
    for (qsizetype i = 0; i < requests.size(); ++i) {
        const RawResponse &r = client.responses().at(i);
        QVERIFY2(r.status == statuses[i], r.statusLine.constData());
        QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
        if (r.status == 204) {
            QVERIFY2(!r.hasHeader("Content-Type"), r.statusLine.constData());
            QVERIFY2(!r.hasHeader("Content-Length"), r.statusLine.constData());
        }
        if (r.status == 200)
            QVERIFY(!r.hasHeader("Content-Type"));
    }
    QCOMPARE(client.responses().at(6).header("Upload-Offset"), QByteArray("3"));
}

void tst_IntakeLimits::unknownMethodOnKnownPath_data()
{
    QTest::addColumn<QByteArray>("request");  // "{path}" stands for an upload's path
    QTest::addColumn<QByteArray>("allowed");  // a method Allow must list
    QTest::addColumn<bool>("closes");
    const QByteArray rest = " HTTP/1.1\r\n" + wire::hostAndVersion + "\r\n";
    QTest::addRow("PUT upload") << "PUT {path}" + rest << QByteArray("PATCH") << false;
    QTest::addRow("TRACE upload") << "TRACE {path}" + rest << QByteArray("HEAD") << false;
    QTest::addRow("POST upload") << "POST {path}" + rest << QByteArray("PATCH") << false;
    QTest::addRow("PROPFIND upload") << "PROPFIND {path}" + rest << QByteArray("PATCH") << false;
    QTest::addRow("BREW upload") << "BREW {path}" + rest << QByteArray("PATCH") << false;
    QTest::addRow("DELETE collection") << "DELETE /files/" + rest << QByteArray("POST") << false;
    QTest::addRow("HEAD collection") << "HEAD /files/" + rest << QByteArray("POST") << false;
    QTest::addRow("PUT upload with a body")
        << "PUT {path} HTTP/1.1\r\n" + wire::hostAndVersion + "Content-Length: 3\r\n\r\nabc" << QByteArray("PATCH") << true;
    QTest::addRow("PATCH collection with a body") << wire::patch("/files/", 0, "abc") << QByteArray("POST") << true;
}

void tst_IntakeLimits::unknownMethodOnKnownPath()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, allowed);
    QFETCH(bool, closes);
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(request.replace("{path}", path));
    QVERIFY2(client.waitForResponses(1), client.received().left(200).constData());
    const RawResponse &r = client.responses().constFirst();
    QCOMPARE(r.status, 405);
    QByteArrayList methods;
    for (const QByteArray &method : r.header("Allow").split(','))
        methods.append(method.trimmed());
    QVERIFY2(methods.contains(allowed), r.header("Allow").constData());
    QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));
    if (closes) {
        QVERIFY(client.waitForClose(5000));
    } else {  // the connection goes on
        client.sendRequest(wire::head(path));
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.responses().at(1).status, 200);
    }
    QCOMPARE(s.offset(path), qint64(0));
}

QTEST_GUILESS_MAIN(tst_IntakeLimits)
#include "tst_intakelimits.moc"

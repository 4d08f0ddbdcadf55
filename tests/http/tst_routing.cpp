// One routing decision for every request, over real sockets (docs/protocol-rules.md): every
// spelling of a path (escaped letters and digits, escaped slashes, "//", "/./", "..") with
// every method and X-HTTP-Method-Override, against a pre-create hook that refuses everything.
// No row may create or delete anything. Also: responses whose framing is exact whatever the
// override and body say, and the head parser's strictness seen from the wire.
#include "hookscripts.h"
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QTest>

using namespace qtus;

class tst_Routing : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void noSpellingBypassesTheHook_data();
    void noSpellingBypassesTheHook();
    void overrideOnlyOnPost_data();
    void overrideOnlyOnPost();
    void getWithABodyIsRefused();
    void strictHeadsOverTheWire_data();
    void strictHeadsOverTheWire();

private:
    QTemporaryDir m_scripts;
    std::unique_ptr<ServerUnderTest> m_server;
    QByteArray m_upload;    // an upload that must survive every row
    QByteArray m_complete;  // a completed upload, for downloads
};

void tst_Routing::init()
{
    QVERIFY(m_scripts.isValid());
    m_server = std::make_unique<ServerUnderTest>();
    m_server->config.hookPreCreate = {writeScript(m_scripts, QStringLiteral("refuse.sh"),
                                                  "cat >/dev/null\necho refused by the test hook >&2\nexit 1\n")};
    QVERIFY(m_server->start());
    m_upload = m_server->createUpload(10);
    m_complete = m_server->createUpload(5);
    QVERIFY(!m_upload.isEmpty() && !m_complete.isEmpty());
    PipelinedClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.sendRequest(wire::patch(m_complete, 0, "hello"));
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().constFirst().status, 204);
}

void tst_Routing::noSpellingBypassesTheHook_data()
{
    QTest::addColumn<QByteArray>("request");  // {id}: the upload's id; {id%}: with one digit escaped
    QTest::addColumn<int>("status");

    const QByteArray create = wire::hostAndVersion + "Upload-Length: 5\r\nContent-Length: 0\r\n\r\n";
    QTest::addRow("control: POST /files/ asks the hook") << "POST /files/ HTTP/1.1\r\n" + create << 403;
    const QByteArrayList collections = {"/file%73/", "/%66iles/", "/files%2f", "/files%2F", "//files/", "/files//",
                                        "/./files/", "/files/./", "/x/../files/", "/files/%2e/", "/files/.",
                                        "/%2e/files/", "/FILES/", "/files;/", "/files/?x=1%00"};
    for (const QByteArray &path : collections) {
        const int expected = path.contains('%') || path.contains("//") || path.contains("/.") ? 400 : 404;
        QTest::addRow("POST %s", path.constData()) << "POST " + path + " HTTP/1.1\r\n" + create << (path == "/files/?x=1%00" ? 403 : expected);
        for (const QByteArray method : {"OPTIONS", "DELETE", "PATCH", "HEAD", "GET"})
            QTest::addRow("%s %s + override POST", method.constData(), path.constData())
                << method + ' ' + path + " HTTP/1.1\r\nX-HTTP-Method-Override: POST\r\n" + create
                << (path == "/files/?x=1%00" ? (method == "OPTIONS" ? 204 : 405) : expected);
    }
    QTest::addRow("OPTIONS /files/ + override POST") << "OPTIONS /files/ HTTP/1.1\r\nX-HTTP-Method-Override: POST\r\n" + create << 204;
    QTest::addRow("DELETE /files/ + override POST") << "DELETE /files/ HTTP/1.1\r\nX-HTTP-Method-Override: POST\r\n" + create << 405;
    QTest::addRow("PATCH /files/ + override POST") << "PATCH /files/ HTTP/1.1\r\nX-HTTP-Method-Override: POST\r\n" + create << 405;

    // The upload itself, spelled otherwise, with the methods that change or remove it.
    const QByteArray tus = wire::hostAndVersion + "Content-Length: 0\r\n\r\n";
    const QByteArrayList uploads = {"/files/{id%}", "/files/./{id}", "/files//{id}", "/files/x/../{id}", "//files/{id}",
                                    "/%66iles/{id}", "/files/{id}%2f", "/files/{id}/", "/files/{id}/.", "/files/{id}%00",
                                    "/files/{ID}"};
    for (const QByteArray &path : uploads) {
        const int expected = path.contains('%') || path.contains("//") || path.contains("/.") ? 400 : 404;
        for (const QByteArray method : {"DELETE", "HEAD", "GET"})
            QTest::addRow("%s %s", method.constData(), path.constData()) << method + ' ' + path + " HTTP/1.1\r\n" + tus << expected;
        QTest::addRow("POST %s + override DELETE", path.constData())
            << "POST " + path + " HTTP/1.1\r\nX-HTTP-Method-Override: DELETE\r\n" + tus << expected;
        QTest::addRow("PATCH %s", path.constData())
            << "PATCH " + path + " HTTP/1.1\r\n" + wire::hostAndVersion + wire::octets + "Upload-Offset: 0\r\nContent-Length: 0\r\n\r\n"
            << expected;
    }
    // Override on methods other than POST is ignored: a HEAD stays a HEAD, an OPTIONS an OPTIONS.
    QTest::addRow("HEAD + override DELETE") << "HEAD /files/{id} HTTP/1.1\r\nX-HTTP-Method-Override: DELETE\r\n" + tus << 200;
    QTest::addRow("OPTIONS + override DELETE") << "OPTIONS /files/{id} HTTP/1.1\r\nX-HTTP-Method-Override: DELETE\r\n" + tus << 204;
    QTest::addRow("GET + override DELETE") << "GET /files/{id} HTTP/1.1\r\nX-HTTP-Method-Override: DELETE\r\n" + tus << 404;
}

void tst_Routing::noSpellingBypassesTheHook()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    const QByteArray id = m_upload.mid(7);
    // One character of the id written as %XX: the same upload to a decoding parser.
    const QByteArray escaped = id.left(3) + '%' + QByteArray::number(uchar(id.at(3)), 16).toUpper() + id.mid(4);
    request.replace("{id%}", escaped).replace("{id}", id).replace("{ID}", id.toUpper());

    const int uploadsBefore = m_server->server().store().count();
    PipelinedClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.sendRequest(request);
    client.sendRequest(wire::head(m_upload));  // pipelined behind it: is the upload still there?
    QVERIFY2(client.waitForResponses(2), client.received().left(300).constData());
    QCOMPARE(client.responses().at(0).status, status);
    QCOMPARE(client.responses().at(1).status, 200);
    QCOMPARE(client.unparsed(), QByteArray());
    QCOMPARE(m_server->server().store().count(), uploadsBefore);
    QVERIFY(m_server->server().store().find(ServerUnderTest::idOf(m_upload)));
}

void tst_Routing::overrideOnlyOnPost_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");  // what must follow the head, exactly
    QTest::addRow("POST + override GET downloads") << QByteArray("POST") << 200 << QByteArray("hello");
    QTest::addRow("OPTIONS + override GET stays OPTIONS") << QByteArray("OPTIONS") << 204 << QByteArray();
    QTest::addRow("DELETE + override GET stays DELETE") << QByteArray("DELETE") << 204 << QByteArray();
    QTest::addRow("PATCH + override GET stays PATCH") << QByteArray("PATCH") << 415 << QByteArray("*");
}

void tst_Routing::overrideOnlyOnPost()
{
    // Every answer's Content-Length is exactly the bytes that follow: the HEAD pipelined
    // behind it parses, and nothing is left over.
    QFETCH(QByteArray, method);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    PipelinedClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.sendRequest(method + ' ' + m_complete + " HTTP/1.1\r\n" + wire::hostAndVersion
                       + "X-HTTP-Method-Override: GET\r\nContent-Length: 0\r\n\r\n");
    client.sendRequest(wire::head(m_upload));
    QVERIFY2(client.waitForResponses(2), client.received().left(300).constData());
    const RawResponse &r = client.responses().at(0);
    QCOMPARE(r.status, status);
    if (body != "*")
        QCOMPARE(r.body, body);
    QCOMPARE(r.header("Content-Length").isEmpty() ? qint64(0) : r.header("Content-Length").toLongLong(), qint64(r.body.size()));
    QCOMPARE(client.responses().at(1).status, 200);
    QCOMPARE(client.unparsed(), QByteArray());
}

void tst_Routing::getWithABodyIsRefused()
{
    // A GET takes no body: refused from its head, the connection closed after the answer,
    // and never a 200 that promises a download it does not send.
    PipelinedClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.sendRequest("GET " + m_complete + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    QVERIFY(client.waitForResponses(1));
    const RawResponse &r = client.responses().constFirst();
    QCOMPARE(r.status, 400);
    QCOMPARE(r.header("Content-Length").toLongLong(), qint64(r.body.size()));
    QVERIFY(client.waitForClose(5000));
    QCOMPARE(client.unparsed(), QByteArray());
}

void tst_Routing::strictHeadsOverTheWire_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addRow("two Host fields") << QByteArray("HEAD /files/x HTTP/1.1\r\nHost: a\r\nHost: b\r\nTus-Resumable: 1.0.0\r\n\r\n");
    QTest::addRow("bare LF line ends") << QByteArray("HEAD /files/x HTTP/1.1\nHost: a\nTus-Resumable: 1.0.0\n\n");
    QTest::addRow("bare LF in the middle") << QByteArray("HEAD /files/x HTTP/1.1\r\nHost: a\nX: y\r\n");
    QTest::addRow("space before a chunk size")
        << wire::chunkedPatchHead("{upload}", 0) + " 3\r\nabc\r\n0\r\n\r\n";
}

void tst_Routing::strictHeadsOverTheWire()
{
    // 400 at once: with the default 60 s read timeout, anything that waited for more bytes
    // would not be answered within the wait below.
    QFETCH(QByteArray, request);
    request.replace("{upload}", m_upload);
    PipelinedClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.sendBytes(request);
    QVERIFY2(client.waitForClose(5000), client.received().constData());
    QCOMPARE(client.responses().size(), 1);
    QCOMPARE(client.responses().constFirst().status, 400);
    QCOMPARE(m_server->offset(m_upload), qint64(0));
}

QTEST_GUILESS_MAIN(tst_Routing)
#include "tst_routing.moc"

// Integration: the real UploadServer on port 0, driven over real sockets. Checks what only
// the wire shows (framing, keep-alive, status lines) and the full create/patch/resume path.
#include "rawhttpclient.h"
#include "uploadserver.h"

#include <QCryptographicHash>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace qtus;

namespace {
const QPair<QByteArray, QByteArray> tus{"Tus-Resumable", "1.0.0"};
const QPair<QByteArray, QByteArray> octets{"Content-Type", "application/offset+octet-stream"};
} // namespace

class tst_UploadServer : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void createPatchHeadOverOneConnection();
    void headAnd204CarryNoBodyAndNoContentType();
    void pipelinedRequestsStayInOrder();
    void resumeAfterPartialPatches();
    void traversalIdsNeverLeaveTheDirectory_data();
    void traversalIdsNeverLeaveTheDirectory();
    void uploadsSurviveARestart();
    void locationUsesTheListenAddressWithoutHost();

private:
    QByteArray create(RawHttpClient &client, qint64 length, const QByteArray &metadata = {});
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<UploadServer> m_server;
    ServerConfig m_config;
};

void tst_UploadServer::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_config = ServerConfig();
    m_config.port = 0;
    m_config.dir = m_dir->filePath(QStringLiteral("uploads"));
    m_server = std::make_unique<UploadServer>(m_config);
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    QVERIFY(m_server->port() != 0);
}

void tst_UploadServer::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

QByteArray tst_UploadServer::create(RawHttpClient &client, qint64 length, const QByteArray &metadata)
{
    RawResponse r;
    QList<QPair<QByteArray, QByteArray>> headers{tus, {"Upload-Length", QByteArray::number(length)}};
    if (!metadata.isEmpty())
        headers.append({"Upload-Metadata", metadata});
    if (!client.request("POST", "/files/", headers, {}, &r) || r.status != 201)
        return {};
    const QByteArray location = r.header("Location");
    return QUrl(QString::fromLatin1(location)).path().toLatin1();
}

void tst_UploadServer::createPatchHeadOverOneConnection()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const QByteArray path = create(client, 11, "filename aGVsbG8udHh0");
    QVERIFY(path.startsWith("/files/"));

    RawResponse r;
    QVERIFY(client.request("PATCH", path, {tus, octets, {"Upload-Offset", "0"}}, "hello world", &r));
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("Upload-Offset"), QByteArray("11"));
    QVERIFY(!r.hasHeader("Upload-Expires"));  // complete uploads do not expire

    QVERIFY(client.request("HEAD", path, {tus}, {}, &r));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Upload-Offset"), QByteArray("11"));
    QCOMPARE(r.header("Upload-Length"), QByteArray("11"));
    QCOMPARE(r.header("Upload-Metadata"), QByteArray("filename aGVsbG8udHh0"));
    QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));

    QFile stored(m_server->fileStore().dataPath(QString::fromLatin1(path.mid(7))));
    QVERIFY(stored.open(QIODevice::ReadOnly));
    QCOMPARE(stored.readAll(), QByteArray("hello world"));
}

void tst_UploadServer::headAnd204CarryNoBodyAndNoContentType()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const QByteArray path = create(client, 5);
    RawResponse r;
    QVERIFY(client.request("HEAD", path, {tus}, {}, &r));
    QVERIFY(!r.hasHeader("Content-Type"));
    QVERIFY(r.body.isEmpty());
    QVERIFY(client.request("PATCH", path, {tus, octets, {"Upload-Offset", "0"}}, "abc", &r));
    QCOMPARE(r.statusLine, QByteArray("HTTP/1.1 204 No Content"));
    QVERIFY(!r.hasHeader("Content-Type"));
    QVERIFY(!r.hasHeader("Content-Length"));
    QVERIFY(client.request("OPTIONS", "/files/", {}, {}, &r));
    QCOMPARE(r.status, 204);
    QVERIFY(r.header("Tus-Extension").contains("creation"));
    // Nothing may follow: stray body bytes would corrupt the next response on keep-alive.
    QVERIFY(client.pendingBytes().isEmpty());
}

void tst_UploadServer::pipelinedRequestsStayInOrder()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const QByteArray path = create(client, 6);
    const QByteArray head = "HEAD " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n\r\n";
    const QByteArray patch = "PATCH " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n"
                             "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                             "Content-Length: 3\r\n\r\nabc";
    client.send(head + patch + head + "OPTIONS /files/ HTTP/1.1\r\nHost: x\r\n\r\n");
    RawResponse r;
    QVERIFY(client.readResponse(&r, true));
    QCOMPARE(r.header("Upload-Offset"), QByteArray("0"));
    QVERIFY(client.readResponse(&r));
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("Upload-Offset"), QByteArray("3"));
    QVERIFY(client.readResponse(&r, true));
    QCOMPARE(r.header("Upload-Offset"), QByteArray("3"));
    QVERIFY(client.readResponse(&r));
    QCOMPARE(r.status, 204);
    QVERIFY(r.hasHeader("Tus-Version"));
}

void tst_UploadServer::resumeAfterPartialPatches()
{
    QByteArray data(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); ++i)
        data[i] = char((i * 131 + 7) % 251);
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    const QByteArray path = create(client, data.size());
    qint64 offset = 0;
    const qint64 chunk = 1000 * 1000;
    while (offset < data.size()) {
        RawResponse r;
        QVERIFY(client.request("HEAD", path, {tus}, {}, &r));
        QCOMPARE(r.header("Upload-Offset").toLongLong(), offset);  // resume from HEAD's offset
        QVERIFY(client.request("PATCH", path, {tus, octets, {"Upload-Offset", QByteArray::number(offset)}},
                               data.mid(offset, chunk), &r));
        QCOMPARE(r.status, 204);
        offset = r.header("Upload-Offset").toLongLong();
    }
    QFile stored(m_server->fileStore().dataPath(QString::fromLatin1(path.mid(7))));
    QVERIFY(stored.open(QIODevice::ReadOnly));
    QCOMPARE(QCryptographicHash::hash(stored.readAll(), QCryptographicHash::Sha256),
             QCryptographicHash::hash(data, QCryptographicHash::Sha256));
}

void tst_UploadServer::traversalIdsNeverLeaveTheDirectory_data()
{
    // A path with a dot-segment or a %-escape is 400, an id of another form 404.
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addRow("HEAD ../../etc/passwd") << QByteArray("HEAD") << QByteArray("/files/../../etc/passwd") << 400;
    QTest::addRow("PATCH encoded slashes") << QByteArray("PATCH") << QByteArray("/files/..%2f..%2fx") << 400;
    QTest::addRow("DELETE 33 hex") << QByteArray("DELETE") << QByteArray("/files/0123456789abcdef0123456789abcdef0") << 404;
    QTest::addRow("HEAD upper-case hex") << QByteArray("HEAD") << QByteArray("/files/0123456789ABCDEF0123456789ABCDEF") << 404;
    QTest::addRow("PATCH info file") << QByteArray("PATCH") << QByteArray("/files/0123456789abcdef0123456789abcdef.info") << 404;
}

void tst_UploadServer::traversalIdsNeverLeaveTheDirectory()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    RawResponse r;
    QVERIFY(client.request(method, path, {tus, octets, {"Upload-Offset", "0"}}, method == "PATCH" ? "x" : "", &r));
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(r.body.isEmpty(), method == "HEAD");  // a HEAD answer never has a body
    QCOMPARE(QDir(m_config.dir).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(), 0);
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{QStringLiteral("uploads")});
}

void tst_UploadServer::uploadsSurviveARestart()
{
    QByteArray path;
    {
        RawHttpClient client;
        QVERIFY(client.connectTo(m_server->port()));
        path = create(client, 10, "name YS5iaW4=");
        RawResponse r;
        QVERIFY(client.request("PATCH", path, {tus, octets, {"Upload-Offset", "0"}}, "12345", &r));
        QCOMPARE(r.status, 204);
    }
    m_server.reset();
    m_server = std::make_unique<UploadServer>(m_config);
    QString error;
    QVERIFY2(m_server->start(&error), qPrintable(error));
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    RawResponse r;
    QVERIFY(client.request("HEAD", path, {tus}, {}, &r));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Upload-Offset"), QByteArray("5"));
    QCOMPARE(r.header("Upload-Metadata"), QByteArray("name YS5iaW4="));
    QVERIFY(client.request("PATCH", path, {tus, octets, {"Upload-Offset", "5"}}, "67890", &r));
    QCOMPARE(r.header("Upload-Offset"), QByteArray("10"));
}

void tst_UploadServer::locationUsesTheListenAddressWithoutHost()
{
    RawHttpClient client;
    QVERIFY(client.connectTo(m_server->port()));
    client.send("POST /files/ HTTP/1.1\r\nHost: evil.example/x\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 1\r\n"
                "Content-Length: 0\r\n\r\n");
    RawResponse r;
    QVERIFY(client.readResponse(&r));
    QCOMPARE(r.status, 201);
    const QByteArray expected = "http://127.0.0.1:" + QByteArray::number(m_server->port()) + "/files/";
    QVERIFY2(r.header("Location").startsWith(expected), r.header("Location").constData());
}

QTEST_GUILESS_MAIN(tst_UploadServer)
#include "tst_uploadserver.moc"

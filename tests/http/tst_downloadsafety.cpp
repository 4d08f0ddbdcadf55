// Downloads that cannot be turned against their readers or the server: a data file swapped
// for a symlink is never followed (someone who can write the upload directory must not be
// able to make qtusd serve another file), and every download tells browsers not to sniff the
// bytes and to sandbox them (an uploaded HTML or SVG file must not run as this origin).
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QTest>

using namespace qtus;

class tst_DownloadSafety : public QObject
{
    Q_OBJECT

private slots:
    void symlinkedDataFileIsNotServed();
    void everyDownloadIsSandboxed_data();
    void everyDownloadIsSandboxed();
};

namespace {
// A complete upload of `bytes` with the given metadata header line (or none); its path.
QByteArray completeUpload(ServerUnderTest &s, const QByteArray &bytes, const QByteArray &metadata = {})
{
    PipelinedClient client;
    if (!client.connectTo(s.port()))
        return {};
    client.sendRequest(wire::post(bytes.size(), bytes, metadata));
    if (!client.waitForResponses(1) || client.responses().constFirst().status != 201)
        return {};
    return QUrl(QString::fromLatin1(client.responses().constFirst().header("Location"))).path().toLatin1();
}

RawResponse get(ServerUnderTest &s, const QByteArray &path)
{
    PipelinedClient client;
    if (!client.connectTo(s.port()))
        return {};
    client.sendRequest("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (!client.waitForResponses(1))
        return {};
    return client.responses().constFirst();
}
} // namespace

void tst_DownloadSafety::symlinkedDataFileIsNotServed()
{
    QTemporaryDir outside;
    QFile secret(outside.filePath(QStringLiteral("secret")));
    QVERIFY(secret.open(QIODevice::WriteOnly));
    secret.write("root's secret");
    secret.close();
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = completeUpload(s, "hello world!!");  // as long as the secret
    QVERIFY(!path.isEmpty());
    QCOMPARE(get(s, path).body, QByteArray("hello world!!"));
    const QString data = s.server().fileStore().dataPath(ServerUnderTest::idOf(path));
    QVERIFY(QFile::remove(data));
    QVERIFY(QFile::link(secret.fileName(), data));

    const RawResponse r = get(s, path);
    QCOMPARE(r.status, 500);
    QVERIFY2(!r.body.contains("secret"), r.body.constData());
}

void tst_DownloadSafety::everyDownloadIsSandboxed_data()
{
    QTest::addColumn<QByteArray>("filetype");  // empty: no metadata
    QTest::addRow("text/html") << QByteArray("text/html");
    QTest::addRow("image/svg+xml") << QByteArray("image/svg+xml");
    QTest::addRow("text/plain") << QByteArray("text/plain");
    QTest::addRow("no type") << QByteArray();
}

void tst_DownloadSafety::everyDownloadIsSandboxed()
{
    QFETCH(QByteArray, filetype);
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray metadata = filetype.isEmpty() ? QByteArray() : "Upload-Metadata: filetype " + filetype.toBase64() + "\r\n";
    const QByteArray path = completeUpload(s, "<script>alert(1)</script>", metadata);
    QVERIFY(!path.isEmpty());
    const RawResponse r = get(s, path);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("X-Content-Type-Options"), QByteArray("nosniff"));
    QCOMPARE(r.header("Content-Security-Policy"), QByteArray("sandbox"));
}

QTEST_GUILESS_MAIN(tst_DownloadSafety)
#include "tst_downloadsafety.moc"

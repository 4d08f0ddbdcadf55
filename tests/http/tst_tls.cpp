// HTTPS on the upload endpoint (--tls-cert, --tls-key): a certificate chain made by openssl
// for the test, a client that trusts only the root, and everything the plain endpoint does
// (streamed bodies, 100-continue, Location, a dropped connection keeping what arrived) over
// TLS. Certificates and keys that cannot serve are refused at start with the reason.
#include "intakefixture.h"
#include "pipelinedclient.h"
#include "shared/testcertificates.h"
#include "tlssetup.h"

#include <QTest>

#include <algorithm>

using namespace qtus;

namespace {
constexpr qint64 MiB = 1024 * 1024;
}

class tst_Tls : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void uploadStreamsOverTls();
    void dropMidBodyKeepsWhatArrived();
    void plainHttpOnTheTlsPortGetsNoAnswer();
    void malformedRequestIsAnsweredBeforeTheClose();
    void silentConnectionsDoNotHoldUpHandshakes();
    void refusesWhatCannotServe_data();
    void refusesWhatCannotServe();

private:
    void serveTls(ServerUnderTest &s) const
    {
        s.config.tlsCert = m_certs.chain();
        s.config.tlsKey = m_certs.key();
    }
    TestCertificates m_certs;
};

void tst_Tls::initTestCase()
{
    QString error;
    QVERIFY2(m_certs.make(&error), qPrintable(error));
}

void tst_Tls::uploadStreamsOverTls()
{
    ServerUnderTest s;
    serveTls(s);
    QVERIFY(s.start());
    QCOMPARE(s.server().url().scheme(), QStringLiteral("https"));

    PipelinedClient client;
    client.setSegmentation(7, 64 * 1024);
    // The client knows only the root: the handshake succeeds only if the intermediate is sent.
    QVERIFY(client.connectEncryptedTo(s.port(), m_certs.trusted()));
    const qint64 size = 3 * MiB + 5;
    const QByteArray data = patternBytes(size, 9);
    client.sendRequest(wire::post(size));
    QVERIFY(client.waitForResponses(1));
    const RawResponse created = client.responses().constLast();
    QCOMPARE(created.status, 201);
    const QByteArray location = created.header("Location");
    QVERIFY2(location.startsWith("https://127.0.0.1/files/"), location.constData());  // the Host header, https
    const QByteArray path = QUrl(QString::fromLatin1(location)).path().toLatin1();

    // 100-continue first, then the body in random segments on the same kept-alive connection.
    client.sendRequest(wire::patchHead(path, 0, size, "Expect: 100-continue\r\n"));
    QVERIFY(client.waitUntil([&] { return !client.interimResponses().isEmpty(); }));
    QCOMPARE(client.interimResponses().constFirst().status, 100);
    client.sendBytes(data);
    QVERIFY(client.waitForResponses(2, 30000));
    QCOMPARE(client.responses().constLast().status, 204);
    QCOMPARE(client.responses().constLast().header("Upload-Offset"), QByteArray::number(size));
    QCOMPARE(s.storedBytes(path), data);

    client.sendRequest(wire::head(path));
    QVERIFY(client.waitForResponses(3));
    QCOMPARE(client.responses().constLast().header("Upload-Offset"), QByteArray::number(size));
}

void tst_Tls::dropMidBodyKeepsWhatArrived()
{
    ServerUnderTest s;
    serveTls(s);
    s.config.fsync = FsyncPolicy::Always;
    QVERIFY(s.start());
    const qint64 size = 2 * MiB;
    const qint64 sent = MiB + 3;
    const QByteArray path = s.createUpload(size);
    const QByteArray data = patternBytes(size, 21);
    {
        PipelinedClient client;
        client.setSegmentation(3, 128 * 1024);
        QVERIFY(client.connectEncryptedTo(s.port(), m_certs.trusted()));
        client.sendBytes(wire::patchHead(path, 0, size) + data.left(sent));
        QVERIFY(client.waitForAllWritten());
        QVERIFY(client.responses().isEmpty());
        client.abort();  // no TLS close_notify: the connection just ends
    }
    QTRY_COMPARE(s.offset(path), sent);

    PipelinedClient resume;
    QVERIFY(resume.connectEncryptedTo(s.port(), m_certs.trusted()));
    resume.sendRequest(wire::patch(path, sent, data.mid(sent)));
    QVERIFY(resume.waitForResponses(1, 30000));
    QCOMPARE(resume.responses().constFirst().status, 204);
    QCOMPARE(s.storedBytes(path), data);
}

void tst_Tls::plainHttpOnTheTlsPortGetsNoAnswer()
{
    ServerUnderTest s;
    serveTls(s);
    QVERIFY(s.start());
    PipelinedClient plain;
    QVERIFY(plain.connectTo(s.port()));
    plain.sendBytes(wire::options());
    QVERIFY(plain.waitForClose());
    QVERIFY(!plain.received().startsWith("HTTP/"));  // a TLS alert at most, never a response in clear

    PipelinedClient tls;  // and the server goes on serving
    QVERIFY(tls.connectEncryptedTo(s.port(), m_certs.trusted()));
    tls.sendRequest(wire::options());
    QVERIFY(tls.waitForResponses(1));
    QCOMPARE(tls.responses().constFirst().status, 204);
}

void tst_Tls::malformedRequestIsAnsweredBeforeTheClose()
{
    ServerUnderTest s;
    serveTls(s);
    QVERIFY(s.start());
    PipelinedClient client;
    QVERIFY(client.connectEncryptedTo(s.port(), m_certs.trusted()));
    client.sendRequest("PATCH /files/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");  // two Host headers: 400
    QVERIFY(client.waitForClose());
    QCOMPARE(client.responses().size(), 1);  // the whole answer arrived before the end
    QCOMPARE(client.responses().constFirst().status, 400);
}

void tst_Tls::silentConnectionsDoNotHoldUpHandshakes()
{
    // Connections that never start their handshake (more than Qt's default of 30 pending
    // ones) must not keep a real client waiting for their handshake timeout (10 s).
    ServerUnderTest s;
    serveTls(s);
    QVERIFY(s.start());
    std::vector<std::unique_ptr<QTcpSocket>> silent;
    for (int i = 0; i < 40; ++i) {
        silent.push_back(std::make_unique<QTcpSocket>());
        silent.back()->connectToHost(QStringLiteral("127.0.0.1"), s.port());
    }
    QTRY_VERIFY(std::all_of(silent.begin(), silent.end(), [](const auto &c) { return c->state() == QAbstractSocket::ConnectedState; }));
    QTRY_COMPARE(s.server().connectionCount(), 0);  // in their handshake, not yet served

    PipelinedClient client;
    QVERIFY2(client.connectEncryptedTo(s.port(), m_certs.trusted(), tlsHandshakeTimeoutMs / 2), "handshake held up");
    client.sendRequest(wire::options());
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().constFirst().status, 204);
}

void tst_Tls::refusesWhatCannotServe_data()
{
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("reason");
    QTest::addRow("key of another certificate") << "chain.pem" << "other.key" << "cannot serve TLS";
    QTest::addRow("expired certificate") << "expired.pem" << "server.key" << "not now";
    QTest::addRow("key with a passphrase") << "chain.pem" << "locked.key" << "no unencrypted PEM private key";
    QTest::addRow("not a certificate") << "notpem.pem" << "server.key" << "holds no PEM certificate";
    QTest::addRow("key file missing") << "chain.pem" << "absent.key" << "cannot read";
    QTest::addRow("certificate is a key") << "server.key" << "server.key" << "holds no PEM certificate";
}

void tst_Tls::refusesWhatCannotServe()
{
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QString, reason);
    qtus::ServerConfig config;
    QTemporaryDir dir;
    config.port = 0;
    config.dir = dir.filePath(QStringLiteral("uploads"));
    config.cleanupInterval = qtus::Duration(0);
    config.tlsCert = m_certs.path(cert);
    config.tlsKey = m_certs.path(key);
    UploadServer server(config);
    QString error;
    QVERIFY(!server.start(&error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(server.port(), quint16(0));  // never listened
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"

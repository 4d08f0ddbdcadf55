// qtusd with --tls-cert/--tls-key as an operator runs it: both listeners say https, the admin
// API answers over TLS with the same certificate, a plain client gets nothing in clear, and a
// key that does not serve stops qtusd at startup with status 1 and the reason. Silent
// connections to the admin listener (more than Qt's default of 30 pending handshakes, fewer
// than its bound of 256) do not keep an operator's client waiting.
#include "shared/testcertificates.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <memory>
#include <vector>

class tst_QtusdTls : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void bothListenersServeHttps();
    void silentAdminConnectionsDoNotHoldUpHandshakes();
    void keyOfAnotherCertificateExitsWithStatus1();

private:
    static QString binary() { return QStringLiteral(QTUSD_PATH); }
    // Starts qtusd with TLS on both listeners; the upload and admin ports from its two lines.
    bool startWithTls(QProcess &p, const QTemporaryDir &dir, quint16 *uploadPort, quint16 *adminPort) const
    {
        p.start(binary(), {"--port", "0", "--dir", dir.filePath("u"), "--tls-cert", m_certs.chain(), "--tls-key", m_certs.key(),
                           "--admin-listen", "127.0.0.1:0"});
        if (!p.waitForStarted())
            return false;
        if (!QTest::qWaitFor([&] { return p.bytesAvailable() > 0 && p.peek(4096).count('\n') >= 2; }, 10000))
            return false;
        const QString lines = QString::fromUtf8(p.readAllStandardOutput());
        static const QRegularExpression upload(QStringLiteral("qtusd listening on https://127\\.0\\.0\\.1:(\\d+)/files/\n"));
        static const QRegularExpression admin(QStringLiteral("qtusd admin on https://127\\.0\\.0\\.1:(\\d+)/\n"));
        const auto u = upload.match(lines);
        const auto a = admin.match(lines);
        if (!u.hasMatch() || !a.hasMatch()) {
            qWarning("%s", qPrintable(lines));
            return false;
        }
        *uploadPort = quint16(u.captured(1).toUInt());
        *adminPort = quint16(a.captured(1).toUInt());
        return true;
    }
    static void stop(QProcess &p)
    {
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
    }
    // One request on a new TLS connection that trusts only the test root; the raw answer.
    QByteArray exchange(quint16 port, const QByteArray &request, int handshakeMs = 10000) const
    {
        QSslSocket socket;
        QSslConfiguration tls = socket.sslConfiguration();
        tls.setCaCertificates(m_certs.trusted());
        socket.setSslConfiguration(tls);
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        if (!socket.waitForEncrypted(handshakeMs))
            return "handshake failed: " + socket.errorString().toUtf8();
        socket.write(request);
        QByteArray answer;
        while (socket.waitForReadyRead(10000))
            answer += socket.readAll();
        return answer + socket.readAll();
    }
    TestCertificates m_certs;
};

void tst_QtusdTls::initTestCase()
{
    QString error;
    QVERIFY2(m_certs.make(&error), qPrintable(error));
}

void tst_QtusdTls::bothListenersServeHttps()
{
    QTemporaryDir dir;
    QProcess p;
    quint16 uploadPort = 0, adminPort = 0;
    QVERIFY(startWithTls(p, dir, &uploadPort, &adminPort));

    const QByteArray created = exchange(uploadPort,
                                        "POST /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 3\r\n"
                                        "Connection: close\r\n\r\n");
    QVERIFY2(created.startsWith("HTTP/1.1 201 "), created.constData());
    QVERIFY2(created.contains("Location: https://127.0.0.1/files/"), created.constData());
    const QByteArray health = exchange(adminPort, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QVERIFY2(health.startsWith("HTTP/1.1 200 ") && health.endsWith("ok\n"), health.constData());
    stop(p);
}

void tst_QtusdTls::silentAdminConnectionsDoNotHoldUpHandshakes()
{
    QTemporaryDir dir;
    QProcess p;
    quint16 uploadPort = 0, adminPort = 0;
    QVERIFY(startWithTls(p, dir, &uploadPort, &adminPort));
    std::vector<std::unique_ptr<QTcpSocket>> silent;
    for (int i = 0; i < 40; ++i) {
        silent.push_back(std::make_unique<QTcpSocket>());
        silent.back()->connectToHost(QStringLiteral("127.0.0.1"), adminPort);
    }
    QTRY_VERIFY(std::all_of(silent.begin(), silent.end(), [](const auto &c) { return c->state() == QAbstractSocket::ConnectedState; }));
    // Half of the handshake timeout (10 s) the silent ones would otherwise make it wait.
    const QByteArray health = exchange(adminPort, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
    QVERIFY2(health.startsWith("HTTP/1.1 200 "), health.constData());
    stop(p);
}

void tst_QtusdTls::keyOfAnotherCertificateExitsWithStatus1()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(binary(), {"--port", "0", "--dir", dir.filePath("u"), "--tls-cert", m_certs.chain(), "--tls-key",
                       m_certs.path("other.key")});
    QVERIFY(p.waitForFinished(20000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(QLatin1String("cannot serve TLS")), qPrintable(err));
    QVERIFY(p.readAllStandardOutput().isEmpty());  // never said it was listening
}

QTEST_GUILESS_MAIN(tst_QtusdTls)
#include "tst_qtusdtls.moc"

// qtusd with --tls-cert/--tls-key as an operator runs it: both listeners say https, the admin
// API answers over TLS with the same certificate, a plain client gets nothing in clear, and a
// key that does not serve stops qtusd at startup with status 1 and the reason.
#include "shared/testcertificates.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class tst_QtusdTls : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void bothListenersServeHttps();
    void keyOfAnotherCertificateExitsWithStatus1();

private:
    static QString binary() { return QStringLiteral(QTUSD_PATH); }
    // One request on a new TLS connection that trusts only the test root; the raw answer.
    QByteArray exchange(quint16 port, const QByteArray &request) const
    {
        QSslSocket socket;
        QSslConfiguration tls = socket.sslConfiguration();
        tls.setCaCertificates(m_certs.trusted());
        socket.setSslConfiguration(tls);
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        if (!socket.waitForEncrypted(10000))
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
    p.start(binary(), {"--port", "0", "--dir", dir.filePath("u"), "--tls-cert", m_certs.chain(), "--tls-key", m_certs.key(),
                       "--admin-listen", "127.0.0.1:0"});
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(p.bytesAvailable() > 0 && p.peek(4096).count('\n') >= 2, 10000);
    const QString lines = QString::fromUtf8(p.readAllStandardOutput());
    static const QRegularExpression upload(QStringLiteral("qtusd listening on https://127\\.0\\.0\\.1:(\\d+)/files/\n"));
    static const QRegularExpression admin(QStringLiteral("qtusd admin on https://127\\.0\\.0\\.1:(\\d+)/\n"));
    const auto u = upload.match(lines);
    const auto a = admin.match(lines);
    QVERIFY2(u.hasMatch() && a.hasMatch(), qPrintable(lines));

    const QByteArray created = exchange(quint16(u.captured(1).toUInt()),
                                        "POST /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nUpload-Length: 3\r\n"
                                        "Connection: close\r\n\r\n");
    QVERIFY2(created.startsWith("HTTP/1.1 201 "), created.constData());
    QVERIFY2(created.contains("Location: https://127.0.0.1/files/"), created.constData());
    const QByteArray health = exchange(quint16(a.captured(1).toUInt()), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    QVERIFY2(health.startsWith("HTTP/1.1 200 ") && health.endsWith("ok\n"), health.constData());

    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
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

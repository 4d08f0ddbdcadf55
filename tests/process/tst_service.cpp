// qtusd as systemd runs it (resources/systemd/qtusd.service), with no systemd here: the test
// binds a real unix datagram socket and hands it over as NOTIFY_SOCKET, as systemd does for
// Type=notify, and points JOURNAL_STREAM at a file that is qtusd's stderr, as systemd does
// when stderr is the journal. READY=1 must come once qtusd listens, STOPPING=1 as soon as a
// graceful stop begins (while an upload still holds it up), and each log line must start
// with its level's syslog priority, but only when stderr really is the stream named.
#include "qtusdprocess.h"

#include <QDir>
#include <QFileInfo>
#include <QMap>
#include <QRegularExpression>
#include <QSet>
#include <QSocketNotifier>
#include <QTcpSocket>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace {

// A bound AF_UNIX datagram socket; every datagram that arrives is kept, in order.
class NotifySocket
{
public:
    // Bound at <qtusd.dir>/notify, and named to qtusd as NOTIFY_SOCKET, as systemd does.
    explicit NotifySocket(QtusdProcess &qtusd)
    {
        const QString path = qtusd.dir.filePath(QStringLiteral("notify"));
        qtusd.environment << QStringLiteral("NOTIFY_SOCKET=") + path;
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address = {};
        address.sun_family = AF_UNIX;
        const QByteArray name = QFile::encodeName(path);
        if (m_fd < 0 || size_t(name.size()) >= sizeof(address.sun_path))
            return;
        memcpy(address.sun_path, name.constData(), size_t(name.size()));
        if (::bind(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) != 0)
            return;
        m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, [this] { receive(); });
    }
    ~NotifySocket()
    {
        m_notifier.reset();
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool isBound() const { return m_notifier != nullptr; }
    const QList<QByteArray> &messages() const { return m_messages; }
    // The first datagram with this line in it (READY=1, STOPPING=1); empty if none came.
    QByteArray find(const QByteArray &line) const
    {
        for (const QByteArray &m : m_messages) {
            if (m.split('\n').contains(line))
                return m;
        }
        return {};
    }

private:
    void receive()
    {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof(buffer), 0);
            if (n < 0)
                return;
            m_messages << QByteArray(buffer, qsizetype(n));
        }
    }

    int m_fd = -1;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QList<QByteArray> m_messages;
};

QString streamId(const QString &path)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {};
    return QStringLiteral("%1:%2").arg(qulonglong(st.st_dev)).arg(qulonglong(st.st_ino));
}

} // namespace

#ifdef QTUS_HAVE_LIBSYSTEMD
#define SKIP_WITHOUT_LIBSYSTEMD() (void)0
#else
#define SKIP_WITHOUT_LIBSYSTEMD() QSKIP("qtusd was built without libsystemd")
#endif

class tst_Service : public QObject
{
    Q_OBJECT
private slots:
    void readyOnceListening();
    void stoppingWhenTheGracefulStopBegins();
    void journalLinesCarryTheirPriority();
    void journalJsonLinesCarryTheirPriority();
    void noPriorityWhenStderrIsAnotherStream();

private:
    // Runs qtusd (debug level, a warning at startup for a stray .info) with its stderr in a
    // file and JOURNAL_STREAM naming `journalFile` (or that stderr file when empty); makes an
    // upload and stops it. Its stderr lines.
    static QList<QByteArray> logLines(const QStringList &flags, bool journalIsStderr);
};

void tst_Service::readyOnceListening()
{
    SKIP_WITHOUT_LIBSYSTEMD();
    QtusdProcess qtusd;
    NotifySocket notify(qtusd);
    QVERIFY(notify.isBound() && qtusd.start({}, true));
    QTRY_VERIFY_WITH_TIMEOUT(!notify.find("READY=1").isEmpty(), 15000);
    // Sent once the listener has its port: the status names the URL qtusd printed.
    const QByteArray ready = notify.find("READY=1");
    QVERIFY2(ready.contains("STATUS=listening on " + qtusd.uploadUrl.toEncoded()), ready.constData());
    QCOMPARE(notify.messages().size(), 1);
    QCOMPARE(qtusd.request("OPTIONS", qtusd.uploadUrl).status, 204);
}

void tst_Service::stoppingWhenTheGracefulStopBegins()
{
    SKIP_WITHOUT_LIBSYSTEMD();
    QtusdProcess qtusd;
    NotifySocket notify(qtusd);
    QVERIFY(notify.isBound() && qtusd.start({QStringLiteral("--shutdown-timeout"), QStringLiteral("60s")}, false));
    QTRY_VERIFY_WITH_TIMEOUT(!notify.find("READY=1").isEmpty(), 15000);
    const QUrl upload = qtusd.createUpload(10);
    QVERIFY(upload.isValid());

    // A PATCH with half its body: the graceful stop waits for it.
    QTcpSocket client;
    client.connectToHost(qtusd.uploadUrl.host(), quint16(qtusd.uploadUrl.port()));
    QVERIFY(client.waitForConnected(10000));
    client.write("PATCH " + upload.path().toLatin1() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
                 "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 10\r\n\r\nhello");
    QVERIFY(client.waitForBytesWritten(10000));
    QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(qtusd.uploadDir() + QLatin1Char('/') + upload.fileName()).size(), qint64(5), 15000);
    QVERIFY(notify.find("STOPPING=1").isEmpty());

    ::kill(pid_t(qtusd.process.processId()), SIGTERM);
    QTRY_VERIFY_WITH_TIMEOUT(!notify.find("STOPPING=1").isEmpty(), 15000);
    QCOMPARE(qtusd.process.state(), QProcess::Running);  // still waiting for the upload
    QVERIFY2(notify.find("STOPPING=1").contains("STATUS=stopping"), notify.find("STOPPING=1").constData());

    client.write("world");
    QTRY_VERIFY_WITH_TIMEOUT(client.bytesAvailable() > 0 && client.peek(64).contains("\r\n"), 15000);
    QVERIFY2(client.readAll().startsWith("HTTP/1.1 204"), "the upload in flight finished");
    // Often already over while the answer was awaited (waitForFinished would then say false).
    QTRY_COMPARE_WITH_TIMEOUT(qtusd.process.state(), QProcess::NotRunning, 15000);
    QCOMPARE(qtusd.process.exitCode(), 0);
    QCOMPARE(notify.messages().size(), 2);
}

QList<QByteArray> tst_Service::logLines(const QStringList &flags, bool journalIsStderr)
{
    QtusdProcess qtusd;
    const QString stderrFile = qtusd.dir.filePath(QStringLiteral("stderr"));
    const QString otherFile = qtusd.dir.filePath(QStringLiteral("other"));
    for (const QString &path : {stderrFile, otherFile}) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return {};
    }
    QDir().mkpath(qtusd.uploadDir());
    QFile stray(qtusd.uploadDir() + QStringLiteral("/not-an-upload.info"));  // a warning at startup
    if (!stray.open(QIODevice::WriteOnly))
        return {};
    stray.close();
    qtusd.environment << QStringLiteral("JOURNAL_STREAM=") + streamId(journalIsStderr ? stderrFile : otherFile);
    qtusd.process.setStandardErrorFile(stderrFile, QIODevice::Append);
    if (!qtusd.start(QStringList{QStringLiteral("--log-level"), QStringLiteral("debug")} + flags, false))
        return {};
    const QUrl upload = qtusd.createUpload(5);
    if (!upload.isValid() || qtusd.patch(upload, 0, "hello") != 204)
        return {};
    ::kill(pid_t(qtusd.process.processId()), SIGTERM);
    if (!qtusd.process.waitForFinished(10000))
        return {};
    QFile file(stderrFile);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

void tst_Service::journalLinesCarryTheirPriority()
{
    const QList<QByteArray> lines = logLines({}, true);
    QVERIFY(!lines.isEmpty());
    static const QRegularExpression form(QStringLiteral("^<([0-7])>\\d{4}-\\d\\d-\\d\\dT\\S+ (debug|info|warning|error) +\\S+: "));
    const QMap<QString, QString> priorities{{QStringLiteral("debug"), QStringLiteral("7")}, {QStringLiteral("info"), QStringLiteral("6")},
                                            {QStringLiteral("warning"), QStringLiteral("4")}, {QStringLiteral("error"), QStringLiteral("3")}};
    QSet<QString> seen;
    for (const QByteArray &line : lines) {
        const QRegularExpressionMatch m = form.match(QString::fromUtf8(line));
        QVERIFY2(m.hasMatch(), line.constData());
        QVERIFY2(m.captured(1) == priorities.value(m.captured(2)), line.constData());
        seen << m.captured(2);
    }
    QCOMPARE(seen, (QSet<QString>{QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warning")}));
}

void tst_Service::journalJsonLinesCarryTheirPriority()
{
    const QList<QByteArray> lines = logLines({QStringLiteral("--log-format"), QStringLiteral("json")}, true);
    QVERIFY(!lines.isEmpty());
    const QMap<QString, QByteArray> priorities{{QStringLiteral("debug"), "<7>"}, {QStringLiteral("info"), "<6>"},
                                               {QStringLiteral("warning"), "<4>"}, {QStringLiteral("error"), "<3>"}};
    int warnings = 0;
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line.mid(3), &error).object();  // what the journal keeps
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        const QString level = o.value(QLatin1String("level")).toString();
        QVERIFY2(line.startsWith(priorities.value(level, "none")), line.constData());
        warnings += level == QLatin1String("warning");
    }
    QCOMPARE(warnings, 1);
}

void tst_Service::noPriorityWhenStderrIsAnotherStream()
{
    // JOURNAL_STREAM inherited, but stderr redirected elsewhere: plain lines.
    const QList<QByteArray> lines = logLines({}, false);
    QVERIFY(!lines.isEmpty());
    for (const QByteArray &line : lines)
        QVERIFY2(!line.startsWith('<') && line.at(0) >= '0' && line.at(0) <= '9', line.constData());
}

QTEST_GUILESS_MAIN(tst_Service)
#include "tst_service.moc"

// qtusd on a really full disk: a 4 MiB tmpfs mounted by the test (root only; skipped with a
// reason otherwise, and tests/core/tst_storagefaults.cpp covers the same paths with injected
// faults). An upload fills the disk and gets 507 with its reason, HEAD reports exactly the
// bytes stored, other requests are still served, a DELETE and then the server's own cleanup
// pass free space, and the upload resumes twice and completes byte-identical.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr qint64 diskSize = 4 * MiB;

struct Reply
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    bool closed = false;  // the server closed the connection after answering (EOF seen)

    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// One request on a fresh connection, answered in full. The body is queued at once; QTcpSocket
// keeps sending it while we wait for the answer, which may come before the body is through.
Reply exchange(quint16 port, const QByteArray &head, const QByteArray &body = {})
{
    Reply reply;
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!s.waitForConnected(5000))
        return reply;
    s.write(head + body);
    QByteArray in;
    while (!in.contains("\r\n\r\n") && s.waitForReadyRead(10000))
        in += s.readAll();
    const qsizetype end = in.indexOf("\r\n\r\n");
    if (end < 0)
        return reply;
    reply.head = in.left(end);
    reply.status = reply.head.mid(9, 3).toInt();
    const qint64 length = head.startsWith("HEAD ") ? 0 : reply.header("Content-Length").toLongLong();
    in.remove(0, end + 4);
    while (in.size() < length && s.waitForReadyRead(10000))
        in += s.readAll();
    reply.body = in.left(length);
    if (reply.header("Connection").compare("close", Qt::CaseInsensitive) == 0)
        reply.closed = s.state() == QAbstractSocket::UnconnectedState || s.waitForDisconnected(10000);
    return reply;
}

QByteArray tusHead(const QByteArray &method, const QByteArray &path, const QByteArrayList &headers = {})
{
    QByteArray head = method + ' ' + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n";
    for (const QByteArray &h : headers)
        head += h + "\r\n";
    return head + "\r\n";
}

QByteArray patchHead(const QByteArray &path, qint64 offset, qint64 length)
{
    return tusHead("PATCH", path, {"Upload-Offset: " + QByteArray::number(offset),
                                   "Content-Type: application/offset+octet-stream",
                                   "Content-Length: " + QByteArray::number(length)});
}

QByteArray payload(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(4);
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

} // namespace

class tst_FullDisk : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void fullDiskAnswers507AndUploadResumes();

private:
    QByteArray create(qint64 length);
    qint64 headOffset(const QByteArray &path);
    QString fileOf(const QByteArray &path) const { return m_dir + QLatin1Char('/') + QString::fromLatin1(path.mid(7)); }
    QStringList files() const { return QDir(m_dir).entryList(QDir::Files | QDir::Hidden); }

    std::unique_ptr<QTemporaryDir> m_root;
    QByteArray m_mountPoint;  // empty while nothing is mounted
    QString m_dir;
    std::unique_ptr<QProcess> m_server;
    quint16 m_port = 0;
};

void tst_FullDisk::init()
{
    if (::geteuid() != 0)
        QSKIP("needs root to mount a 4 MiB tmpfs; tst_storagefaults covers these paths with injected faults");
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
    const QString mountPoint = m_root->filePath(QStringLiteral("disk"));
    QVERIFY(QDir().mkpath(mountPoint));
    const QByteArray native = QFile::encodeName(mountPoint);
    if (::mount("tmpfs", native.constData(), "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0700") != 0)
        QSKIP(qPrintable(QStringLiteral("cannot mount a tmpfs here (%1); tst_storagefaults covers these paths "
                                        "with injected faults").arg(QString::fromLocal8Bit(strerror(errno)))));
    m_mountPoint = native;
    m_dir = mountPoint + QStringLiteral("/uploads");

    m_server = std::make_unique<QProcess>();
    m_server->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // Cleanup passes every second so the test sees one soon after it makes the filler stale;
    // unfinished uploads never expire during the test.
    m_server->start(QStringLiteral(QTUSD_PATH),
                    {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), m_dir,
                     QStringLiteral("--cleanup-interval"), QStringLiteral("1s"), QStringLiteral("--orphan-grace"),
                     QStringLiteral("1h"), QStringLiteral("--expire-after"), QStringLiteral("24h")});
    QVERIFY(m_server->waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(m_server->canReadLine(), 10000);
    const QByteArray line = m_server->readLine().trimmed();
    m_port = quint16(line.mid(line.lastIndexOf(':') + 1).split('/').first().toUInt());
    QVERIFY2(m_port, line.constData());
}

// Runs after a failure too: stop the server, then unmount (lazily, so nothing can keep the
// mount alive), then the temporary directory goes.
void tst_FullDisk::cleanup()
{
    if (m_server && m_server->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_server->processId()), SIGTERM);
        if (!m_server->waitForFinished(10000)) {
            m_server->kill();
            m_server->waitForFinished(5000);
        }
    }
    m_server.reset();
    if (!m_mountPoint.isEmpty() && ::umount2(m_mountPoint.constData(), MNT_DETACH) != 0)
        qWarning("cannot unmount %s: %s", m_mountPoint.constData(), strerror(errno));
    m_mountPoint.clear();
    m_root.reset();
}

QByteArray tst_FullDisk::create(qint64 length)
{
    const Reply r = exchange(m_port, tusHead("POST", "/files/", {"Upload-Length: " + QByteArray::number(length)}));
    const QByteArray location = r.header("Location");
    return r.status == 201 ? location.mid(location.indexOf("/files/")) : QByteArray();
}

qint64 tst_FullDisk::headOffset(const QByteArray &path)
{
    const Reply r = exchange(m_port, tusHead("HEAD", path));
    return r.status == 200 ? r.header("Upload-Offset").toLongLong() : -1;
}

void tst_FullDisk::fullDiskAnswers507AndUploadResumes()
{
    // On the disk before the big upload: a small upload B, a completed 512 KiB upload C, and a
    // 1 MiB stray file F (a name the store writes, no .info: cleanup removes it once stale).
    const QByteArray small = create(10);
    const QByteArray deletable = create(512 * KiB);
    QVERIFY(!small.isEmpty() && !deletable.isEmpty());
    QCOMPARE(exchange(m_port, patchHead(deletable, 0, 512 * KiB), payload(512 * KiB)).status, 204);
    const QString filler = m_dir + QLatin1Char('/') + QString(32, QLatin1Char('f'));
    {
        QFile f(filler);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(QByteArray(MiB, 'x')), MiB);
    }

    // The big upload A fills the disk: 507 with its reason, and the connection closes cleanly.
    const qint64 length = 3 * MiB + 512 * KiB;
    const QByteArray bytes = payload(length);
    const QByteArray big = create(length);
    QVERIFY(!big.isEmpty());
    const Reply full = exchange(m_port, patchHead(big, 0, length), bytes);
    QCOMPARE(full.status, 507);
    QVERIFY2(full.head.startsWith("HTTP/1.1 507 Insufficient Storage"), full.head.constData());
    QCOMPARE(full.body, QByteArray("no space left on the upload storage\n"));
    QVERIFY(full.header("Content-Type").startsWith("text/plain"));
    QVERIFY(full.closed);

    // HEAD: exactly the bytes on disk, and they are the client's; the .info is valid JSON.
    const qint64 firstStop = headOffset(big);
    qInfo("disk full after %lld of %lld bytes", firstStop, length);
    QVERIFY(firstStop > 2 * MiB && firstStop < length);
    QCOMPARE(QFileInfo(fileOf(big)).size(), firstStop);
    {
        QFile data(fileOf(big));
        QVERIFY(data.open(QIODevice::ReadOnly));
        QVERIFY(data.readAll() == bytes.left(firstStop));
        QFile info(fileOf(big) + QStringLiteral(".info"));
        QVERIFY(info.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(info.readAll()).object();
        QCOMPARE(json.value(QStringLiteral("ID")).toString().toLatin1(), big.mid(7));
        QCOMPARE(json.value(QStringLiteral("Size")).toInteger(), length);
    }

    // The server keeps serving: lookups and OPTIONS answer, writes get 507, and a creation
    // that cannot be stored leaves no file behind.
    const Reply options = exchange(m_port, "OPTIONS /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QCOMPARE(options.status, 204);
    QCOMPARE(headOffset(small), qint64(0));
    const Reply smallPatch = exchange(m_port, patchHead(small, 0, 10), "0123456789");
    QCOMPARE(smallPatch.status, 507);
    QCOMPARE(headOffset(small), qint64(0));
    const QStringList before = files();
    QCOMPARE(exchange(m_port, tusHead("POST", "/files/", {"Upload-Length: 100"})).status, 507);
    QCOMPARE(files(), before);

    // A DELETE frees 512 KiB on the full disk; the upload resumes at HEAD's offset and fills
    // the disk again, further on.
    QCOMPARE(exchange(m_port, tusHead("DELETE", deletable)).status, 204);
    QVERIFY(!QFileInfo::exists(fileOf(deletable)));
    QCOMPARE(exchange(m_port, patchHead(big, firstStop, length - firstStop), bytes.mid(firstStop)).status, 507);
    const qint64 secondStop = headOffset(big);
    qInfo("disk full again after %lld bytes", secondStop);
    QVERIFY(secondStop >= firstStop + 500 * KiB && secondStop < length);
    QCOMPARE(QFileInfo(fileOf(big)).size(), secondStop);

    // The server's cleanup pass frees the stray megabyte once it is older than --orphan-grace.
    const qint64 twoHoursAgo = QDateTime::currentSecsSinceEpoch() - 7200;
    const struct timespec times[2] = {{time_t(twoHoursAgo), 0}, {time_t(twoHoursAgo), 0}};
    QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(filler).constData(), times, 0), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(filler), 15000);

    // The upload completes, and reads back byte-identical.
    const Reply done = exchange(m_port, patchHead(big, secondStop, length - secondStop), bytes.mid(secondStop));
    QCOMPARE(done.status, 204);
    QCOMPARE(done.header("Upload-Offset").toLongLong(), length);
    QCOMPARE(headOffset(big), length);
    const Reply download = exchange(m_port, "GET " + big + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QCOMPARE(download.status, 200);
    QVERIFY(download.body == bytes);
    QCOMPARE(exchange(m_port, patchHead(small, 0, 10), "0123456789").status, 204);  // room for B again

    QCOMPARE(m_server->state(), QProcess::Running);
    ::kill(pid_t(m_server->processId()), SIGTERM);
    QVERIFY(m_server->waitForFinished(10000));
    QCOMPARE(m_server->exitCode(), 0);
}

QTEST_GUILESS_MAIN(tst_FullDisk)
#include "tst_fulldisk.moc"

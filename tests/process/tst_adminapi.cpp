// The admin API (docs/admin-api.md) against a real qtusd process over real sockets: the
// token is required where it should be and refused when wrong, uploads page with a cursor,
// DELETE terminates (and waits for no writer), a cleanup answers with its report, the event
// stream follows a real upload, a reconnect with Last-Event-ID misses nothing (a removal
// included), and /metrics taken during an upload passes `promtool check metrics`.
#include "qtusdprocess.h"
#include "sseparser.h"

#include <QJsonArray>
#include <QStandardPaths>
#include <QTcpSocket>

using namespace qtus;

namespace {

// GET /api/v1/events, read as it arrives.
class EventStream
{
public:
    EventStream(QtusdProcess &qtusd, const QString &query = {}, const QByteArray &lastEventId = {})
    {
        QNetworkRequest request(qtusd.adminUrl.resolved(QUrl(QStringLiteral("api/v1/events") + query)));
        request.setRawHeader("Authorization", "Bearer " + qtusd.token);
        if (!lastEventId.isEmpty())
            request.setRawHeader("Last-Event-ID", lastEventId);
        m_reply = qtusd.network.get(request);
        QObject::connect(m_reply, &QNetworkReply::readyRead, m_reply, [this] { m_parser.feed(m_reply->readAll(), &events); });
    }
    ~EventStream() { close(); }
    void close()
    {
        if (m_reply) {
            m_reply->abort();
            m_reply->deleteLater();
            m_reply = nullptr;
        }
    }
    // Waits until an event of this type (whose data contains `text`, if given) has arrived.
    bool waitFor(const QByteArray &type, const QByteArray &text = {}, int timeoutMs = 15000)
    {
        return QTest::qWaitFor([&] { return indexOf(type, text) >= 0; }, timeoutMs);
    }
    qsizetype indexOf(const QByteArray &type, const QByteArray &text = {}) const
    {
        for (qsizetype i = 0; i < events.size(); ++i) {
            if (events.at(i).type == type && (text.isEmpty() || events.at(i).data.contains(text)))
                return i;
        }
        return -1;
    }
    QList<SseEvent> events;
    QByteArray lastEventId() const { return m_parser.lastEventId(); }

private:
    QNetworkReply *m_reply = nullptr;
    SseParser m_parser;
};

} // namespace

class tst_AdminApi : public QObject
{
    Q_OBJECT
private slots:
    void tokenRequiredWhereItShouldBe();
    void uploadsPageWithACursor();
    void terminateAndLocked();
    void cleanupAnswersWithItsReport();
    void eventsFollowARealUpload();
    void reconnectMissesNothing();
    void metricsPassPromtoolDuringAnUpload();
};

void tst_AdminApi::tokenRequiredWhereItShouldBe()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start());
    QCOMPARE(qtusd.token.size(), 64);  // 256 random bits, made because the file did not exist
    QFile tokenFile(qtusd.uploadDir() + QStringLiteral("/.qtus-admin-token"));
    QCOMPARE(tokenFile.permissions() & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    const QUrl server = qtusd.adminUrl.resolved(QUrl(QStringLiteral("api/v1/server")));
    QCOMPARE(qtusd.request("GET", server).status, 401);
    HttpResult wrong = qtusd.request("GET", server, {{"Authorization", "Bearer " + QByteArray(64, 'a')}});
    QCOMPARE(wrong.status, 401);
    QCOMPARE(wrong.header("WWW-Authenticate"), QByteArray("Bearer"));
    QCOMPARE(qtusd.request("GET", server, {{"Authorization", "Bearer " + qtusd.token.left(63)}}).status, 401);
    QCOMPARE(qtusd.request("GET", server, {{"Authorization", "Basic " + qtusd.token}}).status, 401);
    for (const char *path : {"api/v1/uploads", "api/v1/events"})
        QCOMPARE(qtusd.request("GET", qtusd.adminUrl.resolved(QUrl(QLatin1String(path)))).status, 401);
    QCOMPARE(qtusd.request("POST", qtusd.adminUrl.resolved(QUrl(QStringLiteral("api/v1/cleanup")))).status, 401);

    const HttpResult info = qtusd.api("GET", QStringLiteral("api/v1/server"));
    QCOMPARE(info.status, 200);
    QCOMPARE(info.json().value(QLatin1String("uploadUrl")).toString(), qtusd.uploadUrl.toString());
    QCOMPARE(info.json().value(QLatin1String("version")).toString(), QStringLiteral(QTUS_VERSION));
    // No token needed: they reveal counts, never ids.
    const HttpResult health = qtusd.request("GET", qtusd.adminUrl.resolved(QUrl(QStringLiteral("healthz"))));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray("ok\n"));
    QCOMPARE(qtusd.request("GET", qtusd.adminUrl.resolved(QUrl(QStringLiteral("metrics")))).status, 200);
    // The upload endpoint knows nothing of the admin API.
    QCOMPARE(qtusd.request("GET", qtusd.uploadUrl.resolved(QUrl(QStringLiteral("/api/v1/server"))),
                           {{"Authorization", "Bearer " + qtusd.token}}).status, 404);
}

void tst_AdminApi::uploadsPageWithACursor()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start());
    QSet<QString> made;
    for (int i = 0; i < 25; ++i) {
        const QUrl url = qtusd.createUpload(10, i % 5 == 0 ? "report-" + QByteArray::number(i) + ".pdf" : "photo.jpg");
        QVERIFY(url.isValid());
        made << url.path().section(QLatin1Char('/'), -1);
    }
    QSet<QString> seen;
    QString cursor;
    int pages = 0;
    do {
        const HttpResult page = qtusd.api("GET", QStringLiteral("api/v1/uploads?limit=10") + (cursor.isEmpty() ? QString() : QStringLiteral("&after=") + cursor));
        QCOMPARE(page.status, 200);
        QCOMPARE(page.json().value(QLatin1String("total")).toInt(), 25);
        const QJsonArray uploads = page.json().value(QLatin1String("uploads")).toArray();
        QVERIFY(uploads.size() <= 10);
        for (const QJsonValue &u : uploads) {
            const QString id = u.toObject().value(QLatin1String("id")).toString();
            QVERIFY2(!seen.contains(id), qPrintable(id));  // no session twice across pages
            seen << id;
            QCOMPARE(u.toObject().value(QLatin1String("state")).toString(), QStringLiteral("active"));
            QCOMPARE(u.toObject().value(QLatin1String("url")).toString(), qtusd.uploadUrl.toString() + id);
        }
        cursor = page.json().value(QLatin1String("next")).toString();
        ++pages;
    } while (!cursor.isEmpty() && pages < 10);
    QCOMPARE(pages, 3);
    QCOMPARE(seen, made);

    const HttpResult reports = qtusd.api("GET", QStringLiteral("api/v1/uploads?q=REPORT"));
    QCOMPARE(reports.json().value(QLatin1String("total")).toInt(), 5);
    QCOMPARE(qtusd.api("GET", QStringLiteral("api/v1/uploads?state=completed")).json().value(QLatin1String("total")).toInt(), 0);
    QCOMPARE(qtusd.api("GET", QStringLiteral("api/v1/uploads?state=bogus")).status, 400);
    QCOMPARE(qtusd.api("GET", QStringLiteral("api/v1/uploads?limit=0")).status, 400);
    QCOMPARE(qtusd.api("GET", QStringLiteral("api/v1/uploads?after=nonsense")).status, 400);
    const QString one = *made.cbegin();
    const HttpResult single = qtusd.api("GET", QStringLiteral("api/v1/uploads/") + one);
    QCOMPARE(single.status, 200);
    QCOMPARE(single.json().value(QLatin1String("id")).toString(), one);
    QCOMPARE(qtusd.api("GET", QStringLiteral("api/v1/uploads/") + QString(32, QLatin1Char('0'))).status, 404);
}

void tst_AdminApi::terminateAndLocked()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start({QStringLiteral("--release-stalled-after"), QStringLiteral("0")}));
    const QUrl idle = qtusd.createUpload(10);
    const QUrl busy = qtusd.createUpload(1000);
    const QString idleId = idle.path().section(QLatin1Char('/'), -1);
    const QString busyId = busy.path().section(QLatin1Char('/'), -1);
    // A PATCH in flight holds busy's lock: half its body sent, the rest never.
    QTcpSocket writer;
    writer.connectToHost(qtusd.uploadUrl.host(), quint16(qtusd.uploadUrl.port()));
    QVERIFY(writer.waitForConnected(5000));
    writer.write("PATCH " + busy.path().toLatin1() + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                 "Content-Type: application/offset+octet-stream\r\nContent-Length: 1000\r\n\r\n" + QByteArray(500, 'x'));
    QVERIFY(writer.waitForBytesWritten(5000));
    // The PATCH holds the lock once the server has read its head, which /metrics counts.
    const QUrl metrics = qtusd.adminUrl.resolved(QUrl(QStringLiteral("metrics")));
    QVERIFY(QTest::qWaitFor([&] { return qtusd.request("GET", metrics).body.contains("qtus_requests_total{method=\"PATCH\"} 1"); }, 10000));
    // (Not QTRY_COMPARE: it evaluates its expression once more at the end, and a DELETE is
    // not something to send twice.)
    int status = 0;
    const auto deleteBusy = [&] { return (status = qtusd.api("DELETE", QStringLiteral("api/v1/uploads/") + busyId).status); };
    QCOMPARE(deleteBusy(), 423);

    QCOMPARE(qtusd.api("DELETE", QStringLiteral("api/v1/uploads/") + idleId).status, 204);
    QCOMPARE(qtusd.api("DELETE", QStringLiteral("api/v1/uploads/") + idleId).status, 404);
    QCOMPARE(qtusd.request("HEAD", idle, {{"Tus-Resumable", "1.0.0"}}).status, 404);
    QCOMPARE(qtusd.api("PUT", QStringLiteral("api/v1/uploads/") + busyId).status, 405);
    writer.abort();  // the writer goes: its 500 bytes are committed, and it can be terminated
    QVERIFY(QTest::qWaitFor([&] { return deleteBusy() != 423; }, 10000));
    QCOMPARE(status, 204);
}

void tst_AdminApi::cleanupAnswersWithItsReport()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start({QStringLiteral("--expire-after"), QStringLiteral("1s"), QStringLiteral("--cleanup-interval"), QStringLiteral("0")}));
    const QUrl doomed = qtusd.createUpload(10);
    QVERIFY(doomed.isValid());
    // Expired once HEAD says so (410): no sleeping, the server's own clock decides.
    QTRY_COMPARE_WITH_TIMEOUT(qtusd.request("HEAD", doomed, {{"Tus-Resumable", "1.0.0"}}).status, 410, 10000);
    const HttpResult report = qtusd.api("POST", QStringLiteral("api/v1/cleanup"));
    QCOMPARE(report.status, 200);
    QCOMPARE(report.json().value(QLatin1String("removed")).toInt(), 1);
    QCOMPARE(report.json().value(QLatin1String("errors")).toInt(), 0);
    QVERIFY(report.json().contains(QLatin1String("startedAt")));
    QCOMPARE(qtusd.request("HEAD", doomed, {{"Tus-Resumable", "1.0.0"}}).status, 404);
    const QJsonObject cleanup = qtusd.api("GET", QStringLiteral("api/v1/server")).json().value(QLatin1String("cleanup")).toObject();
    QCOMPARE(cleanup.value(QLatin1String("lastReport")).toObject().value(QLatin1String("removed")).toInt(), 1);
}

void tst_AdminApi::eventsFollowARealUpload()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start());
    EventStream stream(qtusd);
    QVERIFY(stream.waitFor("hello"));
    const QUrl upload = qtusd.createUpload(6, "hello.txt");
    const QByteArray id = upload.path().section(QLatin1Char('/'), -1).toLatin1();
    QVERIFY(stream.waitFor("created", id));
    QCOMPARE(qtusd.patch(upload, 0, "abc"), 204);
    QVERIFY(stream.waitFor("progress", id));
    QCOMPARE(qtusd.patch(upload, 3, "def"), 204);
    QVERIFY(stream.waitFor("completed", id));
    QCOMPARE(qtusd.request("DELETE", upload, {{"Tus-Resumable", "1.0.0"}}).status, 204);
    QVERIFY(stream.waitFor("terminated", id));
    const SseEvent created = stream.events.at(stream.indexOf("created", id));
    const QJsonObject session = QJsonDocument::fromJson(created.data).object();
    QCOMPARE(session.value(QLatin1String("fileName")).toString(), QStringLiteral("hello.txt"));
    QCOMPARE(session.value(QLatin1String("size")).toInt(), 6);
    const QJsonObject completed = QJsonDocument::fromJson(stream.events.at(stream.indexOf("completed", id)).data).object();
    QCOMPARE(completed.value(QLatin1String("offset")).toInt(), 6);
    QCOMPARE(completed.value(QLatin1String("state")).toString(), QStringLiteral("completed"));
    // In order: created, progress, completed, terminated.
    QVERIFY(stream.indexOf("created", id) < stream.indexOf("progress", id));
    QVERIFY(stream.indexOf("progress", id) < stream.indexOf("completed", id));
    QVERIFY(stream.indexOf("completed", id) < stream.indexOf("terminated", id));
    QTRY_VERIFY(stream.indexOf("cleanup-started") < 0 || stream.indexOf("cleanup-finished") >= 0);
}

void tst_AdminApi::reconnectMissesNothing()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start());
    const QUrl kept = qtusd.createUpload(10, "kept.bin");
    const QUrl removed = qtusd.createUpload(10, "removed.bin");
    QByteArray lastId;
    {
        EventStream first(qtusd, QStringLiteral("?snapshot=1"));
        QVERIFY(first.waitFor("snapshot-end"));
        QVERIFY(first.indexOf("snapshot", kept.path().section(QLatin1Char('/'), -1).toLatin1()) >= 0);
        lastId = first.lastEventId();
        QVERIFY(!lastId.isEmpty());
    }
    // While nobody listens: a removal, a creation, progress.
    const QByteArray removedId = removed.path().section(QLatin1Char('/'), -1).toLatin1();
    QCOMPARE(qtusd.request("DELETE", removed, {{"Tus-Resumable", "1.0.0"}}).status, 204);
    const QUrl added = qtusd.createUpload(4);
    QCOMPARE(qtusd.patch(kept, 0, "12345"), 204);

    EventStream again(qtusd, {}, lastId);
    QVERIFY(again.waitFor("terminated", removedId));
    QVERIFY(again.waitFor("created", added.path().section(QLatin1Char('/'), -1).toLatin1()));
    QVERIFY(again.waitFor("progress", kept.path().section(QLatin1Char('/'), -1).toLatin1()));
    QCOMPARE(again.indexOf("reset"), -1);  // all of it was still kept: no snapshot needed

    // An id from another server instance (a restart): reset, and a snapshot that shows the
    // current state, the removal included.
    EventStream stranger(qtusd, {}, "0badc0de-7");
    QVERIFY(stranger.waitFor("reset"));
    QVERIFY(stranger.waitFor("snapshot-end"));
    QCOMPARE(stranger.indexOf("snapshot", removedId), -1);
    QVERIFY(stranger.indexOf("snapshot", kept.path().section(QLatin1Char('/'), -1).toLatin1()) >= 0);
}

void tst_AdminApi::metricsPassPromtoolDuringAnUpload()
{
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    QVERIFY2(!promtool.isEmpty(), "promtool not found (Debian package prometheus; scripts/install-deps.sh installs it)");
    QtusdProcess qtusd;
    QVERIFY(qtusd.start());
    const QUrl upload = qtusd.createUpload(2000);
    QTcpSocket writer;  // an upload in flight while the scrape is taken
    writer.connectToHost(qtusd.uploadUrl.host(), quint16(qtusd.uploadUrl.port()));
    QVERIFY(writer.waitForConnected(5000));
    writer.write("PATCH " + upload.path().toLatin1() + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                 "Content-Type: application/offset+octet-stream\r\nContent-Length: 2000\r\n\r\n" + QByteArray(1000, 'x'));
    QVERIFY(writer.waitForBytesWritten(5000));
    QCOMPARE(qtusd.request("HEAD", upload, {{"Tus-Resumable", "1.0.0"}}).status, 200);
    const HttpResult scrape = qtusd.request("GET", qtusd.adminUrl.resolved(QUrl(QStringLiteral("metrics"))));
    QCOMPARE(scrape.status, 200);
    QVERIFY(scrape.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    for (const char *line : {"qtus_requests_total{method=\"POST\"} 1", "qtus_requests_total{method=\"HEAD\"} 1",
                             "qtus_responses_total{status=\"201\"} 1", "qtus_uploads_created_total 1",
                             "qtus_uploads{state=\"active\"} 1", "qtus_connections_open "})
        QVERIFY2(scrape.body.contains(line), line);
    QProcess check;
    check.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(check.waitForStarted());
    check.write(scrape.body);
    check.closeWriteChannel();
    QVERIFY(check.waitForFinished(30000));
    const QByteArray problems = check.readAllStandardOutput() + check.readAllStandardError();
    QVERIFY2(check.exitCode() == 0 && problems.trimmed().isEmpty(), problems.constData());
    writer.abort();
}

QTEST_GUILESS_MAIN(tst_AdminApi)
#include "tst_adminapi.moc"

// Downloads and hooks over real sockets. Downloads: GET of a completed upload streamed by
// the intake (Content-Length, Range, Content-Type / Content-Disposition from the metadata),
// 404 for incomplete uploads, 405 with --disable-download, pipelining after a GET; plus the
// pure header functions (parseRange, safeContentType, contentDisposition). Hooks: real shell
// scripts written at test time for pre-create (accept, refuse, time out, cannot start, the
// JSON on stdin) and post-finish (the JSON with Path, after the 204, retried on failure).
#include "downloadheaders.h"
#include "hookscripts.h"
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace qtus;

namespace {
constexpr qint64 MiB = 1024 * 1024;


// A GET as browsers and curl send it: no Tus-Resumable.
QByteArray get(const QByteArray &path, const QByteArray &extra = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

QByteArray metadataHeader(const QList<QPair<QByteArray, QByteArray>> &entries)
{
    QByteArrayList pairs;
    for (const auto &e : entries)
        pairs.append(e.first + ' ' + e.second.toBase64());
    return "Upload-Metadata: " + pairs.join(',') + "\r\n";
}

// Uploads data completely with creation-with-upload; returns its path, empty on failure.
QByteArray uploadWhole(ServerUnderTest &s, const QByteArray &data, const QByteArray &extra = {})
{
    PipelinedClient client;
    if (!client.connectTo(s.port()))
        return {};
    client.sendRequest(wire::post(data.size(), data, extra));
    if (!client.waitForResponses(1, 60000) || client.responses().constFirst().status != 201)
        return {};
    const QByteArray path = pathOf(client.responses().constFirst());
    return s.offset(path) == data.size() ? path : QByteArray();
}

RawResponse exchange(ServerUnderTest &s, const QByteArray &request, int timeoutMs = 10000)
{
    return exchangeOnce(s.port(), request, timeoutMs);
}

QJsonObject readJson(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

int lineCount(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? int(file.readAll().count('\n')) : 0;
}
} // namespace

class tst_DownloadHooks : public QObject
{
    Q_OBJECT

private slots:
    // pure functions
    void parseRange_data();
    void parseRange();
    void safeContentType_data();
    void safeContentType();
    void contentDisposition_data();
    void contentDisposition();
    // downloads over a socket
    void downloadWholeFile();
    void downloadRange_data();
    void downloadRange();
    void downloadIncompleteIs404();
    void downloadDisabled();
    void getPipelinedBeforeHead();
    // hooks
    void preCreateVerdict_data();
    void preCreateVerdict();
    void preCreateEventOnStdin();
    void postFinishAfterResponse();
    void postFinishRetried();
};

void tst_DownloadHooks::parseRange_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<int>("kind");
    QTest::addColumn<qint64>("start");
    QTest::addColumn<qint64>("length");
    const int whole = int(ByteRange::Kind::Whole), part = int(ByteRange::Kind::Partial),
              none = int(ByteRange::Kind::Unsatisfiable);
    QTest::addRow("absent") << QByteArray() << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("first ten") << QByteArray("bytes=0-9") << qint64(100) << part << qint64(0) << qint64(10);
    QTest::addRow("open end") << QByteArray("bytes=10-") << qint64(100) << part << qint64(10) << qint64(90);
    QTest::addRow("suffix") << QByteArray("bytes=-5") << qint64(100) << part << qint64(95) << qint64(5);
    QTest::addRow("suffix longer than file") << QByteArray("bytes=-500") << qint64(100) << part << qint64(0) << qint64(100);
    QTest::addRow("end past size clamps") << QByteArray("bytes=90-5000") << qint64(100) << part << qint64(90) << qint64(10);
    QTest::addRow("last byte") << QByteArray("bytes=99-99") << qint64(100) << part << qint64(99) << qint64(1);
    QTest::addRow("start at size") << QByteArray("bytes=100-") << qint64(100) << none << qint64(0) << qint64(0);
    QTest::addRow("start past size") << QByteArray("bytes=500-600") << qint64(100) << none << qint64(0) << qint64(0);
    QTest::addRow("zero suffix") << QByteArray("bytes=-0") << qint64(100) << none << qint64(0) << qint64(0);
    QTest::addRow("empty file") << QByteArray("bytes=0-0") << qint64(0) << none << qint64(0) << qint64(0);
    QTest::addRow("end before start") << QByteArray("bytes=9-5") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("multi-range") << QByteArray("bytes=0-1,5-6") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("other unit") << QByteArray("items=0-9") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("garbage") << QByteArray("bytes=abc") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("negative start") << QByteArray("bytes=-1-5") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("no dash") << QByteArray("bytes=5") << qint64(100) << whole << qint64(0) << qint64(100);
    QTest::addRow("overflowing number") << QByteArray("bytes=0-99999999999999999999999") << qint64(100) << whole
                                        << qint64(0) << qint64(100);
}

void tst_DownloadHooks::parseRange()
{
    QFETCH(QByteArray, header);
    QFETCH(qint64, size);
    QFETCH(int, kind);
    QFETCH(qint64, start);
    QFETCH(qint64, length);
    const ByteRange r = qtus::parseRange(header, size);
    QCOMPARE(int(r.kind), kind);
    if (r.kind != ByteRange::Kind::Unsatisfiable) {
        QCOMPARE(r.start, start);
        QCOMPARE(r.length, length);
    }
}

void tst_DownloadHooks::safeContentType_data()
{
    QTest::addColumn<QByteArray>("type");
    QTest::addColumn<QByteArray>("expected");
    const QByteArray octet = "application/octet-stream";
    QTest::addRow("plain") << QByteArray("image/png") << QByteArray("image/png");
    QTest::addRow("trimmed") << QByteArray("  text/plain ") << QByteArray("text/plain");
    QTest::addRow("vendor") << QByteArray("application/vnd.ms-excel") << QByteArray("application/vnd.ms-excel");
    QTest::addRow("empty") << QByteArray() << octet;
    QTest::addRow("no slash") << QByteArray("png") << octet;
    QTest::addRow("header injection") << QByteArray("text/html\r\nSet-Cookie: a=b") << octet;
    QTest::addRow("two slashes") << QByteArray("a/b/c") << octet;
    QTest::addRow("non-ascii") << QByteArray("image/p\xc3\xa9g") << octet;
}

void tst_DownloadHooks::safeContentType()
{
    QFETCH(QByteArray, type);
    QFETCH(QByteArray, expected);
    QCOMPARE(qtus::safeContentType(type), expected);
}

void tst_DownloadHooks::contentDisposition_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("plain") << QStringLiteral("report.pdf")
                           << QByteArray("attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
    QTest::addRow("traversal") << QStringLiteral("../../etc/passwd")
                               << QByteArray("attachment; filename=\"passwd\"; filename*=UTF-8''passwd");
    QTest::addRow("windows path") << QStringLiteral("C:\\temp\\x.txt")
                                  << QByteArray("attachment; filename=\"x.txt\"; filename*=UTF-8''x.txt");
    QTest::addRow("quotes") << QStringLiteral("a\"b.txt")
                            << QByteArray("attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt");
    QTest::addRow("control characters") << QStringLiteral("a\r\nb.txt")
                                        << QByteArray("attachment; filename=\"ab.txt\"; filename*=UTF-8''ab.txt");
    QTest::addRow("non-ascii") << QString::fromUtf8("na\xc3\xafve.txt")
                               << QByteArray("attachment; filename=\"na_ve.txt\"; filename*=UTF-8''na%C3%AFve.txt");
    QTest::addRow("empty") << QString() << QByteArray("attachment");
    QTest::addRow("dot-dot") << QStringLiteral("..") << QByteArray("attachment");
    QTest::addRow("trailing slash") << QStringLiteral("dir/") << QByteArray("attachment");
}

void tst_DownloadHooks::contentDisposition()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, expected);
    QCOMPARE(qtus::contentDisposition(name), expected);
}

void tst_DownloadHooks::downloadWholeFile()
{
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray data = patternBytes(3 * MiB + 13, 42);  // several streamed pieces
    const QByteArray path = uploadWhole(s, data,
        metadataHeader({{"filename", "../../etc/\"pass\"wd"}, {"filetype", "image/png"}}));
    QVERIFY(!path.isEmpty());

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(get(path));
    QVERIFY(client.waitForResponses(1, 60000));
    const RawResponse r = client.responses().constFirst();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Length"), QByteArray::number(data.size()));
    QCOMPARE(r.body.size(), data.size());
    QVERIFY2(r.body == data, "downloaded bytes differ from the upload");
    QCOMPARE(r.header("Content-Type"), QByteArray("image/png"));
    QVERIFY(!r.hasHeader("Content-Range"));
    const QByteArray disposition = r.header("Content-Disposition");
    QVERIFY2(disposition.startsWith("attachment"), disposition.constData());
    QVERIFY2(disposition.contains("filename=\"_pass_wd\""), disposition.constData());
    QVERIFY2(!disposition.contains("..") && !disposition.contains("etc/") && !disposition.contains("\"pass\""),
             disposition.constData());

    // The connection goes on after a streamed body, with nothing stray on it.
    client.sendRequest(wire::head(path));
    QVERIFY(client.waitForResponses(2));
    QCOMPARE(client.responses().at(1).status, 200);
    QCOMPARE(client.responses().at(1).header("Upload-Offset"), QByteArray::number(data.size()));
    QCOMPARE(client.unparsed(), QByteArray());
    QVERIFY(!client.isClosed());
}

void tst_DownloadHooks::downloadRange_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("start");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<QByteArray>("contentRange");
    // the upload is 1000 bytes
    QTest::addRow("first ten") << QByteArray("bytes=0-9") << 206 << qint64(0) << qint64(10) << QByteArray("bytes 0-9/1000");
    QTest::addRow("open end") << QByteArray("bytes=10-") << 206 << qint64(10) << qint64(990)
                              << QByteArray("bytes 10-999/1000");
    QTest::addRow("suffix") << QByteArray("bytes=-5") << 206 << qint64(995) << qint64(5)
                            << QByteArray("bytes 995-999/1000");
    QTest::addRow("end past size clamps") << QByteArray("bytes=990-5000") << 206 << qint64(990) << qint64(10)
                                          << QByteArray("bytes 990-999/1000");
    QTest::addRow("start past size") << QByteArray("bytes=1000-") << 416 << qint64(0) << qint64(0)
                                     << QByteArray("bytes */1000");
    QTest::addRow("malformed") << QByteArray("bytes=abc") << 200 << qint64(0) << qint64(1000) << QByteArray();
    QTest::addRow("multi-range") << QByteArray("bytes=0-1,5-6") << 200 << qint64(0) << qint64(1000) << QByteArray();
}

void tst_DownloadHooks::downloadRange()
{
    QFETCH(QByteArray, range);
    QFETCH(int, status);
    QFETCH(qint64, start);
    QFETCH(qint64, length);
    QFETCH(QByteArray, contentRange);

    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray data = patternBytes(1000, 7);
    const QByteArray path = uploadWhole(s, data);
    QVERIFY(!path.isEmpty());
    const RawResponse r = exchange(s, get(path, "Range: " + range + "\r\n"));
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("Content-Range"), contentRange);
    if (status == 416)
        return;
    QCOMPARE(r.header("Content-Length"), QByteArray::number(length));
    QCOMPARE(r.body, data.mid(start, length));
}

void tst_DownloadHooks::downloadIncompleteIs404()
{
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray empty = s.createUpload(100);
    const QByteArray deferred = s.createUpload(0, true);
    const QByteArray partial = s.createUpload(100);
    QVERIFY(!empty.isEmpty() && !deferred.isEmpty() && !partial.isEmpty());
    QCOMPARE(exchange(s, wire::patch(partial, 0, patternBytes(60, 1))).status, 204);
    QCOMPARE(s.offset(partial), qint64(60));

    for (const QByteArray &path : {empty, deferred, partial}) {
        const RawResponse r = exchange(s, get(path));
        QVERIFY2(r.status == 404, path.constData());
    }
    QCOMPARE(exchange(s, get("/files/0123456789abcdef0123456789abcdef")).status, 404);
}

void tst_DownloadHooks::downloadDisabled()
{
    ServerUnderTest s;
    s.config.disableDownload = true;
    QVERIFY(s.start());
    const QByteArray path = uploadWhole(s, patternBytes(100, 3));
    QVERIFY(!path.isEmpty());
    const RawResponse r = exchange(s, get(path));
    QCOMPARE(r.status, 405);
    const QByteArray allow = r.header("Allow");
    QVERIFY2(!allow.isEmpty() && !allow.contains("GET"), allow.constData());
    QVERIFY2(allow.contains("HEAD") && allow.contains("PATCH"), allow.constData());
    // the upload itself is still there for tus clients
    QCOMPARE(exchange(s, wire::head(path)).status, 200);
}

void tst_DownloadHooks::getPipelinedBeforeHead()
{
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray data = patternBytes(3 * MiB + 1, 5);
    const QByteArray path = uploadWhole(s, data);
    QVERIFY(!path.isEmpty());

    PipelinedClient client;  // one write: the HEAD is already buffered while the GET streams
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(get(path) + wire::head(path) + get(path, "Range: bytes=0-3\r\n") + wire::head(path), false);
    client.sendRequest({}, true);
    client.sendRequest({}, false);
    client.sendRequest({}, true);
    QVERIFY(client.waitForResponses(4, 60000));
    const auto &rs = client.responses();
    QCOMPARE(rs.at(0).status, 200);
    QVERIFY2(rs.at(0).body == data, "the streamed body differs");
    QCOMPARE(rs.at(1).status, 200);
    QCOMPARE(rs.at(1).header("Upload-Offset"), QByteArray::number(data.size()));
    QCOMPARE(rs.at(2).status, 206);
    QCOMPARE(rs.at(2).body, data.left(4));
    QCOMPARE(rs.at(3).status, 200);
    QCOMPARE(rs.at(3).header("Upload-Length"), QByteArray::number(data.size()));
    QCOMPARE(client.unparsed(), QByteArray());
    QVERIFY(!client.isClosed());
}

void tst_DownloadHooks::preCreateVerdict_data()
{
    QTest::addColumn<QByteArray>("script");  // empty: a command that does not exist
    QTest::addColumn<int>("timeoutMs");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("bodyContains");
    QTest::addRow("accepts") << QByteArray("cat >/dev/null\nexit 0\n") << 5000 << 201 << QByteArray();
    QTest::addRow("refuses") << QByteArray("cat >/dev/null\necho \"no thanks\" >&2\necho second line >&2\nexit 3\n")
                             << 5000 << 403 << QByteArray("no thanks");
    QTest::addRow("times out") << QByteArray("exec sleep 5\n") << 300 << 503 << QByteArray();
    QTest::addRow("cannot start") << QByteArray() << 5000 << 503 << QByteArray();
}

void tst_DownloadHooks::preCreateVerdict()
{
    QFETCH(QByteArray, script);
    QFETCH(int, timeoutMs);
    QFETCH(int, status);
    QFETCH(QByteArray, bodyContains);

    QTemporaryDir scripts;
    QVERIFY(scripts.isValid());
    const QString command = script.isEmpty() ? scripts.filePath(QStringLiteral("no-such-hook"))
                                             : writeScript(scripts, QStringLiteral("pre-create.sh"), script);
    QVERIFY(!command.isEmpty());
    ServerUnderTest s;
    s.config.hookPreCreate = {command};
    s.config.hookTimeout = std::chrono::milliseconds(timeoutMs);
    QVERIFY(s.start());
    const int before = s.server().store().count();

    const RawResponse r = exchange(s, wire::post(100), 15000);
    QCOMPARE(r.status, status);
    if (!bodyContains.isEmpty()) {
        QVERIFY2(r.body.contains(bodyContains), r.body.constData());
        QVERIFY2(!r.body.contains("second line"), r.body.constData());  // the first line only
    }
    if (status == 201) {
        QCOMPARE(s.server().store().count(), before + 1);
        QCOMPARE(s.offset(pathOf(r)), qint64(0));
    } else {
        QVERIFY(!r.hasHeader("Location"));
        QCOMPARE(s.server().store().count(), before);
    }
}

void tst_DownloadHooks::preCreateEventOnStdin()
{
    QTemporaryDir scripts;
    QVERIFY(scripts.isValid());
    const QString eventFile = scripts.filePath(QStringLiteral("event.json"));
    ServerUnderTest s;
    s.config.hookPreCreate = {writeScript(scripts, QStringLiteral("pre-create.sh"), "cat > \"$1\"\n"), eventFile};
    QVERIFY(!s.config.hookPreCreate.constFirst().isEmpty());
    QVERIFY(s.start());

    const RawResponse r = exchange(s, wire::post(42, {}, metadataHeader({{"filename", "hello.txt"}, {"filetype", "text/plain"}})));
    QCOMPARE(r.status, 201);
    const QJsonObject event = readJson(eventFile);
    QVERIFY2(!event.isEmpty(), "the hook got no JSON object on stdin");
    QCOMPARE(event.value("Type").toString(), QStringLiteral("pre-create"));
    // tusd's shape: {"Type", "Event": {"Upload", "HTTPRequest"}}.
    const QJsonObject http = event.value("Event").toObject().value("HTTPRequest").toObject();
    QVERIFY2(http.value("RemoteAddr").toString().contains(QStringLiteral("127.0.0.1")), qPrintable(http.value("RemoteAddr").toString()));
    QCOMPARE(http.value("Method").toString(), QStringLiteral("POST"));
    const QJsonObject upload = event.value("Event").toObject().value("Upload").toObject();
    QCOMPARE(upload.value("Size").toInteger(), qint64(42));
    QCOMPARE(upload.value("SizeIsDeferred").toBool(true), false);
    const QJsonObject metadata = upload.value("MetaData").toObject();
    QCOMPARE(metadata.value("filename").toString(), QStringLiteral("hello.txt"));
    QCOMPARE(metadata.value("filetype").toString(), QStringLiteral("text/plain"));
    // The id the hook is told is the id the upload gets (issue 6: "id, length, metadata, ...").
    QCOMPARE(upload.value("ID").toString(), ServerUnderTest::idOf(pathOf(r)));
}

void tst_DownloadHooks::postFinishAfterResponse()
{
    QTemporaryDir scripts;
    QVERIFY(scripts.isValid());
    const QString eventFile = scripts.filePath(QStringLiteral("event.json"));
    ServerUnderTest s;
    // Slow on purpose; the file appears at once, complete, when the hook is done.
    s.config.hookPostFinish = {writeScript(scripts, QStringLiteral("post-finish.sh"),
                                           "sleep 1\ncat > \"$1.tmp\"\nmv \"$1.tmp\" \"$1\"\n"),
                               eventFile};
    QVERIFY(!s.config.hookPostFinish.constFirst().isEmpty());
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(1000);
    QVERIFY(!path.isEmpty());

    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(wire::patch(path, 0, patternBytes(600, 1)));
    QVERIFY(client.waitForResponses(1));
    QCOMPARE(client.responses().at(0).status, 204);
    QVERIFY2(!QFile::exists(eventFile), "post-finish ran on an incomplete upload");
    client.sendRequest(wire::patch(path, 600, patternBytes(400, 2)));
    QVERIFY(client.waitForResponses(2));
    QCOMPARE(client.responses().at(1).status, 204);
    QCOMPARE(client.responses().at(1).header("Upload-Offset"), QByteArray("1000"));
    QVERIFY2(!QFile::exists(eventFile), "the 204 waited for the post-finish hook");

    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(eventFile), 10000);
    const QJsonObject event = readJson(eventFile);
    QCOMPARE(event.value("Type").toString(), QStringLiteral("post-finish"));
    const QJsonObject upload = event.value("Event").toObject().value("Upload").toObject();
    QCOMPARE(upload.value("Storage").toObject().value("Path").toString(), s.server().fileStore().dataPath(ServerUnderTest::idOf(path)));
    QCOMPARE(upload.value("ID").toString(), ServerUnderTest::idOf(path));
    QCOMPARE(upload.value("Offset").toInteger(), qint64(1000));
    QCOMPARE(upload.value("Size").toInteger(), qint64(1000));
}

void tst_DownloadHooks::postFinishRetried()
{
    QTemporaryDir scripts;
    QVERIFY(scripts.isValid());
    const QString counter = scripts.filePath(QStringLiteral("attempts"));
    ServerUnderTest s;
    s.config.hookPostFinish = {writeScript(scripts, QStringLiteral("post-finish.sh"),
                                           "cat >/dev/null\necho attempt >> \"$1\"\necho boom >&2\nexit 1\n"),
                               counter};
    QVERIFY(!s.config.hookPostFinish.constFirst().isEmpty());
    QVERIFY(s.start());
    QSignalSpy failed(&s.server().hooks(), &UploadHooks::notificationFailed);
    QVERIFY(failed.isValid());
    const QByteArray path = s.createUpload(10);
    QVERIFY(!path.isEmpty());

    QCOMPARE(exchange(s, wire::patch(path, 0, patternBytes(10, 4))).status, 204);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 8000);  // the retries wait 1 s, then 2 s
    QCOMPARE(lineCount(counter), UploadHooks::attempts);  // no more, no fewer, when it gives up
    QCOMPARE(failed.at(0).at(0).value<HookType>(), HookType::PostFinish);
    QCOMPARE(failed.at(0).at(1).toString(), ServerUnderTest::idOf(path));
    QVERIFY2(failed.at(0).at(2).toString().contains(QStringLiteral("boom")), qPrintable(failed.at(0).at(2).toString()));
    // the upload itself is unaffected
    QCOMPARE(s.offset(path), qint64(10));
}

QTEST_GUILESS_MAIN(tst_DownloadHooks)
#include "tst_downloadhooks.moc"

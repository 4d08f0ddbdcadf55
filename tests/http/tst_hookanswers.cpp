// What a hook's answer does, over real sockets, with real hook programs (--hooks-dir) and a
// real HTTP hook service (a QTcpServer in this process, --hooks-http): parseHookResponse
// on good and bad answers; ChangeFileInfo choosing the id and metadata, and a clash being a
// 409 that overwrites nothing; pre-finish and pre-terminate refusals; StopUpload ending an
// upload while its PATCH is still streaming; post-receive told during a long body; the
// headers a hook sees (--hooks-forward-headers); a failing HTTP hook failing closed.
#include "hookevent.h"
#include "hookscripts.h"
#include "intakefixture.h"
#include "pipelinedclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTest>

using namespace qtus;

namespace {

const QString fixedId = QStringLiteral("5b1d0c2e9f8a47b6a1c3d5e7f9012345");


RawResponse exchange(ServerUnderTest &s, const QByteArray &request, int timeoutMs = 10000)
{
    return exchangeOnce(s.port(), request, timeoutMs);
}

// A hook program answering `answer` on stdout (after reading its event).
QString answering(const QTemporaryDir &dir, const QString &event, const QByteArray &answer)
{
    return writeScript(dir, event, "cat >/dev/null\nprintf '%s' '" + answer + "'\n");
}

// A hook service: every POST is recorded and answered with status and body.
class HookService : public QObject
{
public:
    int status = 200;
    QByteArray answer = "{}";
    QList<QJsonObject> events;

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/hook").arg(m_server.serverPort()); }

    HookService()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto *buffer = new QByteArray;
                connect(socket, &QObject::destroyed, this, [buffer] { delete buffer; });
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] { serve(socket, buffer); });
            }
        });
    }

private:
    void serve(QTcpSocket *socket, QByteArray *buffer)
    {
        *buffer += socket->readAll();
        for (;;) {
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            qint64 length = 0;
            for (const QByteArray &line : buffer->left(end).split('\n'))
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            if (buffer->size() < end + 4 + length)
                return;
            events << QJsonDocument::fromJson(buffer->mid(end + 4, length)).object();
            buffer->remove(0, end + 4 + length);
            socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: application/json\r\nContent-Length: "
                          + QByteArray::number(answer.size()) + "\r\n\r\n" + answer);
        }
    }

    QTcpServer m_server;
};

QJsonObject uploadOf(const QJsonObject &event) { return event.value("Event").toObject().value("Upload").toObject(); }

} // namespace

class tst_HookAnswers : public QObject
{
    Q_OBJECT

private slots:
    void parseAnswer_data();
    void parseAnswer();
    void forwardedHeaders();

    void changeFileInfoChoosesIdAndMetadata();
    void preFinishRefusalKeepsUploadIncomplete();
    void preTerminateRefusalKeepsUpload();
    void stopUploadWhileStreaming();
    void progressDuringLongBody();
    void cookieOnlyWhenListed();
    void httpHookAnswersAndFailsClosed();
};

void tst_HookAnswers::parseAnswer_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty answer accepts") << QByteArray("") << true;
    QTest::newRow("empty object accepts") << QByteArray("{}") << true;
    QTest::newRow("rejection with a response") << QByteArray(R"({"RejectUpload":true,"HTTPResponse":{"StatusCode":401,"Body":"no","Header":{"WWW-Authenticate":"Bearer"}}})") << true;
    QTest::newRow("change id and metadata") << QByteArray(R"({"ChangeFileInfo":{"ID":"5b1d0c2e9f8a47b6a1c3d5e7f9012345","MetaData":{"a":"b"}}})") << true;
    QTest::newRow("not JSON") << QByteArray("yes please") << false;
    QTest::newRow("an array") << QByteArray("[]") << false;
    QTest::newRow("status below 200") << QByteArray(R"({"RejectUpload":true,"HTTPResponse":{"StatusCode":42}})") << false;
    QTest::newRow("status above 599") << QByteArray(R"({"RejectUpload":true,"HTTPResponse":{"StatusCode":600}})") << false;
    QTest::newRow("header with a line break") << QByteArray(R"({"HTTPResponse":{"Header":{"X-A":"1\r\nSet-Cookie: x=1"}}})") << false;
    QTest::newRow("header name not a token") << QByteArray(R"({"HTTPResponse":{"Header":{"X A":"1"}}})") << false;
    QTest::newRow("id with a slash") << QByteArray(R"({"ChangeFileInfo":{"ID":"../../etc/passwd"}})") << false;
    QTest::newRow("id in upper case") << QByteArray(R"({"ChangeFileInfo":{"ID":"5B1D0C2E9F8A47B6A1C3D5E7F9012345"}})") << false;
    QTest::newRow("metadata key with a space") << QByteArray(R"({"ChangeFileInfo":{"MetaData":{"a b":"c"}}})") << false;
    QTest::newRow("metadata value not a string") << QByteArray(R"({"ChangeFileInfo":{"MetaData":{"a":1}}})") << false;
    QTest::newRow("body too long") << QByteArray(R"({"HTTPResponse":{"Body":")" + QByteArray(maxHookResponseBody + 1, 'x') + "\"}}") << false;
    QTest::newRow("RejectUpload not a bool") << QByteArray(R"({"RejectUpload":"yes"})") << false;
}

void tst_HookAnswers::parseAnswer()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    QString why;
    const auto answer = parseHookResponse(json, &why);
    QCOMPARE(answer.has_value(), valid);
    if (!valid)
        QVERIFY2(!why.isEmpty(), "a refused answer says why");
}

void tst_HookAnswers::forwardedHeaders()
{
    const HeaderList headers{{"Authorization", "Bearer t"}, {"Cookie", "session=s"}, {"X-Trace", "1"}};
    const HeaderList all = qtus::forwardedHeaders(headers, {});
    QCOMPARE(all.size(), 2);
    for (const auto &h : all)
        QVERIFY2(h.first.compare("Cookie", Qt::CaseInsensitive) != 0, "Cookie is not forwarded unless listed");
    const HeaderList listed = qtus::forwardedHeaders(headers, {"cookie", "authorization"});
    QCOMPARE(listed.size(), 2);
    QCOMPARE(listed.at(0).first, QByteArray("Authorization"));
    QCOMPARE(listed.at(1).first, QByteArray("Cookie"));
}

void tst_HookAnswers::changeFileInfoChoosesIdAndMetadata()
{
    QTemporaryDir hooks;
    QVERIFY(hooks.isValid());
    QVERIFY(!answering(hooks, QStringLiteral("pre-create"),
                       R"({"ChangeFileInfo":{"ID":")" + fixedId.toLatin1() + R"(","MetaData":{"filename":"renamed.txt","owner":"alice"}}})")
                 .isEmpty());
    ServerUnderTest s;
    s.config.hooksDir = hooks.path();
    QVERIFY(s.start());

    const QByteArray first = patternBytes(10, 1);
    const RawResponse created = exchange(s, wire::post(10, first, "Upload-Metadata: filename b3JpZ2luYWwudHh0\r\n"));
    QCOMPARE(created.status, 201);
    QCOMPARE(ServerUnderTest::idOf(pathOf(created)), fixedId);
    const auto info = s.server().store().find(fixedId);
    QVERIFY(info.has_value());
    QCOMPARE(info->offset, qint64(10));
    const RawResponse head = exchange(s, wire::head(pathOf(created)));
    QCOMPARE(head.status, 200);
    QCOMPARE(head.header("Upload-Metadata"), QByteArray("filename cmVuYW1lZC50eHQ=,owner YWxpY2U="));
    QFile infoFile(s.server().fileStore().dataPath(fixedId) + QStringLiteral(".info"));
    QVERIFY(infoFile.open(QIODevice::ReadOnly));
    const QByteArray infoText = infoFile.readAll();
    QVERIFY2(infoText.contains("renamed.txt") && !infoText.contains("original.txt"), infoText.constData());

    // The same id again: a conflict, and the first upload is untouched.
    const RawResponse clash = exchange(s, wire::post(10, patternBytes(10, 2)));
    QCOMPARE(clash.status, 409);
    QVERIFY(!clash.hasHeader("Location"));
    QCOMPARE(s.storedBytes(pathOf(created)), first);
    QCOMPARE(s.server().store().count(), 1);
}

void tst_HookAnswers::preFinishRefusalKeepsUploadIncomplete()
{
    QTemporaryDir hooks;
    QVERIFY(hooks.isValid());
    QVERIFY(!answering(hooks, QStringLiteral("pre-finish"),
                       R"({"RejectUpload":true,"HTTPResponse":{"StatusCode":422,"Body":"virus found"}})").isEmpty());
    ServerUnderTest s;
    s.config.hooksDir = hooks.path();
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(100);
    QVERIFY(!path.isEmpty());

    QCOMPARE(exchange(s, wire::patch(path, 0, patternBytes(60, 1))).status, 204);  // not the end: no hook
    const RawResponse refused = exchange(s, wire::patch(path, 60, patternBytes(40, 2)));
    QCOMPARE(refused.status, 422);
    QCOMPARE(refused.body, QByteArray("virus found"));
    QCOMPARE(s.offset(path), qint64(60));
    QCOMPARE(s.storedBytes(path), patternBytes(60, 1));  // the refused bytes are not kept
    QVERIFY(!s.server().store().find(ServerUnderTest::idOf(path))->completedAt.isValid());
}

void tst_HookAnswers::preTerminateRefusalKeepsUpload()
{
    QTemporaryDir hooks;
    QVERIFY(hooks.isValid());
    QVERIFY(!answering(hooks, QStringLiteral("pre-terminate"),
                       R"({"RejectTermination":true,"HTTPResponse":{"StatusCode":403,"Body":"this one stays"}})").isEmpty());
    ServerUnderTest s;
    s.config.hooksDir = hooks.path();
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    QVERIFY(!path.isEmpty());
    QCOMPARE(exchange(s, wire::patch(path, 0, patternBytes(4, 1))).status, 204);

    const RawResponse refused = exchange(s, wire::remove(path));
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.body, QByteArray("this one stays"));
    QCOMPARE(s.offset(path), qint64(4));
    QCOMPARE(s.storedBytes(path), patternBytes(4, 1));
}

void tst_HookAnswers::stopUploadWhileStreaming()
{
    QTemporaryDir hooks;
    QVERIFY(hooks.isValid());
    QVERIFY(!answering(hooks, QStringLiteral("post-receive"), R"({"StopUpload":true})").isEmpty());
    ServerUnderTest s;
    s.config.hooksDir = hooks.path();
    s.config.hooksProgressInterval = Duration(0);
    QVERIFY(s.start());
    const qint64 size = 4 * 1024 * 1024;
    const QByteArray path = s.createUpload(size);
    QVERIFY(!path.isEmpty());
    const QString dataFile = s.server().fileStore().dataPath(ServerUnderTest::idOf(path));

    // Half the body, then the client waits: the hook stops the upload under it.
    PipelinedClient writer;
    QVERIFY(writer.connectTo(s.port()));
    writer.sendRequest(wire::patchHead(path, 0, size) + patternBytes(size / 2, 3));
    QTRY_COMPARE_WITH_TIMEOUT(s.offset(path), qint64(-1), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(writer.isClosed(), 10000);  // the request writing it was ended
    QVERIFY(!QFile::exists(dataFile));
    QCOMPARE(exchange(s, wire::patch(path, 0, "x")).status, 404);
}

void tst_HookAnswers::progressDuringLongBody()
{
    HookService service;
    QVERIFY(service.listen());
    ServerUnderTest s;
    s.config.hooksHttp = service.url();
    s.config.hooksEnabledEvents = {QStringLiteral("post-receive")};
    s.config.hooksProgressInterval = Duration(0);
    QVERIFY(s.start());
    const qint64 size = 2 * 1024 * 1024;
    const QByteArray path = s.createUpload(size);
    QVERIFY(!path.isEmpty());

    // Half the body arrives and the request goes on: post-receive has heard of it already.
    PipelinedClient writer;
    QVERIFY(writer.connectTo(s.port()));
    writer.sendRequest(wire::patchHead(path, 0, size) + patternBytes(size / 2, 5));
    QTRY_VERIFY_WITH_TIMEOUT(!service.events.isEmpty(), 10000);
    QCOMPARE(service.events.constFirst().value("Type").toString(), QStringLiteral("post-receive"));
    const qint64 told = uploadOf(service.events.constFirst()).value("Offset").toInteger();
    QVERIFY2(told > 0 && told <= size / 2, QByteArray::number(told).constData());
    QCOMPARE(writer.responses().size(), 0);  // still streaming
    writer.sendRequest(patternBytes(size / 2, 6));
    QVERIFY(writer.waitForResponses(1));
    QCOMPARE(writer.responses().constFirst().status, 204);
}

void tst_HookAnswers::cookieOnlyWhenListed()
{
    HookService service;
    QVERIFY(service.listen());
    for (const bool listed : {false, true}) {
        service.events.clear();
        ServerUnderTest s;
        s.config.hooksHttp = service.url();
        s.config.hooksEnabledEvents = {QStringLiteral("pre-create")};
        if (listed)
            s.config.hooksForwardHeaders = {QStringLiteral("Cookie"), QStringLiteral("Authorization")};
        QVERIFY(s.start());
        QCOMPARE(exchange(s, wire::post(5, {}, "Cookie: session=s3cret\r\nAuthorization: Bearer t\r\nX-Trace: 7\r\n")).status, 201);
        QCOMPARE(service.events.size(), 1);
        const QJsonObject header = service.events.constFirst().value("Event").toObject().value("HTTPRequest").toObject()
                                       .value("Header").toObject();
        QCOMPARE(header.value("Cookie").toArray().first().toString(), listed ? QStringLiteral("session=s3cret") : QString());
        QCOMPARE(header.value("Authorization").toArray().first().toString(), QStringLiteral("Bearer t"));
        QCOMPARE(header.contains(QStringLiteral("X-Trace")), !listed);  // a list is exactly what is forwarded
    }
}

void tst_HookAnswers::httpHookAnswersAndFailsClosed()
{
    HookService service;
    QVERIFY(service.listen());
    ServerUnderTest s;
    s.config.hooksHttp = service.url();
    s.config.hooksEnabledEvents = {QStringLiteral("pre-create")};
    QVERIFY(s.start());

    service.answer = R"({"RejectUpload":true,"HTTPResponse":{"StatusCode":401,"Body":"log in","Header":{"WWW-Authenticate":"Bearer"}}})";
    RawResponse r = exchange(s, wire::post(5));
    QCOMPARE(r.status, 401);
    QCOMPARE(r.body, QByteArray("log in"));
    QCOMPARE(r.header("WWW-Authenticate"), QByteArray("Bearer"));

    service.status = 500;
    service.answer = "{}";
    r = exchange(s, wire::post(5));
    QCOMPARE(r.status, 503);  // a failing hook refuses
    service.status = 200;
    service.answer = "not JSON";
    r = exchange(s, wire::post(5));
    QCOMPARE(r.status, 503);  // so does one answering what cannot be read
    QVERIFY2(r.body.contains("pre-create"), r.body.constData());
    QCOMPARE(s.server().store().count(), 0);

    service.answer = "";
    QCOMPARE(exchange(s, wire::post(5)).status, 201);
    QCOMPARE(s.server().store().count(), 1);
    QCOMPARE(service.events.size(), 4);
}

QTEST_GUILESS_MAIN(tst_HookAnswers)
#include "tst_hookanswers.moc"

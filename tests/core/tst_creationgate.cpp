// With --hook-pre-create, a creation happens only with the hook's HookApproval, whatever
// entry point a request reaches the handler through: handle() (which cannot wait for a hook)
// answers 503, startBody() without an approval hands back the planned upload and creates
// nothing, and with the approval of a real hook run the upload gets the id the hook was told.
#include "tushandlerfixture.h"
#include "uploadhooks.h"

#include <QSignalSpy>

using namespace qtus;
using namespace qtus::test;

class tst_CreationGate : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init();
    void handleFailsClosed_data();
    void handleFailsClosed();
    void startBodyWithoutApprovalCreatesNothing();
    void approvalCreatesUnderTheToldId();

private:
    void startWithHook();
};

void tst_CreationGate::init() { setUpFixture(); }

void tst_CreationGate::startWithHook()
{
    ServerConfig config;
    config.dir = m_storeDir;
    config.expireAfter = 1h;
    config.fsync = FsyncPolicy::Never;
    config.hookPreCreate = {QStringLiteral("/bin/true")};
    m_handler = std::make_unique<TusHandler>(config, *m_store, m_locks, m_clock);
}

void tst_CreationGate::handleFailsClosed_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("creation") << QByteArray("POST") << QByteArrayList{"Upload-Length: 5"} << QByteArray();
    QTest::addRow("creation-with-upload") << QByteArray("POST") << QByteArrayList{"Upload-Length: 5", octet} << QByteArray("hello");
    QTest::addRow("partial") << QByteArray("POST") << QByteArrayList{"Upload-Length: 5", "Upload-Concat: partial"} << QByteArray();
    QTest::addRow("final") << QByteArray("POST") << QByteArrayList{"Upload-Concat: final;/files/{part}"} << QByteArray();
    QTest::addRow("PATCH overridden to POST") << QByteArray("PATCH") << QByteArrayList{"Upload-Length: 5", "X-HTTP-Method-Override: POST"} << QByteArray();
}

void tst_CreationGate::handleFailsClosed()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArrayList, headers);
    QFETCH(QByteArray, body);
    // A complete partial to name in a final, made before the hook was configured.
    const TusResponse part = send("POST", "/files/", {"Upload-Concat: partial", "Upload-Length: 1", octet}, "x");
    QCOMPARE(part.status, 201);
    for (QByteArray &h : headers)
        h.replace("{part}", pathOf(part).mid(7));
    startWithHook();
    const int before = m_store->count();
    const TusResponse r = send(method, "/files/", headers, body);
    QCOMPARE(r.status, method == "POST" ? 503 : 405);
    checkHygiene("POST", r);
    QCOMPARE(m_store->count(), before);
    QCOMPARE(filesInStore(), 2);  // the partial's .info and data file, nothing else
}

void tst_CreationGate::startBodyWithoutApprovalCreatesNothing()
{
    startWithHook();
    TusRequest request;
    request.method = "POST";
    request.path = "/files/";
    request.headers = {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}, {"Upload-Metadata", "filename eA=="}};
    BodyDecision decision = m_handler->startBody(request, 0);
    QVERIFY(!decision.response);
    QVERIFY(decision.preCreate);
    QVERIFY(isValidUploadId(decision.preCreate->id));
    QCOMPARE(decision.preCreate->size, qint64(5));
    QCOMPARE(decision.preCreate->metadataHeader, QByteArray("filename eA=="));
    QVERIFY(!decision.body.writer.isOpen());
    QCOMPARE(m_store->count(), 0);
    QCOMPARE(filesInStore(), 0);
}

void tst_CreationGate::approvalCreatesUnderTheToldId()
{
    startWithHook();
    TusRequest request;
    request.method = "POST";
    request.path = "/files/";
    request.headers = {{"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}};
    const BodyDecision asked = m_handler->startBody(request, 0);
    QVERIFY(asked.preCreate);
    HookSettings settings;
    settings.commands.insert(HookType::PreCreate, {QStringLiteral("/bin/true")});
    settings.commandTimeout = std::chrono::seconds(10);
    UploadHooks hooks(settings);
    std::optional<HookVerdict> verdict;
    QObject context;
    hooks.decide(HookType::PreCreate, *asked.preCreate, HookRequest(), &context, [&verdict](const HookVerdict &v) { verdict = v; });
    QTRY_VERIFY(verdict.has_value());
    QVERIFY(verdict->allowed);
    QVERIFY(verdict->approval);
    QCOMPARE(verdict->approval->uploadId(), asked.preCreate->id);
    BodyDecision created = m_handler->startBody(request, 0, &*verdict->approval);
    QVERIFY(created.response);
    QCOMPARE(created.response->status, 201);
    QVERIFY(created.response->header("Location").endsWith(asked.preCreate->id.toLatin1()));
    QVERIFY(m_store->find(asked.preCreate->id));
}

QTEST_GUILESS_MAIN(tst_CreationGate)
#include "tst_creationgate.moc"

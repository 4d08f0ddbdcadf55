// UploadInfo and its <id>.info JSON form: tusd's field names, qtus's own timestamps, loading
// tusd-written documents, rejecting documents that cannot be trusted, and the session state
// at a given time.
#include "headervalues.h"
#include "uploadinfo.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace qtus;
using namespace std::chrono_literals;

namespace {

const QString someId = QStringLiteral("0123456789abcdef0123456789abcdef");
const QDateTime t0(QDate(2026, 1, 1), QTime(12, 0, 0, 250), Qt::UTC);

UploadInfo sampleInfo()
{
    UploadInfo info;
    info.id = someId;
    info.size = 1000;
    info.offset = 400;
    info.metadataHeader = "filename cmVwb3J0LnBkZg==,empty,blob " + QByteArray("\xff\x00\xfe", 3).toBase64();
    info.createdAt = t0;
    info.lastActivityAt = t0.addSecs(30);
    return info;
}

QJsonObject jsonOf(const QByteArray &document)
{
    const QJsonDocument doc = QJsonDocument::fromJson(document);
    return doc.object();
}

} // namespace

class tst_UploadInfo : public QObject
{
    Q_OBJECT
private slots:
    void infoJsonMatchesQtJson_data();
    void infoJsonMatchesQtJson();
    void isoDateMatchesQt_data();
    void isoDateMatchesQt();
    void roundTrip();
    void tusdFieldNames();
    void completedHasNoExpiry();
    void deferredSize();
    void partialUploadsRoundTrip();
    void loadsTusdInfo();
    void rejected_data();
    void rejected();
    void stateAt_data();
    void stateAt();
    void fileName();
};

void tst_UploadInfo::infoJsonMatchesQtJson_data()
{
    QTest::addColumn<QByteArray>("metadata");
    QTest::addColumn<QStringList>("parts");
    QTest::addColumn<bool>("complete");
    const auto b64 = [](const QByteArray &bytes) { return bytes.toBase64(); };
    QTest::newRow("none") << QByteArray() << QStringList() << false;
    QTest::newRow("sample") << sampleInfo().metadataHeader << QStringList() << false;
    QTest::newRow("quotes, backslashes, controls")
        << "name " + b64("a\"b\\c\n\r\t\b\f\x01\x1f\x7f end") + ",k\"ey " + b64("v") << QStringList() << false;
    QTest::newRow("UTF-8 and invalid UTF-8") << "name " + b64("gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80")
            + ",bad " + b64("\xc3\x28\xff\xfe\xed\xa0\x80") << QStringList() << true;
    QTest::newRow("not valid metadata") << QByteArray("key !!!, \"x\\y\"") << QStringList() << false;
    QTest::newRow("final upload") << QByteArray() << QStringList{someId, QStringLiteral("a\"b")} << true;
}

void tst_UploadInfo::infoJsonMatchesQtJson()
{
    // toInfoJson writes JSON by hand; whatever the metadata, Qt's own JSON must read back
    // exactly the object the QJsonObject-based writer produced.
    QFETCH(QByteArray, metadata);
    QFETCH(QStringList, parts);
    QFETCH(bool, complete);
    UploadInfo info = sampleInfo();
    info.metadataHeader = metadata;
    info.partialUploads = parts;
    info.isFinal = !parts.isEmpty();
    if (complete) {
        info.offset = info.size;
        info.completedAt = t0.addSecs(60);
    }
    const QJsonObject expected{
        {QStringLiteral("ID"), info.id},
        {QStringLiteral("Size"), info.size},
        {QStringLiteral("SizeIsDeferred"), false},
        {QStringLiteral("Offset"), info.offset},
        {QStringLiteral("MetaData"), info.metadataObject()},
        {QStringLiteral("RawMetaData"), QString::fromLatin1(info.metadataHeader)},
        {QStringLiteral("IsPartial"), false},
        {QStringLiteral("IsFinal"), info.isFinal},
        {QStringLiteral("PartialUploads"),
         parts.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(QJsonArray::fromStringList(parts))},
        {QStringLiteral("Storage"), QJsonObject{{QStringLiteral("Type"), QStringLiteral("filestore")}}},
        {QStringLiteral("CreatedAt"), info.createdAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("LastActivityAt"), info.lastActivityAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("ExpiresAt"), complete ? QString() : info.expiresAt(1h).toString(Qt::ISODateWithMs)},
        {QStringLiteral("CompletedAt"), complete ? info.completedAt.toString(Qt::ISODateWithMs) : QString()},
    };
    const QByteArray written = toInfoJson(info, 1h);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(written, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + '\n' + written));
    QCOMPARE(doc.object(), expected);
    QString why;
    const auto back = fromInfoJson(written, &why);
    QVERIFY2(back, qPrintable(why));
    QCOMPARE(back->metadataHeader, metadata);
    QCOMPARE(back->partialUploads, parts);
}

void tst_UploadInfo::isoDateMatchesQt_data()
{
    QTest::addColumn<qint64>("msecs");
    QTest::newRow("epoch") << qint64(0);
    QTest::newRow("2026 with ms") << qint64(1767272400123);
    QTest::newRow("leap day") << qint64(1709210096007);
    QTest::newRow("end of 9999") << qint64(253402300799999);
    QTest::newRow("before 1970") << qint64(-1);
    QTest::newRow("1900") << qint64(-2208988800000 + 1);
}

void tst_UploadInfo::isoDateMatchesQt()
{
    // The .info writer formats dates by hand; it must write what Qt's ISO format writes.
    QFETCH(qint64, msecs);
    const QDateTime utc = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
    QCOMPARE(isoDateUtc(utc), utc.toString(Qt::ISODateWithMs));
    const QDateTime local = utc.toLocalTime();  // the same instant in another zone
    QCOMPARE(isoDateUtc(local), utc.toString(Qt::ISODateWithMs));
    QCOMPARE(isoDateUtc(QDateTime()), QString());
}

void tst_UploadInfo::roundTrip()
{
    const UploadInfo info = sampleInfo();
    QString error;
    const auto back = fromInfoJson(toInfoJson(info, 1h), &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->id, info.id);
    QCOMPARE(back->size, info.size);
    QCOMPARE(back->sizeIsDeferred, false);
    QCOMPARE(back->offset, info.offset);
    QCOMPARE(back->metadataHeader, info.metadataHeader);  // rule H6: exactly as sent, binary too
    QCOMPARE(back->isPartial, false);
    QCOMPARE(back->isFinal, false);
    QVERIFY(back->partialUploads.isEmpty());
    QCOMPARE(back->createdAt, info.createdAt);            // milliseconds survive
    QCOMPARE(back->lastActivityAt, info.lastActivityAt);
    QVERIFY(!back->completedAt.isValid());
}

void tst_UploadInfo::tusdFieldNames()
{
    const UploadInfo info = sampleInfo();
    const QJsonObject o = jsonOf(toInfoJson(info, 1h));
    QCOMPARE(o.value(QLatin1String("ID")).toString(), someId);
    QCOMPARE(o.value(QLatin1String("Size")).toInteger(), qint64(1000));
    QVERIFY(o.value(QLatin1String("SizeIsDeferred")).isBool());
    QCOMPARE(o.value(QLatin1String("Offset")).toInteger(), qint64(400));
    QVERIFY(o.value(QLatin1String("IsPartial")).isBool());
    QVERIFY(o.value(QLatin1String("IsFinal")).isBool());
    QVERIFY(o.contains(QLatin1String("PartialUploads")));
    QCOMPARE(o.value(QLatin1String("Storage")).toObject().value(QLatin1String("Type")).toString(),
             QStringLiteral("filestore"));
    // tusd keeps metadata decoded, as a string map.
    const QJsonObject meta = o.value(QLatin1String("MetaData")).toObject();
    QCOMPARE(meta.value(QLatin1String("filename")).toString(), QStringLiteral("report.pdf"));
    QCOMPARE(meta.value(QLatin1String("empty")).toString(), QString());
    // qtus's own fields, ISO-8601 UTC.
    QCOMPARE(o.value(QLatin1String("CreatedAt")).toString(), QStringLiteral("2026-01-01T12:00:00.250Z"));
    QCOMPARE(o.value(QLatin1String("LastActivityAt")).toString(), QStringLiteral("2026-01-01T12:00:30.250Z"));
    QCOMPARE(o.value(QLatin1String("ExpiresAt")).toString(), QStringLiteral("2026-01-01T13:00:30.250Z"));
    QCOMPARE(o.value(QLatin1String("CompletedAt")).toString(), QString());
}

void tst_UploadInfo::completedHasNoExpiry()
{
    UploadInfo info = sampleInfo();
    info.offset = info.size;
    info.completedAt = t0.addSecs(60);
    const QByteArray json = toInfoJson(info, 1h);
    QCOMPARE(jsonOf(json).value(QLatin1String("ExpiresAt")).toString(), QString());
    const auto back = fromInfoJson(json);
    QVERIFY(back);
    QVERIFY(back->isComplete());
    QCOMPARE(back->completedAt, info.completedAt);
}

void tst_UploadInfo::deferredSize()
{
    UploadInfo info = sampleInfo();
    info.sizeIsDeferred = true;
    info.size = 0;
    info.offset = 5000;  // more than any size: a deferred upload is never complete
    QVERIFY(!info.isComplete());
    const QByteArray json = toInfoJson(info, 1h);
    const QJsonObject o = jsonOf(json);
    QCOMPARE(o.value(QLatin1String("SizeIsDeferred")).toBool(), true);
    QCOMPARE(o.value(QLatin1String("Size")).toInteger(), qint64(0));
    QVERIFY(!o.value(QLatin1String("ExpiresAt")).toString().isEmpty());
    const auto back = fromInfoJson(json);
    QVERIFY(back);
    QVERIFY(back->sizeIsDeferred);
    QVERIFY(!back->isComplete());
    QCOMPARE(back->stateAt(t0.addSecs(31), 1h), SessionState::Active);
}

void tst_UploadInfo::partialUploadsRoundTrip()
{
    UploadInfo info = sampleInfo();
    info.isFinal = true;
    info.partialUploads = {QStringLiteral("aaaa"), QStringLiteral("bbbb")};
    const auto back = fromInfoJson(toInfoJson(info, 1h));
    QVERIFY(back);
    QVERIFY(back->isFinal);
    QCOMPARE(back->partialUploads, info.partialUploads);
}

void tst_UploadInfo::loadsTusdInfo()
{
    // As tusd's filestore writes it: no RawMetaData, no qtus timestamps.
    const QByteArray tusd = R"({"ID":"d2b8c1a7e0f34c56a8b9c0d1e2f3a4b5","Size":11,"SizeIsDeferred":false,)"
                            R"("Offset":0,"MetaData":{"filename":"hello.txt","filetype":"text/plain"},)"
                            R"("IsPartial":false,"IsFinal":false,"PartialUploads":null,)"
                            R"("Storage":{"InfoPath":"/srv/d2b8.info","Path":"/srv/d2b8","Type":"filestore"}})";
    QString error;
    const auto info = fromInfoJson(tusd, &error);
    QVERIFY2(info, qPrintable(error));
    QCOMPARE(info->id, QStringLiteral("d2b8c1a7e0f34c56a8b9c0d1e2f3a4b5"));
    QCOMPARE(info->size, qint64(11));
    QVERIFY(!info->sizeIsDeferred);
    QVERIFY(info->partialUploads.isEmpty());
    QVERIFY(!info->createdAt.isValid());  // the store fills these in from the data file
    QVERIFY(!info->completedAt.isValid());
    // The header is rebuilt from the decoded map and decodes to the same values.
    QCOMPARE(info->fileName(), QStringLiteral("hello.txt"));
    QVERIFY(info->metadataHeader.contains("filetype " + QByteArray("text/plain").toBase64()));
}

void tst_UploadInfo::rejected_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addRow("empty file") << QByteArray();
    QTest::addRow("garbage") << QByteArray("\x00\x01garbage", 9);
    QTest::addRow("truncated JSON") << QByteArray(R"({"ID":"abc","Size":1)");
    QTest::addRow("array, not object") << QByteArray(R"([{"ID":"abc","Size":1}])");
    QTest::addRow("missing ID") << QByteArray(R"({"Size":1,"Offset":0})");
    QTest::addRow("empty ID") << QByteArray(R"({"ID":"","Size":1})");
    QTest::addRow("numeric ID") << QByteArray(R"({"ID":42,"Size":1})");
    QTest::addRow("ID with path") << QByteArray(R"({"ID":"../../etc/passwd","Size":1})");
    QTest::addRow("ID with slash") << QByteArray(R"({"ID":"a/b","Size":1})");
    QTest::addRow("ID with space") << QByteArray(R"({"ID":"a b","Size":1})");
    QTest::addRow("ID with non-ASCII") << QByteArray("{\"ID\":\"caf\xc3\xa9\",\"Size\":1}");
    QTest::addRow("ID too long") << QByteArray(R"({"ID":")" + QByteArray(129, 'a') + R"(","Size":1})");
    QTest::addRow("missing Size") << QByteArray(R"({"ID":"abc"})");
    QTest::addRow("negative Size") << QByteArray(R"({"ID":"abc","Size":-1})");
    QTest::addRow("string Size") << QByteArray(R"({"ID":"abc","Size":"10"})");
}

void tst_UploadInfo::rejected()
{
    QFETCH(QByteArray, json);
    QString error;
    const auto info = fromInfoJson(json, &error);
    QVERIFY(!info);
    QVERIFY(!error.isEmpty());
}

void tst_UploadInfo::stateAt_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<bool>("deferred");
    QTest::addColumn<qint64>("secondsAfterActivity");
    QTest::addColumn<SessionState>("state");

    // expire-after is 10 minutes in every row; last activity is t0.
    QTest::addRow("E3 fresh incomplete") << qint64(100) << qint64(10) << false << qint64(0) << SessionState::Active;
    QTest::addRow("E3 just before expiry") << qint64(100) << qint64(10) << false << qint64(599) << SessionState::Active;
    QTest::addRow("E3 at expiry") << qint64(100) << qint64(10) << false << qint64(600) << SessionState::Expired;
    QTest::addRow("E3 long after expiry") << qint64(100) << qint64(10) << false << qint64(86400) << SessionState::Expired;
    QTest::addRow("E3 completed never expires") << qint64(100) << qint64(100) << false << qint64(86400) << SessionState::Completed;
    QTest::addRow("CR6 empty upload is complete") << qint64(0) << qint64(0) << false << qint64(86400) << SessionState::Completed;
    QTest::addRow("DL1 deferred active") << qint64(0) << qint64(0) << true << qint64(10) << SessionState::Active;
    QTest::addRow("DL1 deferred expires") << qint64(0) << qint64(50) << true << qint64(601) << SessionState::Expired;
}

void tst_UploadInfo::stateAt()
{
    QFETCH(qint64, size);
    QFETCH(qint64, offset);
    QFETCH(bool, deferred);
    QFETCH(qint64, secondsAfterActivity);
    QFETCH(SessionState, state);
    UploadInfo info;
    info.id = someId;
    info.size = size;
    info.offset = offset;
    info.sizeIsDeferred = deferred;
    info.createdAt = t0.addDays(-1);
    info.lastActivityAt = t0;
    QCOMPARE(info.expiresAt(10min), t0.addSecs(600));
    QCOMPARE(info.stateAt(t0.addSecs(secondsAfterActivity), 10min), state);
}

void tst_UploadInfo::fileName()
{
    UploadInfo info = sampleInfo();
    QCOMPARE(info.fileName(), QStringLiteral("report.pdf"));
    info.metadataHeader = "name " + QByteArray("x.bin").toBase64();
    QCOMPARE(info.fileName(), QStringLiteral("x.bin"));
    info.metadataHeader = "bad metadata!!";
    QCOMPARE(info.fileName(), QString());
}

QTEST_GUILESS_MAIN(tst_UploadInfo)
#include "tst_uploadinfo.moc"

// FileUploadStore across restarts and removals: reopening brings the same sessions back;
// corrupt and missing files are skipped and left alone; .info writes are atomic; a stale
// temp file is ignored; remove() takes both files and the index entry.
#include "storefixture.h"

#include "logging.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>

using namespace qtus;
using namespace storetest;
using namespace std::chrono_literals;

class tst_StoreReopen : public StoreTest
{
    Q_OBJECT

private slots:
    void reopenRestoresSessions_data();
    void reopenRestoresSessions();
    void unusableInfoIsSkippedAndKept_data();
    void unusableInfoIsSkippedAndKept();
    void dataLongerThanSizeClamps();
    void infoWritesAreAtomic();
    void leftoverTempFileIsIgnored();
    void remove();
    void uploadIds();
};

void tst_StoreReopen::reopenRestoresSessions_data()
{
    QTest::addColumn<FsyncPolicy>("fsync");
    QTest::addRow("fsync never") << FsyncPolicy::Never;
    QTest::addRow("fsync always") << FsyncPolicy::Always;
}

void tst_StoreReopen::reopenRestoresSessions()
{
    QFETCH(FsyncPolicy, fsync);
    const QByteArray binaryMeta = "blob " + QByteArray("\xff\x00\x80", 3).toBase64() + ",flag";
    QHash<QString, UploadInfo> before;
    {
        auto store = openStore(fsync);
        UploadInfo partial = createUpload(*store, 100, binaryMeta);
        QCOMPARE(write(*store, partial.id, QByteArray(42, 'p')), StoreStatus::Ok);
        UploadInfo complete = createUpload(*store, 3);
        QCOMPARE(write(*store, complete.id, "abc"), StoreStatus::Ok);
        UploadInfo deferred;
        deferred.sizeIsDeferred = true;
        QCOMPARE(store->create(deferred), StoreStatus::Ok);
        QCOMPARE(write(*store, deferred.id, "12345"), StoreStatus::Ok);
        createUpload(*store, 0);
        for (const UploadInfo &s : store->sessions())
            before.insert(s.id, s);
        QCOMPARE(before.size(), 4);
    }
    auto store = openStore(fsync);
    QCOMPARE(store->count(), before.size());
    for (const UploadInfo &old : std::as_const(before)) {
        const auto now = store->find(old.id);
        QVERIFY2(now, qPrintable(old.id));
        QCOMPARE(now->offset, old.offset);
        QCOMPARE(now->offset, QFileInfo(store->dataPath(old.id)).size());
        QCOMPARE(now->sizeIsDeferred, old.sizeIsDeferred);
        if (!old.sizeIsDeferred)
            QCOMPARE(now->size, old.size);
        QCOMPARE(now->metadataHeader, old.metadataHeader);
        QCOMPARE(now->isComplete(), old.isComplete());
        QCOMPARE(now->createdAt, old.createdAt);
        QCOMPARE(now->completedAt.isValid(), old.completedAt.isValid());
    }
    QCOMPARE(store->storedBytes(), qint64(42 + 3 + 5));
}

void tst_StoreReopen::unusableInfoIsSkippedAndKept_data()
{
    QTest::addColumn<QByteArray>("info");     // %ID% is replaced by the file's id
    QTest::addColumn<QByteArray>("data");  // what stands at <id>: "file" or "directory"

    const QByteArray valid = R"({"ID":"%ID%","Size":10,"Offset":0,"MetaData":{}})";
    const QByteArray file = "file";
    QTest::addRow("garbage") << QByteArray("\x7f" "ELF not json") << file;
    QTest::addRow("empty") << QByteArray() << file;
    QTest::addRow("missing ID") << QByteArray(R"({"Size":10,"Offset":0})") << file;
    QTest::addRow("ID with path") << QByteArray(R"({"ID":"../%ID%","Size":10})") << file;
    QTest::addRow("ID mismatching file name")
        << QByteArray(R"({"ID":"ffffffffffffffffffffffffffffffff","Size":10})") << file;
    QTest::addRow("missing Size") << QByteArray(R"({"ID":"%ID%"})") << file;
    QTest::addRow("data file is a directory") << valid << QByteArray("directory");
    // Without data file a .info is an upload no byte has reached, unless it records bytes
    // (it is rewritten at completion): then they are lost, and it must not load as empty.
    QTest::addRow("data file missing, .info records 10 bytes")
        << QByteArray(R"({"ID":"%ID%","Size":10,"Offset":10,"MetaData":{}})") << QByteArray("none");
    QTest::addRow("data file missing, .info records completion")
        << QByteArray(R"({"ID":"%ID%","Size":0,"Offset":0,"MetaData":{},"CompletedAt":"2026-01-01T12:00:00Z"})")
        << QByteArray("none");
}

void tst_StoreReopen::unusableInfoIsSkippedAndKept()
{
    QFETCH(QByteArray, info);
    QFETCH(QByteArray, data);
    QString goodId;
    {
        auto store = openStore();
        goodId = createUpload(*store, 4).id;
    }
    const QString badId = QStringLiteral("0123456789abcdef0123456789abcdef");
    const QByteArray document = QByteArray(info).replace("%ID%", badId.toLatin1());
    const QString dir = m_tmp->path();
    writeFile(dir + QLatin1Char('/') + badId + QStringLiteral(".info"), document);
    if (data == "file")
        writeFile(dir + QLatin1Char('/') + badId, "data");
    else if (data == "directory")
        QVERIFY(QDir(dir).mkdir(badId));
    const QStringList filesBefore = filesIn(dir);

    if (lcStore().isWarningEnabled())  // the skip is logged, unless QT_LOGGING_RULES silences it
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("skipping upload ") + badId));
    auto store = openStore();
    QVERIFY(!store->find(badId));
    QVERIFY(store->find(goodId));
    QCOMPARE(store->count(), 1);
    // Never deleted at load: a person may want to look at it.
    QCOMPARE(filesIn(dir), filesBefore);
    QCOMPARE(readFile(dir + QLatin1Char('/') + badId + QStringLiteral(".info")), document);
}

void tst_StoreReopen::dataLongerThanSizeClamps()
{
    QString id;
    {
        auto store = openStore();
        id = createUpload(*store, 4).id;
    }
    writeFile(m_tmp->path() + QLatin1Char('/') + id, "0123456789");
    auto store = openStore();
    const auto info = store->find(id);
    QVERIFY(info);
    QCOMPARE(info->offset, qint64(4));
    QVERIFY(info->isComplete());
    QVERIFY(info->completedAt.isValid());
}

void tst_StoreReopen::infoWritesAreAtomic()
{
    auto store = openStore(FsyncPolicy::Always);
    UploadInfo deferred;
    deferred.sizeIsDeferred = true;
    QCOMPARE(store->create(deferred), StoreStatus::Ok);
    const QByteArray created = readFile(store->infoPath(deferred.id));
    {
        UploadLock lock = m_locks.tryLock(deferred.id);
        QCOMPARE(store->declareLength(deferred.id, 2), StoreStatus::Ok);
    }
    QVERIFY(readFile(store->infoPath(deferred.id)) != created);
    QCOMPARE(write(*store, deferred.id, "ok"), StoreStatus::Ok);  // completion rewrites the .info
    const UploadInfo empty = createUpload(*store, 0);
    const QStringList files = filesIn(m_tmp->path());
    QCOMPARE(files.filter(QStringLiteral(".tmp")), QStringList());
    QCOMPARE(files.size(), 4);
    QVERIFY(fromInfoJson(readFile(store->infoPath(deferred.id))));
    QVERIFY(fromInfoJson(readFile(store->infoPath(empty.id))));
}

void tst_StoreReopen::leftoverTempFileIsIgnored()
{
    QString id;
    {
        auto store = openStore();
        id = createUpload(*store, 8, "k dg==").id;
    }
    // A crash between writing the temp file and the rename leaves the old .info in place.
    const QString temp = m_tmp->path() + QLatin1Char('/') + id + QStringLiteral(".info.tmp");
    writeFile(temp, "{\"ID\":\"" + id.toLatin1() + "\",\"Si");
    auto store = openStore();
    const auto info = store->find(id);
    QVERIFY(info);
    QCOMPARE(info->metadataHeader, QByteArray("k dg=="));
    QCOMPARE(info->size, qint64(8));
}

void tst_StoreReopen::remove()
{
    auto store = openStore();
    const UploadInfo keep = createUpload(*store, 4);
    const UploadInfo gone = createUpload(*store, 10);
    QCOMPARE(write(*store, gone.id, "12345"), StoreStatus::Ok);
    const qint64 infoSize = QFileInfo(store->infoPath(gone.id)).size();
    QSignalSpy removed(store.get(), &FileUploadStore::uploadRemoved);

    qint64 freed = -1;
    {
        UploadLock lock = m_locks.tryLock(gone.id);
        QCOMPARE(store->remove(gone.id, &freed), StoreStatus::Ok);
    }
    QCOMPARE(freed, 5 + infoSize);
    QVERIFY(!QFile::exists(store->dataPath(gone.id)));
    QVERIFY(!QFile::exists(store->infoPath(gone.id)));
    QVERIFY(!store->find(gone.id));
    QVERIFY(store->find(keep.id));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), gone.id);

    QCOMPARE(store->remove(gone.id), StoreStatus::NotFound);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(filesIn(m_tmp->path()), QStringList({keep.id + QStringLiteral(".info")}));  // no byte yet, no data file
    // Gone after a restart too.
    store.reset();
    QVERIFY(!openStore()->find(gone.id));
}

void tst_StoreReopen::uploadIds()
{
    QSet<QString> seen;
    for (int i = 0; i < 100; ++i) {
        const QString id = newUploadId();
        QVERIFY2(isValidUploadId(id), qPrintable(id));
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 100);
    QVERIFY(isValidUploadId(u"0123456789abcdef0123456789abcdef"));
    QVERIFY(!isValidUploadId(u"0123456789ABCDEF0123456789abcdef"));
    QVERIFY(!isValidUploadId(u"0123456789abcdef0123456789abcdef0"));
    QVERIFY(!isValidUploadId(u"0123456789abcdef0123456789abcde"));
    QVERIFY(!isValidUploadId(u"0123456789abcdef0123456789abcdeg"));
    QVERIFY(!isValidUploadId(u"../../etc/passwd"));
    QVERIFY(!isValidUploadId(u""));
}

QTEST_GUILESS_MAIN(tst_StoreReopen)
#include "tst_storereopen.moc"

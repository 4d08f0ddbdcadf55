// FileUploadStore in a QTemporaryDir: create, append, find; reopening brings the same
// sessions back; corrupt and missing files are skipped and left alone; .info writes are
// atomic; the writer never passes an upload's length.
#include "fileuploadstore.h"
#include "logging.h"
#include "uploadlocks.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace qtus;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(qtus::FsyncPolicy)

namespace {

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

QStringList filesIn(const QString &dir)
{
    QStringList names = QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    names.sort();
    return names;
}

} // namespace

class tst_FileUploadStore : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void createAndFind();
    void appendAndCommit();
    void uncommittedBytesAreNotAcknowledged();
    void reopenRestoresSessions_data();
    void reopenRestoresSessions();
    void unusableInfoIsSkippedAndKept_data();
    void unusableInfoIsSkippedAndKept();
    void dataLongerThanSizeClamps();
    void firstWriteMakesTheDataFile();
    void infoWritesAreAtomic();
    void leftoverTempFileIsIgnored();
    void remove();
    void zeroLengthCompleteAtCreation();
    void writerLimitExceeded();
    void deferredLengthBoundedByMaxSize();
    void declareLength();
    void openFailsOnAFile();
    void uploadIds();

private:
    std::unique_ptr<FileUploadStore> openStore(FsyncPolicy fsync = FsyncPolicy::Never);
    UploadInfo createUpload(FileUploadStore &store, qint64 size, const QByteArray &metadata = {});
    StoreStatus write(FileUploadStore &store, const QString &id, const QByteArray &bytes, qint64 maxSize = 0);

    std::unique_ptr<QTemporaryDir> m_tmp;
    ManualClock m_clock;
    UploadLocks m_locks;
};

void tst_FileUploadStore::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_clock.set(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
}

void tst_FileUploadStore::cleanup()
{
    QCOMPARE(m_locks.count(), 0);  // no test leaves an upload locked
    m_tmp.reset();
}

std::unique_ptr<FileUploadStore> tst_FileUploadStore::openStore(FsyncPolicy fsync)
{
    auto store = std::make_unique<FileUploadStore>(m_tmp->path(), fsync, 1h, m_clock);
    QString error;
    if (!store->open(&error))
        qWarning("open failed: %s", qPrintable(error));
    return store;
}

UploadInfo tst_FileUploadStore::createUpload(FileUploadStore &store, qint64 size, const QByteArray &metadata)
{
    UploadInfo info;
    info.size = size;
    info.metadataHeader = metadata;
    const StoreStatus status = store.create(info);
    if (status != StoreStatus::Ok)
        qWarning("create failed: %d", int(status));
    return info;
}

StoreStatus tst_FileUploadStore::write(FileUploadStore &store, const QString &id, const QByteArray &bytes, qint64 maxSize)
{
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld())
        return StoreStatus::IoError;
    UploadWriter writer;
    const StoreStatus opened = store.openWriter(std::move(lock), maxSize, &writer);
    if (opened != StoreStatus::Ok)
        return opened;
    writer.append(bytes.constData(), bytes.size());
    return store.commit(writer);
}

void tst_FileUploadStore::createAndFind()
{
    auto store = openStore();
    QSignalSpy created(store.get(), &FileUploadStore::uploadCreated);
    QSignalSpy completed(store.get(), &FileUploadStore::uploadCompleted);
    const UploadInfo info = createUpload(*store, 10, "filename YS50eHQ=");
    QVERIFY(FileUploadStore::isValidUploadId(info.id));
    QCOMPARE(info.createdAt, m_clock.now());
    QCOMPARE(info.lastActivityAt, m_clock.now());
    // Only the .info: the first write makes the data file (firstWriteMakesTheDataFile).
    QCOMPARE(filesIn(m_tmp->path()), QStringList({info.id + QStringLiteral(".info")}));
    QVERIFY(readFile(store->infoPath(info.id)).contains(info.id.toLatin1()));

    const auto found = store->find(info.id);
    QVERIFY(found);
    QCOMPARE(found->size, qint64(10));
    QCOMPARE(found->offset, qint64(0));
    QCOMPARE(found->metadataHeader, QByteArray("filename YS50eHQ="));
    QCOMPARE(store->count(), 1);
    QVERIFY(!store->find(FileUploadStore::newUploadId()));

    QCOMPARE(created.count(), 1);
    QCOMPARE(created.at(0).at(0).value<UploadInfo>().id, info.id);
    QCOMPARE(completed.count(), 0);
}

void tst_FileUploadStore::appendAndCommit()
{
    auto store = openStore();
    const UploadInfo info = createUpload(*store, 10);
    QSignalSpy progress(store.get(), &FileUploadStore::uploadProgress);
    QSignalSpy completed(store.get(), &FileUploadStore::uploadCompleted);

    UploadWriter writer;
    QCOMPARE(store->openWriter(m_locks.tryLock(info.id), 0, &writer), StoreStatus::Ok);
    QVERIFY(m_locks.isLocked(info.id));
    QCOMPARE(writer.remaining(), qint64(10));
    QCOMPARE(writer.append("hello", 5), StoreStatus::Ok);
    QCOMPARE(store->find(info.id)->offset, qint64(0));  // not visible before the commit
    m_clock.advance(5s);
    UploadInfo after;
    QCOMPARE(store->commit(writer, &after), StoreStatus::Ok);
    QVERIFY(!m_locks.isLocked(info.id));
    QCOMPARE(after.offset, qint64(5));
    QCOMPARE(after.lastActivityAt, m_clock.now());
    QCOMPARE(store->find(info.id)->offset, qint64(5));
    QCOMPARE(store->storedBytes(), qint64(5));
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("hello"));
    QCOMPARE(progress.count(), 1);
    QCOMPARE(progress.at(0).at(0).toString(), info.id);
    QCOMPARE(progress.at(0).at(1).toLongLong(), qint64(5));
    QCOMPARE(completed.count(), 0);

    m_clock.advance(5s);
    QCOMPARE(write(*store, info.id, "world"), StoreStatus::Ok);
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("helloworld"));
    const auto done = store->find(info.id);
    QVERIFY(done->isComplete());
    QCOMPARE(done->completedAt, m_clock.now());
    QCOMPARE(progress.count(), 2);
    QCOMPARE(completed.count(), 1);
    QCOMPARE(completed.at(0).at(0).value<UploadInfo>().offset, qint64(10));
    // Completion is recorded in the .info, so it survives a restart.
    const auto recorded = fromInfoJson(readFile(store->infoPath(info.id)));
    QVERIFY(recorded);
    QCOMPARE(recorded->completedAt, m_clock.now());
}

void tst_FileUploadStore::uncommittedBytesAreNotAcknowledged()
{
    auto store = openStore();
    const UploadInfo info = createUpload(*store, 10);
    QCOMPARE(write(*store, info.id, "abc"), StoreStatus::Ok);
    {
        UploadWriter abandoned;  // a request that failed before its commit
        QCOMPARE(store->openWriter(m_locks.tryLock(info.id), 0, &abandoned), StoreStatus::Ok);
        QCOMPARE(abandoned.append("XYZ", 3), StoreStatus::Ok);
    }
    QVERIFY(!m_locks.isLocked(info.id));
    QCOMPARE(store->find(info.id)->offset, qint64(3));
    // The next writer starts at the acknowledged offset, dropping the stray bytes.
    QCOMPARE(write(*store, info.id, "def"), StoreStatus::Ok);
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("abcdef"));
    QCOMPARE(store->find(info.id)->offset, qint64(6));
}

void tst_FileUploadStore::reopenRestoresSessions_data()
{
    QTest::addColumn<FsyncPolicy>("fsync");
    QTest::addRow("fsync never") << FsyncPolicy::Never;
    QTest::addRow("fsync always") << FsyncPolicy::Always;
}

void tst_FileUploadStore::reopenRestoresSessions()
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

void tst_FileUploadStore::unusableInfoIsSkippedAndKept_data()
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

void tst_FileUploadStore::unusableInfoIsSkippedAndKept()
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

// A creation writes only the .info; the first write makes the data file, which never
// stands in for lost bytes: once bytes were committed, a missing data file is NotFound.
void tst_FileUploadStore::firstWriteMakesTheDataFile()
{
    QString id;
    {
        auto store = openStore();
        id = createUpload(*store, 10).id;
        QVERIFY(!QFile::exists(store->dataPath(id)));
    }
    auto store = openStore();  // an upload without data file loads at offset 0
    auto info = store->find(id);
    QVERIFY(info);
    QCOMPARE(info->offset, qint64(0));
    QCOMPARE(info->lastActivityAt, m_clock.now());

    QCOMPARE(write(*store, id, "abc"), StoreStatus::Ok);
    QCOMPARE(readFile(store->dataPath(id)), QByteArray("abc"));
    QCOMPARE(store->find(id)->offset, qint64(3));
    store.reset();
    store = openStore();
    QCOMPARE(store->find(id)->offset, qint64(3));

    QVERIFY(QFile::remove(store->dataPath(id)));  // lost behind the server's back
    UploadWriter writer;
    QCOMPARE(store->openWriter(m_locks.tryLock(id), 0, &writer), StoreStatus::NotFound);
    QVERIFY(!QFile::exists(store->dataPath(id)));  // not recreated empty
}

void tst_FileUploadStore::dataLongerThanSizeClamps()
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

void tst_FileUploadStore::infoWritesAreAtomic()
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

void tst_FileUploadStore::leftoverTempFileIsIgnored()
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

void tst_FileUploadStore::remove()
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

void tst_FileUploadStore::zeroLengthCompleteAtCreation()
{
    auto store = openStore();
    QSignalSpy created(store.get(), &FileUploadStore::uploadCreated);
    QSignalSpy completed(store.get(), &FileUploadStore::uploadCompleted);
    const UploadInfo info = createUpload(*store, 0);
    QVERIFY(info.isComplete());
    QCOMPARE(info.completedAt, m_clock.now());
    QVERIFY(store->find(info.id)->isComplete());
    QCOMPARE(created.count(), 1);
    QCOMPARE(completed.count(), 1);
    QCOMPARE(completed.at(0).at(0).value<UploadInfo>().id, info.id);
    QVERIFY(QFileInfo(store->dataPath(info.id)).isFile());  // every complete upload has its data file
    QCOMPARE(QFileInfo(store->dataPath(info.id)).size(), qint64(0));
}

void tst_FileUploadStore::writerLimitExceeded()
{
    auto store = openStore();
    const UploadInfo info = createUpload(*store, 10);
    QCOMPARE(write(*store, info.id, "abc"), StoreStatus::Ok);
    QSignalSpy completed(store.get(), &FileUploadStore::uploadCompleted);

    UploadWriter writer;
    QCOMPARE(store->openWriter(m_locks.tryLock(info.id), 0, &writer), StoreStatus::Ok);
    QCOMPARE(writer.startOffset(), qint64(3));
    QCOMPARE(writer.remaining(), qint64(7));
    QCOMPARE(writer.append("defg", 4), StoreStatus::Ok);
    QCOMPARE(writer.append("hijklmnop", 9), StoreStatus::LimitExceeded);  // keeps "hij"
    QCOMPARE(writer.written(), qint64(7));
    QCOMPARE(writer.remaining(), qint64(0));
    QCOMPARE(writer.append("q", 1), StoreStatus::LimitExceeded);  // sticky
    QCOMPARE(writer.status(), StoreStatus::LimitExceeded);
    UploadInfo after;
    QCOMPARE(store->commit(writer, &after), StoreStatus::LimitExceeded);  // committed anyway
    QCOMPARE(after.offset, qint64(10));
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("abcdefghij"));
    QCOMPARE(completed.count(), 1);
    QVERIFY(!m_locks.isLocked(info.id));

    // A complete upload accepts nothing more.
    QCOMPARE(write(*store, info.id, "z"), StoreStatus::LimitExceeded);
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("abcdefghij"));
}

void tst_FileUploadStore::deferredLengthBoundedByMaxSize()
{
    auto store = openStore();
    UploadInfo info;
    info.sizeIsDeferred = true;
    QCOMPARE(store->create(info), StoreStatus::Ok);
    QCOMPARE(write(*store, info.id, "1234", 6), StoreStatus::Ok);
    UploadWriter writer;
    QCOMPARE(store->openWriter(m_locks.tryLock(info.id), 6, &writer), StoreStatus::Ok);
    QCOMPARE(writer.remaining(), qint64(2));
    QCOMPARE(writer.append("5678", 4), StoreStatus::LimitExceeded);
    QCOMPARE(store->commit(writer), StoreStatus::LimitExceeded);
    QCOMPARE(readFile(store->dataPath(info.id)), QByteArray("123456"));
    QVERIFY(!store->find(info.id)->isComplete());  // the length is still unknown

    UploadWriter unbounded;
    QCOMPARE(store->openWriter(m_locks.tryLock(info.id), 0, &unbounded), StoreStatus::Ok);
    QCOMPARE(unbounded.remaining(), qint64(-1));
    QCOMPARE(store->commit(unbounded), StoreStatus::Ok);
}

void tst_FileUploadStore::declareLength()
{
    QString id;
    {
        auto store = openStore();
        UploadInfo info;
        info.sizeIsDeferred = true;
        QCOMPARE(store->create(info), StoreStatus::Ok);
        id = info.id;
        QCOMPARE(write(*store, id, "ab"), StoreStatus::Ok);
        UploadLock lock = m_locks.tryLock(id);
        UploadInfo after;
        QCOMPARE(store->declareLength(id, 5, &after), StoreStatus::Ok);
        QVERIFY(!after.sizeIsDeferred);
        QCOMPARE(after.size, qint64(5));
        QCOMPARE(after.offset, qint64(2));
        QCOMPARE(store->declareLength(FileUploadStore::newUploadId(), 5), StoreStatus::NotFound);
    }
    auto store = openStore();
    const auto info = store->find(id);
    QVERIFY(info);
    QVERIFY(!info->sizeIsDeferred);
    QCOMPARE(info->size, qint64(5));
    QCOMPARE(info->offset, qint64(2));
}

void tst_FileUploadStore::openFailsOnAFile()
{
    const QString file = m_tmp->filePath(QStringLiteral("not-a-dir"));
    writeFile(file, "x");
    FileUploadStore store(file, FsyncPolicy::Never, 1h, m_clock);
    QString error;
    QVERIFY(!store.open(&error));
    QVERIFY(!error.isEmpty());
}

void tst_FileUploadStore::uploadIds()
{
    QSet<QString> seen;
    for (int i = 0; i < 100; ++i) {
        const QString id = FileUploadStore::newUploadId();
        QVERIFY2(FileUploadStore::isValidUploadId(id), qPrintable(id));
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 100);
    QVERIFY(FileUploadStore::isValidUploadId(u"0123456789abcdef0123456789abcdef"));
    QVERIFY(!FileUploadStore::isValidUploadId(u"0123456789ABCDEF0123456789abcdef"));
    QVERIFY(!FileUploadStore::isValidUploadId(u"0123456789abcdef0123456789abcdef0"));
    QVERIFY(!FileUploadStore::isValidUploadId(u"0123456789abcdef0123456789abcde"));
    QVERIFY(!FileUploadStore::isValidUploadId(u"0123456789abcdef0123456789abcdeg"));
    QVERIFY(!FileUploadStore::isValidUploadId(u"../../etc/passwd"));
    QVERIFY(!FileUploadStore::isValidUploadId(u""));
}

QTEST_GUILESS_MAIN(tst_FileUploadStore)
#include "tst_fileuploadstore.moc"

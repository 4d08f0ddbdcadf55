// FileUploadStore in a QTemporaryDir: create, append, commit, find; the first write makes
// the data file; the writer never passes an upload's length; creation-defer-length.
// What a restart finds, and removal: tst_storereopen.
#include "storefixture.h"

#include <QFileInfo>
#include <QSignalSpy>

using namespace qtus;
using namespace storetest;
using namespace std::chrono_literals;

class tst_FileUploadStore : public StoreTest
{
    Q_OBJECT

private slots:
    void createAndFind();
    void appendAndCommit();
    void uncommittedBytesAreNotAcknowledged();
    void firstWriteMakesTheDataFile();
    void zeroLengthCompleteAtCreation();
    void writerLimitExceeded();
    void deferredLengthBoundedByMaxSize();
    void declareLength();
    void openFailsOnAFile();
    void largeDetailsLiveInTheInfoFile();
};

void tst_FileUploadStore::createAndFind()
{
    auto store = openStore();
    QSignalSpy created(store.get(), &FileUploadStore::uploadCreated);
    QSignalSpy completed(store.get(), &FileUploadStore::uploadCompleted);
    const UploadInfo info = createUpload(*store, 10, "filename YS50eHQ=");
    QVERIFY(isValidUploadId(info.id));
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
    QVERIFY(!store->find(newUploadId()));

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
        QCOMPARE(store->declareLength(newUploadId(), 5), StoreStatus::NotFound);
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

void tst_FileUploadStore::largeDetailsLiveInTheInfoFile()
{
    // Metadata past UploadIndex::maxInlineMetadata, and a final's part list, are not kept in
    // memory; every way of reading an upload still returns them whole, and no rewrite of the
    // .info (a declared length, a completion) loses them.
    const QByteArray metadata = "filename " + QByteArray(8 * 1024, 'x').toBase64() + ",filetype dGV4dC9wbGFpbg==";
    QString id;
    {
        auto store = openStore();
        UploadInfo info;
        info.sizeIsDeferred = true;
        info.metadataHeader = metadata;
        QCOMPARE(store->create(info), StoreStatus::Ok);
        id = info.id;
        QCOMPARE(store->find(id)->metadataHeader, metadata);
        QCOMPARE(write(*store, id, "ab"), StoreStatus::Ok);
        {
            UploadLock lock = m_locks.tryLock(id);
            QCOMPARE(store->declareLength(id, 4), StoreStatus::Ok);
        }
        QCOMPARE(write(*store, id, "cd"), StoreStatus::Ok);  // completes: the .info is rewritten
        QVERIFY(store->find(id)->isComplete());
        QCOMPARE(store->find(id)->metadataHeader, metadata);

        UploadInfo final;
        final.size = 4;
        final.isFinal = true;
        final.partialUploads = {newUploadId(), newUploadId()};
        QCOMPARE(store->create(final), StoreStatus::Ok);
        QCOMPARE(store->find(final.id)->partialUploads, final.partialUploads);
    }
    auto store = openStore();  // nothing cached: read back from the .info files
    const auto info = store->find(id);
    QVERIFY(info);
    QCOMPARE(info->metadataHeader, metadata);
    QCOMPARE(info->size, qint64(4));
    QVERIFY(info->isComplete());
    for (const UploadInfo &session : store->sessions()) {
        if (session.isFinal)
            QCOMPARE(session.partialUploads.size(), 2);
        else
            QCOMPARE(session.metadataHeader, metadata);
    }
}

QTEST_GUILESS_MAIN(tst_FileUploadStore)
#include "tst_fileuploadstore.moc"

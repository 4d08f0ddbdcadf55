// What one cleanup pass removes and what it never touches, run synchronously over a temp
// directory with a manual clock: expiry, keep-completed, orphans and their grace period,
// foreign names, symlinks, locked uploads, unreadable uploads and deletions that fail.
#include "cleanuppass.h"
#include "uploaddir.h"

#include <QDir>
#include <QTest>

#include <unistd.h>

using namespace qtus;
using namespace qtus::test;
using namespace std::chrono_literals;

class tst_CleanupPass : public QObject
{
    Q_OBJECT
private slots:
    void whatIsRemoved_data();
    void whatIsRemoved();
    void keepCompletedCountsFromCompletion();
    void orphans_data();
    void orphans();
    void unindexedUploads();
    void foreignNamesAndSymlinksAreNeverTouched();
    void lockedUploadWaitsForTheNextPass();
    void lockedUploadsStrayFileWaitsForTheNextPass_data();
    void lockedUploadsStrayFileWaitsForTheNextPass();
    void uploadWrittenDuringPassSurvivesAndCompletes();
    void failedDeletionsAreCountedAndRetried_data();
    void failedDeletionsAreCountedAndRetried();
    void errorMessagesAreCapped();
    void interruptEndsThePass();

private:
    static CleanupReport runPass(UploadDir &d, const CleanupPolicy &policy = {})
    {
        return CleanupPass(*d.store, d.locks, d.clock, policy).run();
    }
};

void tst_CleanupPass::whatIsRemoved_data()
{
    QTest::addColumn<qint64>("size");  // -1: deferred length
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("idleMinutes");
    QTest::addColumn<int>("keepCompletedMinutes");
    QTest::addColumn<bool>("removed");

    const int day = 24 * 60;
    QTest::addRow("active: just created") << qint64(10) << QByteArray() << 60 << 0 << false;
    QTest::addRow("active: idle less than expire-after") << qint64(10) << QByteArray("12345") << day - 1 << 0 << false;
    QTest::addRow("expired: idle past expire-after") << qint64(10) << QByteArray("12345") << day + 60 << 0 << true;
    QTest::addRow("expired: exactly at its expiry") << qint64(10) << QByteArray() << day << 0 << true;
    QTest::addRow("expired: deferred length") << qint64(-1) << QByteArray("123") << day + 1 << 0 << true;
    QTest::addRow("completed: kept forever by default") << qint64(5) << QByteArray("12345") << 365 * day << 0 << false;
    QTest::addRow("completed: inside keep-completed") << qint64(5) << QByteArray("12345") << 60 << 120 << false;
    QTest::addRow("completed: past keep-completed") << qint64(5) << QByteArray("12345") << 180 << 120 << true;
    QTest::addRow("empty upload: completed, not expired") << qint64(0) << QByteArray() << 2 * day << 0 << false;
}

void tst_CleanupPass::whatIsRemoved()
{
    QFETCH(qint64, size);
    QFETCH(QByteArray, bytes);
    QFETCH(int, idleMinutes);
    QFETCH(int, keepCompletedMinutes);
    QFETCH(bool, removed);

    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(size, bytes);
    QVERIFY(!id.isEmpty());
    const qint64 infoSize = QFileInfo(d.store->infoPath(id)).size();
    d.clock.advance(std::chrono::minutes(idleMinutes));

    CleanupPolicy policy;
    policy.keepCompleted = std::chrono::minutes(keepCompletedMinutes);
    const CleanupReport report = runPass(d, policy);

    QCOMPARE(report.scanned, 1);
    QCOMPARE(report.errors, 0);
    QCOMPARE(report.removed, removed ? 1 : 0);
    QCOMPARE(report.bytesFreed, removed ? bytes.size() + infoSize : 0);
    QCOMPARE(bool(d.store->find(id)), !removed);
    QCOMPARE(isPresent(d.store->dataPath(id)), !removed && (!bytes.isEmpty() || size == 0));  // made by the first byte
    QCOMPARE(isPresent(d.store->infoPath(id)), !removed);
}

void tst_CleanupPass::keepCompletedCountsFromCompletion()
{
    // --keep-completed runs from completion, not from creation: an upload that took three
    // hours to complete is kept for the whole keep-completed period after its last byte.
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10, "12345");
    QVERIFY(!id.isEmpty());
    d.clock.advance(3h);
    QVERIFY(d.write(id, "67890"));
    QVERIFY(d.store->find(id)->isComplete());
    QCOMPARE(d.store->find(id)->completedAt, d.clock.now());

    CleanupPolicy policy;
    policy.keepCompleted = 2h;
    d.clock.advance(1h);  // 4 h after creation, 1 h after completion
    CleanupReport report = runPass(d, policy);
    QCOMPARE(report.removed, 0);
    QVERIFY(d.store->find(id));
    QCOMPARE(readFile(d.store->dataPath(id)), QByteArray("1234567890"));

    d.clock.advance(1h);  // exactly keep-completed after completion
    report = runPass(d, policy);
    QCOMPARE(report.removed, 1);
    QVERIFY(!d.store->find(id));
}

void tst_CleanupPass::orphans_data()
{
    QTest::addColumn<QString>("suffix");  // the orphan's name after its id
    QTest::addColumn<bool>("beside");     // a temp file beside a live upload, not alone
    QTest::addColumn<int>("ageMinutes");  // the grace period is the default hour
    QTest::addColumn<bool>("removed");

    QTest::addRow("data without .info, young") << QString() << false << 30 << false;
    QTest::addRow("data without .info, old") << QString() << false << 61 << true;
    QTest::addRow(".info without data, young") << ".info" << false << 30 << false;
    QTest::addRow(".info without data, old") << ".info" << false << 61 << true;
    QTest::addRow("leftover temp, young") << ".info.tmp" << false << 59 << false;
    QTest::addRow("leftover temp, old") << ".info.tmp" << false << 120 << true;
    QTest::addRow("leftover temp beside a live upload, old") << ".info.tmp" << true << 120 << true;
}

void tst_CleanupPass::orphans()
{
    QFETCH(QString, suffix);
    QFETCH(bool, beside);
    QFETCH(int, ageMinutes);
    QFETCH(bool, removed);

    UploadDir d;
    QVERIFY(d.open());
    const QString id = beside ? d.createUpload(10, "12") : newUploadId();
    const QString orphan = d.path(id + suffix);
    QVERIFY(writeFile(orphan, "stray bytes"));
    QVERIFY(setMtime(orphan, d.clock.now().addSecs(-60 * ageMinutes)));

    const CleanupReport report = runPass(d);

    QCOMPARE(report.scanned, beside ? 2 : 1);
    QCOMPARE(report.errors, 0);
    QCOMPARE(report.removed, removed ? 1 : 0);
    QCOMPARE(report.bytesFreed, removed ? qint64(11) : 0);
    QCOMPARE(isPresent(orphan), !removed);
    if (beside) {  // the upload itself is active and untouched
        QVERIFY(d.store->find(id));
        QCOMPARE(readFile(d.store->dataPath(id)), QByteArray("12"));
    }
}

void tst_CleanupPass::unindexedUploads()
{
    UploadDir d;
    QVERIFY(d.open());
    const QDateTime longAgo = d.clock.now().addDays(-3);
    auto writePair = [&](const QString &id, const QByteArray &info, const QDateTime &mtime) {
        return writeFile(d.store->dataPath(id), "12") && writeFile(d.store->infoPath(id), info)
            && setMtime(d.store->dataPath(id), mtime) && setMtime(d.store->infoPath(id), mtime);
    };
    UploadInfo upload;
    upload.size = 10;
    upload.createdAt = upload.lastActivityAt = longAgo;
    // Written after open(), so the store's index does not know them.
    const QString corrupt = newUploadId();
    QVERIFY(writePair(corrupt, "{ not json", longAgo));
    upload.id = newUploadId();
    const QString expired = upload.id;
    QVERIFY(writePair(expired, toInfoJson(upload, UploadDir::expireAfter), longAgo));
    upload.id = newUploadId();
    const QString young = upload.id;  // expired by its .info, but its files are inside the grace period
    QVERIFY(writePair(young, toInfoJson(upload, UploadDir::expireAfter), d.clock.now()));
    // Uploads no byte has reached have no data file: a lone readable .info is an upload,
    // judged by its state like the others, not an orphan removed after the grace period.
    auto writeInfoOnly = [&](const QString &id, const QByteArray &info) {
        return writeFile(d.store->infoPath(id), info) && setMtime(d.store->infoPath(id), longAgo);
    };
    upload.id = newUploadId();
    const QString expiredNoBytes = upload.id;
    QVERIFY(writeInfoOnly(expiredNoBytes, toInfoJson(upload, UploadDir::expireAfter)));
    upload.id = newUploadId();
    upload.lastActivityAt = d.clock.now().addSecs(-2 * 3600);  // past the grace period, not expired
    const QString activeNoBytes = upload.id;
    QVERIFY(writeInfoOnly(activeNoBytes, toInfoJson(upload, UploadDir::expireAfter)));

    const CleanupReport report = runPass(d);

    QCOMPARE(report.scanned, 5);
    QCOMPARE(report.removed, 2);
    QVERIFY(!isPresent(d.store->dataPath(expired)));
    QVERIFY(!isPresent(d.store->infoPath(expired)));
    QVERIFY(!isPresent(d.store->infoPath(expiredNoBytes)));
    QVERIFY(isPresent(d.store->infoPath(activeNoBytes)));
    // What cannot be read is an error to look at, never a reason to delete.
    QCOMPARE(report.errors, 1);
    QVERIFY2(report.errorMessages.value(0).contains(corrupt), qPrintable(report.errorMessages.join(u'\n')));
    QVERIFY(isPresent(d.store->dataPath(corrupt)));
    QVERIFY(isPresent(d.store->infoPath(corrupt)));
    QVERIFY(isPresent(d.store->dataPath(young)));
    QVERIFY(isPresent(d.store->infoPath(young)));
}

void tst_CleanupPass::foreignNamesAndSymlinksAreNeverTouched()
{
    UploadDir d;
    QTemporaryDir outside;
    QVERIFY(d.open());
    const QString id = newUploadId();
    const QStringList foreign = {
        QStringLiteral("notes.txt"), id.toUpper(), id.chopped(1), id + QStringLiteral(".info.bak"),
        id + QStringLiteral(".part"), id + QStringLiteral(".tmp"), QStringLiteral(".") + id,
        QStringLiteral("sub/") + id, QStringLiteral("sub/") + id + QStringLiteral(".info"),
    };
    QVERIFY(QDir(d.tmp.path()).mkdir(QStringLiteral("sub")));
    for (const QString &name : foreign)
        QVERIFY(writeFile(d.path(name), "not ours"));

    // Symlinks with the names the store writes, pointing out of the directory.
    const QString target = outside.path() + QStringLiteral("/precious");
    QVERIFY(writeFile(target, "precious"));
    const QStringList links = {
        newUploadId(),                               // data
        newUploadId() + QStringLiteral(".info"),     // .info
        newUploadId() + QStringLiteral(".info.tmp"), // temp
    };
    for (const QString &name : links)
        QVERIFY(QFile::link(target, d.path(name)));
    QVERIFY(QFile::link(outside.path(), d.path(newUploadId())));  // to a directory
    // An expired upload whose data file became a symlink after the store loaded it.
    const QString swapped = d.createUpload(10, "12");
    QVERIFY(QFile::remove(d.store->dataPath(swapped)));
    QVERIFY(QFile::link(target, d.store->dataPath(swapped)));

    const QDateTime longAgo = d.clock.now().addDays(-3);
    for (const QString &name : QDir(d.tmp.path()).entryList(QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot))
        QVERIFY(setMtime(d.path(name), longAgo));
    for (const QString &name : foreign)
        QVERIFY(setMtime(d.path(name), longAgo));
    QVERIFY(setMtime(target, longAgo));
    d.clock.advance(48h);

    const CleanupReport report = runPass(d);

    QCOMPARE(report.removed, 0);
    QCOMPARE(report.errors, 0);
    for (const QString &name : foreign + links)
        QVERIFY2(isPresent(d.path(name)), qPrintable(name));
    QVERIFY(isPresent(d.store->dataPath(swapped)));
    QVERIFY(isPresent(d.store->infoPath(swapped)));
    QCOMPARE(readFile(target), QByteArray("precious"));
}

void tst_CleanupPass::lockedUploadWaitsForTheNextPass()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10, "123");
    d.clock.advance(25h);
    {
        UploadLock lock = d.locks.tryLock(id);  // a request is in flight on it
        QVERIFY(lock.isHeld());
        const CleanupReport report = runPass(d);
        QCOMPARE(report.removed, 0);
        QCOMPARE(report.skippedInFlight, 1);
        QCOMPARE(report.errors, 0);
        QVERIFY(isPresent(d.store->dataPath(id)));
        QVERIFY(d.store->find(id));
    }
    const CleanupReport report = runPass(d);
    QCOMPARE(report.removed, 1);
    QCOMPARE(report.skippedInFlight, 0);
    QVERIFY(!d.store->find(id));
    QVERIFY(!isPresent(d.store->dataPath(id)));
    QCOMPARE(d.locks.count(), 0);
}

void tst_CleanupPass::lockedUploadsStrayFileWaitsForTheNextPass_data()
{
    QTest::addColumn<QString>("suffix");  // the stray file's name after the id
    QTest::addColumn<bool>("live");       // beside an indexed upload, or alone
    QTest::addRow("stale .info temp beside a live upload") << ".info.tmp" << true;
    QTest::addRow("stale .info temp alone") << ".info.tmp" << false;
    QTest::addRow("stale data file without .info") << QString() << false;
    QTest::addRow("stale .info without data") << ".info" << false;
}

void tst_CleanupPass::lockedUploadsStrayFileWaitsForTheNextPass()
{
    // "Never touch an upload a request is writing" holds for its stray files too: a commit
    // rewrites the .info through <id>.info.tmp while it holds the lock, and a creation owns
    // its files before the index knows them.
    QFETCH(QString, suffix);
    QFETCH(bool, live);
    UploadDir d;
    QVERIFY(d.open());
    const QString id = live ? d.createUpload(10, "12") : newUploadId();
    const QString stray = d.path(id + suffix);
    QVERIFY(writeFile(stray, "stray bytes"));
    QVERIFY(setMtime(stray, d.clock.now().addDays(-1)));  // well past --orphan-grace
    {
        UploadLock lock = d.locks.tryLock(id);
        QVERIFY(lock.isHeld());
        const CleanupReport report = runPass(d);
        QCOMPARE(report.removed, 0);
        QCOMPARE(report.skippedInFlight, 1);
        QCOMPARE(report.errors, 0);
        QVERIFY(isPresent(stray));
    }
    const CleanupReport report = runPass(d);  // the lock is gone: now it is an orphan
    QCOMPARE(report.removed, 1);
    QCOMPARE(report.skippedInFlight, 0);
    QVERIFY(!isPresent(stray));
    if (live)
        QCOMPARE(readFile(d.store->dataPath(id)), QByteArray("12"));
}

void tst_CleanupPass::uploadWrittenDuringPassSurvivesAndCompletes()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10, "12345");
    UploadWriter writer;  // a PATCH streaming its body
    QCOMPARE(d.store->openWriter(d.locks.tryLock(id), 0, &writer), StoreStatus::Ok);
    d.clock.advance(25h);  // its expiry technically passes while the body streams

    QCOMPARE(runPass(d).removed, 0);
    QCOMPARE(writer.append("67890", 5), StoreStatus::Ok);
    UploadInfo after;
    QCOMPARE(d.store->commit(writer, &after), StoreStatus::Ok);
    QVERIFY(after.isComplete());

    QCOMPARE(runPass(d).removed, 0);
    QCOMPARE(readFile(d.store->dataPath(id)), QByteArray("1234567890"));
    QVERIFY(d.store->find(id)->isComplete());
}

void tst_CleanupPass::failedDeletionsAreCountedAndRetried_data()
{
    QTest::addColumn<bool>("readOnlyDirectory");
    // Root ignores directory permissions, so the first row fails in a way root cannot avoid:
    // unlink() of a directory is EISDIR for everyone.
    QTest::addRow("data file replaced by a non-empty directory") << false;
    QTest::addRow("read-only upload directory") << true;
}

void tst_CleanupPass::failedDeletionsAreCountedAndRetried()
{
    QFETCH(bool, readOnlyDirectory);
    if (readOnlyDirectory && ::geteuid() == 0)
        QSKIP("root ignores directory permissions");

    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10, "12");
    d.clock.advance(25h);
    const QString data = d.store->dataPath(id);
    QFile::Permissions permissions = QFile::permissions(d.tmp.path());
    auto injectFailure = [&] {
        if (readOnlyDirectory)
            return QFile::setPermissions(d.tmp.path(), QFile::ReadOwner | QFile::ExeOwner);
        return QFile::remove(data) && QDir().mkpath(data + QStringLiteral("/inside")) && writeFile(data + QStringLiteral("/inside/x"), "x");
    };
    auto repair = [&] {
        if (readOnlyDirectory)
            return QFile::setPermissions(d.tmp.path(), permissions);
        return QDir(data).removeRecursively() && writeFile(data, "12");
    };
    QVERIFY(injectFailure());

    for (int pass = 0; pass < 2; ++pass) {  // the same failure again: the next pass still runs
        const CleanupReport report = runPass(d);
        QCOMPARE(report.errors, 1);
        QCOMPARE(report.removed, 0);
        QVERIFY2(report.errorMessages.value(0).contains(id), qPrintable(report.errorMessages.join(u'\n')));
        QVERIFY(d.store->find(id));                     // still known...
        QVERIFY(isPresent(d.store->infoPath(id)));     // ...and still whole: the .info stays
    }
    QVERIFY(repair());
    const CleanupReport report = runPass(d);
    QCOMPARE(report.errors, 0);
    QCOMPARE(report.removed, 1);
    QVERIFY(!d.store->find(id));
    QCOMPARE(d.locks.count(), 0);
}

void tst_CleanupPass::errorMessagesAreCapped()
{
    UploadDir d;
    QVERIFY(d.open());
    const int failing = CleanupPass::maxErrorMessages + 5;
    for (int i = 0; i < failing; ++i) {
        const QString id = d.createUpload(10);  // no byte yet, so no data file: a directory takes its name
        QVERIFY(QDir().mkpath(d.store->dataPath(id) + QStringLiteral("/inside")));
    }
    d.clock.advance(25h);
    const CleanupReport report = runPass(d);
    QCOMPARE(report.errors, failing);
    QCOMPARE(report.errorMessages.size(), CleanupPass::maxErrorMessages);
    // Bytes that could not be removed keep their .info: the upload stays whole for a retry.
    for (const QString &id : d.store->uploadIds())
        QVERIFY(isPresent(d.store->infoPath(id)));
    QCOMPARE(d.store->count(), failing);
}

void tst_CleanupPass::interruptEndsThePass()
{
    UploadDir d;
    QVERIFY(d.open());
    for (int i = 0; i < 3; ++i)
        QVERIFY(!d.createUpload(10).isEmpty());
    d.clock.advance(25h);
    const std::atomic_bool interrupt{true};
    const CleanupReport report = CleanupPass(*d.store, d.locks, d.clock, CleanupPolicy()).run({}, &interrupt);
    QVERIFY(report.interrupted);
    QCOMPARE(report.removed, 0);
    QCOMPARE(d.store->count(), 3);
}

QTEST_GUILESS_MAIN(tst_CleanupPass)
#include "tst_cleanuppass.moc"

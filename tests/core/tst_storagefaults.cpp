// A full or failing disk, injected through the store's test-only StorageCalls seam
// (uploadwriter.h): ENOSPC at the first byte, midway, at fdatasync and at every .info write;
// EIO answers 500. After each failure the offset is the bytes really stored (never more),
// the .info is valid and unchanged, other requests are served, and once the fault is lifted
// the upload resumes at the offset HEAD reports and ends byte-identical. A cleanup pass
// frees space while every write fails. tests/process/tst_fulldisk.cpp does the same against
// qtusd on a real, small tmpfs.
#include "cleanuppass.h"
#include "tushandlerfixture.h"

#include <QRandomGenerator>

#include <cerrno>
#include <climits>
#include <sys/stat.h>

using namespace qtus;
using namespace qtus::test;

namespace {

// Which file a write or sync is for, told from the descriptor so a fault can hit the .info
// and spare the data file, or the other way round.
enum class FileRole { Data, InfoTemp, Directory, Any };

FileRole roleOf(int fd)
{
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        return FileRole::Directory;
    char target[PATH_MAX];
    const QByteArray link = "/proc/self/fd/" + QByteArray::number(fd);
    const ssize_t n = ::readlink(link.constData(), target, sizeof target - 1);
    const QByteArray path(target, int(qMax<ssize_t>(n, 0)));
    // A .info on its way: the temp file that is renamed, or the unnamed O_TMPFILE file
    // ("<dir>/#<inode> (deleted)") that a new upload's .info is written to.
    const bool unnamed = path.contains("/#") && path.endsWith(" (deleted)");
    return path.endsWith(".info.tmp") || unnamed ? FileRole::InfoTemp : FileRole::Data;
}

struct Fault
{
    int error = 0;  // 0: no fault
    FileRole role = FileRole::Any;
    qint64 budget = 0;  // writes only: bytes that still succeed (a short write reaches it)
    int hits = 0;       // calls that failed: proves the fault was reached
    bool landsAnyway = false;  // writes only: the failing write still puts its bytes in the file
    bool matches(int fd) const { return error != 0 && (role == FileRole::Any || role == roleOf(fd)); }
};

struct FaultPlan
{
    Fault write;
    Fault dataSync;  // fdatasync of the data file at commit
    Fault fsync;     // .info temp file or directory
};

FaultPlan plan;

ssize_t faultyWrite(int fd, const void *data, size_t size)
{
    if (plan.write.matches(fd)) {
        if (plan.write.budget <= 0) {
            ++plan.write.hits;
            if (plan.write.landsAnyway)
                (void)::write(fd, data, size);
            errno = plan.write.error;
            return -1;
        }
        size = size_t(qMin<qint64>(qint64(size), plan.write.budget));
        const ssize_t n = ::write(fd, data, size);
        if (n > 0)
            plan.write.budget -= n;
        return n;
    }
    return ::write(fd, data, size);
}

int faultyFdatasync(int fd)
{
    if (plan.dataSync.matches(fd)) {
        ++plan.dataSync.hits;
        errno = plan.dataSync.error;
        return -1;
    }
    return ::fdatasync(fd);
}

int faultyFsync(int fd)
{
    if (plan.fsync.matches(fd)) {
        ++plan.fsync.hits;
        errno = plan.fsync.error;
        return -1;
    }
    return ::fsync(fd);
}

void injectFaults(const FaultPlan &faults)
{
    plan = faults;
    setStorageCallsForTesting(StorageCalls{faultyWrite, faultyFdatasync, faultyFsync});
}

void liftFaults()
{
    plan = FaultPlan();
    setStorageCallsForTesting(StorageCalls{});
}

QByteArray payload(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(8);  // the same bytes every run
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

QByteArray reasonOf(TusError error) { return QByteArray(describe(error).reason) + '\n'; }

} // namespace

Q_DECLARE_METATYPE(FileRole)

class tst_StorageFaults : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void patchFailure_data();
    void patchFailure();
    void repeatedFaultsNeverPassStoredBytes();
    void checksummedChunkOnFullDiskIsDiscarded();
    void creationInfoWriteFails_data();
    void creationInfoWriteFails();
    void creationWithUploadFailsMidway();
    void firstPatchDirectorySyncFails();
    void declaredLengthInfoWriteFails();
    void completionInfoWriteFails();
    void otherRequestsServedWhileFull();
    void cleanupPassWorksWhileWritesFail();

private:
    QString create(qint64 length, const QByteArrayList &extra = {"Upload-Metadata: " + metadata});
    TusResponse patch(const QString &id, qint64 offset, const QByteArray &body, const QByteArrayList &extra = {});
    qint64 headOffset(const QString &id);
    qint64 dataSize(const QString &id) const { return QFileInfo(m_store->dataPath(id)).size(); }
    QStringList tempFiles() const { return QDir(m_storeDir).entryList({QStringLiteral("*.tmp")}, QDir::Files | QDir::Hidden); }
};

void tst_StorageFaults::init()
{
    setUpFixture();
    start(0, FsyncPolicy::Always);  // commits fdatasync, .info writes fsync: every call can fail
}

void tst_StorageFaults::cleanup() { liftFaults(); }

QString tst_StorageFaults::create(qint64 length, const QByteArrayList &extra)
{
    const TusResponse created = send("POST", "/files/", QByteArrayList{"Upload-Length: " + QByteArray::number(length)} + extra);
    return created.status == 201 ? QString::fromLatin1(created.header("Location").split('/').constLast()) : QString();
}

TusResponse tst_StorageFaults::patch(const QString &id, qint64 offset, const QByteArray &body, const QByteArrayList &extra)
{
    return send("PATCH", "/files/" + id.toLatin1(), QByteArrayList{octet, "Upload-Offset: " + QByteArray::number(offset)} + extra, body);
}

qint64 tst_StorageFaults::headOffset(const QString &id)
{
    const TusResponse r = send("HEAD", "/files/" + id.toLatin1());
    return r.status == 200 ? r.header("Upload-Offset").toLongLong() : -1;
}

void tst_StorageFaults::patchFailure_data()
{
    QTest::addColumn<int>("error");
    QTest::addColumn<bool>("atSync");  // the fault hits fdatasync instead of write
    QTest::addColumn<bool>("landsAnyway");
    QTest::addColumn<qint64>("budget");
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("kept");  // bytes of this PATCH the upload keeps

    QTest::addRow("ENOSPC at the first byte") << ENOSPC << false << false << qint64(0) << 507 << qint64(0);
    QTest::addRow("ENOSPC midway") << ENOSPC << false << false << qint64(40000) << 507 << qint64(40000);
    QTest::addRow("ENOSPC midway, unaligned") << ENOSPC << false << false << qint64(12345) << 507 << qint64(12345);
    QTest::addRow("EDQUOT midway") << EDQUOT << false << false << qint64(40000) << 507 << qint64(40000);
    QTest::addRow("EIO midway") << EIO << false << false << qint64(40000) << 500 << qint64(40000);
    // The failing write reported an error but left its bytes in the file: they were never
    // acknowledged to be written, so the offset does not count them.
    QTest::addRow("EIO, bytes landed anyway") << EIO << false << true << qint64(40000) << 500 << qint64(40000);
    // A failed sync leaves no byte of the request known to be durable: none is kept.
    QTest::addRow("ENOSPC at fdatasync") << ENOSPC << true << false << qint64(0) << 507 << qint64(0);
    QTest::addRow("EIO at fdatasync") << EIO << true << false << qint64(0) << 500 << qint64(0);
}

void tst_StorageFaults::patchFailure()
{
    QFETCH(int, error);
    QFETCH(bool, atSync);
    QFETCH(bool, landsAnyway);
    QFETCH(qint64, budget);
    QFETCH(int, status);
    QFETCH(qint64, kept);
    const qint64 length = 100000;
    const qint64 before = 1000;  // bytes committed before the fault
    const QByteArray bytes = payload(length);
    const QString id = create(length);
    QVERIFY(!id.isEmpty());
    QCOMPARE(patch(id, 0, bytes.left(before)).status, 204);
    const QByteArray infoBefore = readAll(m_store->infoPath(id));

    FaultPlan faults;
    (atSync ? faults.dataSync : faults.write) = Fault{error, FileRole::Data, budget, 0, landsAnyway};
    injectFaults(faults);
    const TusResponse failed = patch(id, before, bytes.mid(before));
    QCOMPARE(failed.status, status);
    QCOMPARE(failed.body, reasonOf(status == 507 ? TusError::StorageFull : TusError::StorageFailure));
    checkHygiene("PATCH", failed);
    QVERIFY((atSync ? plan.dataSync.hits : plan.write.hits) > 0);

    // The offset is the last durable byte, the file holds exactly those bytes, the .info is untouched.
    const qint64 offset = before + kept;
    QCOMPARE(headOffset(id), offset);
    QCOMPARE(dataSize(id), offset);
    QCOMPARE(readAll(m_store->dataPath(id)), bytes.left(offset));
    QCOMPARE(readAll(m_store->infoPath(id)), infoBefore);
    QVERIFY(fromInfoJson(infoBefore));
    QCOMPARE(tempFiles(), QStringList());

    // A restart reads the same offset from the disk.
    liftFaults();
    start(0, FsyncPolicy::Always);
    QCOMPARE(headOffset(id), offset);

    // Space is back: the client resumes where HEAD said, and the result is byte-identical.
    QCOMPARE(patch(id, offset - 1, bytes.mid(offset - 1)).status, 409);  // P3 still holds
    const TusResponse resumed = patch(id, offset, bytes.mid(offset));
    QCOMPARE(resumed.status, 204);
    QCOMPARE(resumed.header("Upload-Offset"), QByteArray::number(length));
    QCOMPARE(readAll(m_store->dataPath(id)), bytes);
    QVERIFY(m_store->find(id)->isComplete());
}

// Many faults in a row at random places, each followed by a resume: after every one the
// offset equals the bytes stored, and they are the client's bytes.
void tst_StorageFaults::repeatedFaultsNeverPassStoredBytes()
{
    const qint64 length = 1 << 20;
    const QByteArray bytes = payload(length);
    const QString id = create(length);
    QVERIFY(!id.isEmpty());
    QRandomGenerator random(20260101);
    qint64 offset = 0;
    int faultsHit = 0;
    for (int round = 0; offset < length && round < 200; ++round) {
        const qint64 chunk = qMin<qint64>(length - offset, 1 + random.bounded(200000));
        FaultPlan faults;
        switch (random.bounded(3)) {
        case 0: faults.write = Fault{ENOSPC, FileRole::Data, random.bounded(qint64(chunk) + 1)}; break;
        case 1: faults.dataSync = Fault{random.bounded(2) ? ENOSPC : EIO, FileRole::Data}; break;
        case 2: break;  // a healthy disk for a while
        }
        injectFaults(faults);
        const TusResponse r = patch(id, offset, bytes.mid(offset, chunk));
        faultsHit += plan.write.hits + plan.dataSync.hits;
        liftFaults();
        QVERIFY2(r.status == 204 || r.status == 507 || r.status == 500, QByteArray::number(r.status).constData());
        const qint64 now = headOffset(id);
        QVERIFY(now >= offset && now <= offset + chunk);
        QCOMPARE(dataSize(id), now);
        QCOMPARE(readAll(m_store->dataPath(id)), bytes.left(now));
        offset = now;
    }
    QCOMPARE(offset, length);
    QVERIFY(faultsHit > 10);
    QCOMPARE(readAll(m_store->dataPath(id)), bytes);
}

// Rule K2 on a full disk: a checksummed chunk that did not all reach the disk cannot be
// verified, so all of it is discarded; the answer still names the disk, not the checksum.
void tst_StorageFaults::checksummedChunkOnFullDiskIsDiscarded()
{
    const QByteArray bytes = payload(50000);
    const QString id = create(bytes.size());
    const QByteArray checksum = "Upload-Checksum: sha1 " + QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toBase64();
    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::Data, 20000}, {}, {}});
    const TusResponse failed = patch(id, 0, bytes, {checksum});
    QCOMPARE(failed.status, 507);
    QCOMPARE(headOffset(id), qint64(0));
    QCOMPARE(dataSize(id), qint64(0));
    liftFaults();
    QCOMPARE(patch(id, 0, bytes, {checksum}).status, 204);
    QCOMPARE(readAll(m_store->dataPath(id)), bytes);
}

// The first PATCH makes the data file; its bytes are durable only once the file's name is:
// under --fsync always the directory is synced too, and when that fails nothing is kept.
void tst_StorageFaults::firstPatchDirectorySyncFails()
{
    const QByteArray bytes = payload(3000);
    const QString id = create(bytes.size());
    QVERIFY(!QFile::exists(m_store->dataPath(id)));  // no byte yet, no data file
    injectFaults(FaultPlan{{}, {}, Fault{EIO, FileRole::Directory}});
    const TusResponse failed = patch(id, 0, bytes);
    QCOMPARE(failed.status, 500);
    checkHygiene("PATCH", failed);
    QCOMPARE(plan.fsync.hits, 1);
    QCOMPARE(headOffset(id), qint64(0));
    QCOMPARE(dataSize(id), qint64(0));
    liftFaults();
    start(0, FsyncPolicy::Always);
    QCOMPARE(headOffset(id), qint64(0));
    QCOMPARE(patch(id, 0, bytes).status, 204);
    QCOMPARE(readAll(m_store->dataPath(id)), bytes);
}

void tst_StorageFaults::creationInfoWriteFails_data()
{
    QTest::addColumn<FaultPlan>("faults");
    QTest::addColumn<int>("status");
    QTest::addRow("ENOSPC writing the .info") << FaultPlan{Fault{ENOSPC, FileRole::InfoTemp}, {}, {}} << 507;
    QTest::addRow("ENOSPC after part of the .info") << FaultPlan{Fault{ENOSPC, FileRole::InfoTemp, 20}, {}, {}} << 507;
    QTest::addRow("EIO writing the .info") << FaultPlan{Fault{EIO, FileRole::InfoTemp}, {}, {}} << 500;
    QTest::addRow("ENOSPC at the .info's fsync") << FaultPlan{{}, {}, Fault{ENOSPC, FileRole::InfoTemp}} << 507;
    // The .info is renamed into place already; only the directory sync fails.
    QTest::addRow("EIO at the directory's fsync") << FaultPlan{{}, {}, Fault{EIO, FileRole::Directory}} << 500;
}

// A creation whose .info cannot be written leaves nothing behind: no upload HEAD could find,
// no stray data file or temp file holding space.
void tst_StorageFaults::creationInfoWriteFails()
{
    QFETCH(FaultPlan, faults);
    QFETCH(int, status);
    injectFaults(faults);
    const TusResponse failed = send("POST", "/files/", {"Upload-Length: 10", "Upload-Metadata: " + metadata});
    QCOMPARE(failed.status, status);
    checkHygiene("POST", failed);
    QVERIFY(!failed.hasHeader("Location"));
    QVERIFY(plan.write.hits + plan.fsync.hits > 0);
    QCOMPARE(m_store->count(), 0);
    QCOMPARE(filesInStore(), 0);
    liftFaults();
    start(0, FsyncPolicy::Always);
    QCOMPARE(m_store->count(), 0);
    const QString id = create(10);
    QVERIFY(!id.isEmpty());
    QCOMPARE(patch(id, 0, "0123456789").status, 204);
}

// creation-with-upload: the upload is created, then its body hits a full disk. The 507 carries
// no Location, so no client could ever resume it; it must not stay behind holding space.
void tst_StorageFaults::creationWithUploadFailsMidway()
{
    const QByteArray bytes = payload(100000);
    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::Data, 30000}, {}, {}});
    const TusResponse failed = send("POST", "/files/", {"Upload-Length: 100000", octet}, bytes);
    QCOMPARE(failed.status, 507);
    checkHygiene("POST", failed);
    QVERIFY(!failed.hasHeader("Location"));
    liftFaults();
    QCOMPARE(filesInStore(), 0);
    QCOMPARE(m_store->count(), 0);
}

// creation-defer-length: declaring the length rewrites the .info. When that fails the old
// .info stays byte for byte, the length stays deferred, and no body byte is written.
void tst_StorageFaults::declaredLengthInfoWriteFails()
{
    const TusResponse created = send("POST", "/files/", {"Upload-Defer-Length: 1"});
    QCOMPARE(created.status, 201);
    const QString id = QString::fromLatin1(created.header("Location").split('/').constLast());
    QCOMPARE(patch(id, 0, "abc").status, 204);
    const QByteArray infoBefore = readAll(m_store->infoPath(id));

    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::InfoTemp, 10}, {}, {}});
    const TusResponse failed = patch(id, 3, "defgh", {"Upload-Length: 8"});
    QCOMPARE(failed.status, 507);
    QCOMPARE(plan.write.hits, 1);
    QCOMPARE(readAll(m_store->infoPath(id)), infoBefore);
    QCOMPARE(tempFiles(), QStringList());
    const TusResponse head = send("HEAD", "/files/" + id.toLatin1());
    checkHeaders(head, {"Upload-Offset: 3", "Upload-Defer-Length: 1", "Upload-Length: " + absent});
    QCOMPARE(dataSize(id), qint64(3));

    liftFaults();
    const TusResponse resumed = patch(id, 3, "defgh", {"Upload-Length: 8"});
    QCOMPARE(resumed.status, 204);
    QCOMPARE(resumed.header("Upload-Offset"), QByteArray("8"));
    QCOMPARE(readAll(m_store->dataPath(id)), QByteArray("abcdefgh"));
}

// The last PATCH's bytes are durable but the .info cannot record the completion: the request
// succeeded (204), the old .info stays valid, and a restart derives the completion from the
// data file's length.
void tst_StorageFaults::completionInfoWriteFails()
{
    const QString id = create(10);
    QCOMPARE(patch(id, 0, "01234").status, 204);
    const QByteArray infoBefore = readAll(m_store->infoPath(id));
    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::InfoTemp}, {}, {}});
    const TusResponse done = patch(id, 5, "56789");
    QCOMPARE(plan.write.hits, 1);
    QCOMPARE(done.status, 204);
    QCOMPARE(done.header("Upload-Offset"), QByteArray("10"));
    QCOMPARE(readAll(m_store->infoPath(id)), infoBefore);
    QCOMPARE(tempFiles(), QStringList());
    liftFaults();
    start(0, FsyncPolicy::Always);
    const auto info = m_store->find(id);
    QVERIFY(info);
    QCOMPARE(info->offset, qint64(10));
    QVERIFY(info->isComplete());
    QVERIFY(info->completedAt.isValid());
    QCOMPARE(readAll(m_store->dataPath(id)), QByteArray("0123456789"));
}

// A full disk fails writes, not the server: lookups, OPTIONS, downloads and DELETE (which
// frees space) keep working while every write fails.
void tst_StorageFaults::otherRequestsServedWhileFull()
{
    const QString done = create(4);
    QCOMPARE(patch(done, 0, "full").status, 204);
    const QString partial = create(10);
    QCOMPARE(patch(partial, 0, "12").status, 204);
    const QString doomed = create(10);
    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::Any}, Fault{ENOSPC, FileRole::Any}, Fault{ENOSPC, FileRole::Any}});

    QCOMPARE(patch(partial, 2, "345").status, 507);
    QCOMPARE(send("POST", "/files/", {"Upload-Length: 10"}).status, 507);
    QCOMPARE(send("OPTIONS", "/files/").status, 204);
    const TusResponse head = send("HEAD", "/files/" + partial.toLatin1());
    QCOMPARE(head.status, 200);
    QCOMPARE(head.header("Upload-Offset"), QByteArray("2"));
    const TusResponse download = send("GET", "/files/" + done.toLatin1());
    QCOMPARE(download.status, 200);
    QVERIFY(download.bodyReader);
    QCOMPARE(download.bodyReader->state(), ContentReader::State::Open);
    QByteArray served(download.bodyLength, '\0');
    QCOMPARE(download.bodyReader->read(served.data(), served.size()), qint64(4));
    QCOMPARE(served, QByteArray("full"));
    QCOMPARE(send("DELETE", "/files/" + doomed.toLatin1()).status, 204);
    QVERIFY(!QFileInfo::exists(m_store->dataPath(doomed)));
    QCOMPARE(m_store->count(), 2);

    liftFaults();
    QCOMPARE(patch(partial, 2, "3456789a").status, 204);
    QCOMPARE(readAll(m_store->dataPath(partial)), QByteArray("123456789a"));
}

// The cleanup pass only removes files, so it still frees space when nothing can be written.
void tst_StorageFaults::cleanupPassWorksWhileWritesFail()
{
    const QString stale1 = create(100000);
    const QString stale2 = create(100000);
    QCOMPARE(patch(stale1, 0, payload(30000)).status, 204);
    QCOMPARE(patch(stale2, 0, payload(20000)).status, 204);
    m_clock.advance(std::chrono::hours(2));  // both expire (expire-after is 1h)
    const QString fresh = create(10);
    injectFaults(FaultPlan{Fault{ENOSPC, FileRole::Any}, Fault{ENOSPC, FileRole::Any}, Fault{ENOSPC, FileRole::Any}});
    QCOMPARE(patch(fresh, 0, "x").status, 507);

    CleanupPolicy policy;
    policy.expireAfter = std::chrono::hours(1);
    const CleanupReport report = CleanupPass(*m_store, m_locks, m_clock, policy).run();
    QCOMPARE(report.errors, 0);
    QCOMPARE(report.removed, 2);
    QVERIFY(report.bytesFreed >= 50000);
    QVERIFY(!QFileInfo::exists(m_store->dataPath(stale1)));
    QVERIFY(!QFileInfo::exists(m_store->infoPath(stale2)));
    QCOMPARE(m_store->count(), 1);
    liftFaults();
    QCOMPARE(patch(fresh, 0, "x").status, 204);
}

QTEST_GUILESS_MAIN(tst_StorageFaults)
#include "tst_storagefaults.moc"

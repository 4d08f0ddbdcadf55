// RedisUploadLocks against a real redis-server: two lockers stand for two qtusd nodes on
// one Redis. Exclusion, expiry of a dead node's lock, renewal, a release request crossing
// nodes, the cleanup lease, and Redis going away and coming back (503-style unavailable
// locks, never a lock two nodes both think they hold).
#include "redisprocess.h"
#include "fileuploadstore.h"
#include "redisuploadlocks.h"
#include "tushandler.h"
#include "tusrequest.h"

#include <QSignalSpy>
#include <QTest>

using namespace qtus;
using namespace qtus::test;
using namespace std::chrono_literals;

namespace {
const QString uploadId = QStringLiteral("0123456789abcdef0123456789abcdef");
}

class TestRedisLocks : public QObject
{
    Q_OBJECT

private:
    RedisProcess m_redis;

    std::unique_ptr<RedisUploadLocks> node(std::chrono::milliseconds ttl = 30s)
    {
        QString error;
        RedisLockSettings settings;
        settings.address = *RedisAddress::parse(m_redis.url(), &error);
        settings.ttl = ttl;
        settings.commandTimeout = 500ms;
        auto locks = std::make_unique<RedisUploadLocks>(settings);
        if (!locks->start(&error))
            qWarning() << error;
        return locks;
    }

private slots:
    void initTestCase() { QVERIFY2(m_redis.start(), "redis-server (Debian's redis-server package) must start"); }
    void init()
    {
        if (!m_redis.ping())
            QVERIFY(m_redis.start());
        m_redis.command({"FLUSHALL"});
    }

    void addressForms_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("display");
        QTest::newRow("tcp") << "redis://127.0.0.1:6380/2" << true << "redis://127.0.0.1:6380 db 2";
        QTest::newRow("default port") << "redis://localhost" << true << "redis://localhost:6379 db 0";
        QTest::newRow("password is not shown") << "redis://:s3cret@10.0.0.1:6379/0" << true << "redis://10.0.0.1:6379 db 0";
        QTest::newRow("unix") << "unix:/run/redis.sock?db=3" << true << "unix:/run/redis.sock db 3";
        QTest::newRow("relative socket") << "unix:run/redis.sock" << false << "";
        QTest::newRow("no host") << "redis:///0" << false << "";
        QTest::newRow("bad db") << "redis://h/x" << false << "";
        QTest::newRow("other scheme") << "http://127.0.0.1:6379" << false << "";
    }
    void addressForms()
    {
        QFETCH(QString, url);
        QFETCH(bool, valid);
        QFETCH(QString, display);
        QString error;
        const auto a = RedisAddress::parse(url, &error);
        QCOMPARE(a.has_value(), valid);
        if (valid)
            QCOMPARE(a->display(), display);
        else
            QVERIFY(error.contains(QLatin1String("redis://")));
    }

    void twoNodesExcludeEachOther()
    {
        auto a = node();
        auto b = node();
        UploadLock held = a->tryLock(uploadId);
        QVERIFY(held.isHeld());
        QCOMPARE(m_redis.command({"GET", a->keyOf(uploadId)}), a->token());
        const UploadLock refused = b->tryLock(uploadId);
        QVERIFY(!refused.isHeld());
        QVERIFY(!refused.isUnavailable());  // 423, not 503
        QVERIFY(b->isLocked(uploadId));
        QVERIFY(!a->tryLock(uploadId).isHeld());  // the same node: one holder too
        QCOMPARE(a->count(), 1);
        QCOMPARE(b->count(), 0);
        held.release();
        QCOMPARE(m_redis.command({"EXISTS", a->keyOf(uploadId)}), QByteArray("0"));
        QVERIFY(b->tryLock(uploadId).isHeld());
    }

    void releaseDeletesOnlyItsOwnKey()
    {
        auto a = node();
        UploadLock held = a->tryLock(uploadId);
        QVERIFY(held.isHeld());
        // The key expired and another node took it meanwhile: letting go must not free it.
        m_redis.command({"SET", a->keyOf(uploadId), "another-node"});
        held.release();
        QCOMPARE(m_redis.command({"GET", a->keyOf(uploadId)}), QByteArray("another-node"));
    }

    void deadNodesLockExpires()
    {
        auto b = node();
        // What a node that crashed leaves: its key, with the TTL it last set, and nobody renewing it.
        m_redis.command({"SET", b->keyOf(uploadId), "crashed-node", "PX", "300"});
        QVERIFY(!b->tryLock(uploadId).isHeld());
        QTRY_VERIFY_WITH_TIMEOUT(b->tryLock(uploadId).isHeld(), 5000);
    }

    void aLiveNodeRenewsItsLocks()
    {
        auto a = node(300ms);  // renewed every 100 ms
        auto b = node(300ms);
        UploadLock held = a->tryLock(uploadId);
        QVERIFY(held.isHeld());
        QSignalSpy renewed(a.get(), &RedisUploadLocks::renewed);
        // Ten renewals take about three TTLs: without them the key would have expired.
        QTRY_VERIFY_WITH_TIMEOUT(renewed.size() >= 10, 10000);
        QVERIFY(!b->tryLock(uploadId).isHeld());
        const qint64 ttlLeft = m_redis.command({"PTTL", a->keyOf(uploadId)}).toLongLong();
        QVERIFY2(ttlLeft > 0 && ttlLeft <= 300, QByteArray::number(ttlLeft));
    }

    void releaseRequestCrossesNodes()
    {
        auto a = node();
        auto b = node();
        QTRY_COMPARE(m_redis.command({"PUBSUB", "NUMSUB", "qtus:release"}), QByteArray("2"));  // both subscribed
        UploadLock held = a->tryLock(uploadId);
        QVERIFY(held.isHeld());
        QObject holder;  // lives on this thread, as an intake would
        QList<bool> asked;
        held.setReleaseHandler(&holder, [&](bool now) {
            asked << now;
            held.release();  // a stalled PATCH commits what it has and lets go
        });
        QVERIFY(!b->requestRelease(uploadId));  // not free yet: the asker answers 423
        QTRY_COMPARE(asked.size(), 1);
        QCOMPARE(asked.first(), false);  // IfStalled
        QVERIFY(b->tryLock(uploadId).isHeld());
    }

    void anActiveHolderKeepsItsLock()
    {
        auto a = node();
        auto b = node();
        QTRY_COMPARE(m_redis.command({"PUBSUB", "NUMSUB", "qtus:release"}), QByteArray("2"));
        UploadLock held = a->tryLock(uploadId);
        int asked = 0;
        QObject holder;
        held.setReleaseHandler(&holder, [&](bool) { ++asked; });  // an active writer: keeps it
        QVERIFY(!b->requestRelease(uploadId, UploadLocker::Release::IfStalled));
        QTRY_COMPARE(asked, 1);
        QVERIFY(!b->tryLock(uploadId).isHeld());
        QVERIFY(held.isHeld());
    }

    void aForgedMessageIsIgnored()
    {
        auto a = node();
        UploadLock held = a->tryLock(uploadId);
        int asked = 0;
        QObject holder;
        held.setReleaseHandler(&holder, [&](bool) { ++asked; });
        QTRY_COMPARE(m_redis.command({"PUBSUB", "NUMSUB", "qtus:release"}), QByteArray("1"));
        m_redis.command({"PUBLISH", "qtus:release", "X " + uploadId.toUtf8()});
        m_redis.command({"PUBLISH", "qtus:release", ""});
        m_redis.command({"PUBLISH", "qtus:release", "S " + uploadId.toUtf8()});  // a real one, last
        QTRY_COMPARE(asked, 1);
    }

    void redisGoingAwayMakesLocksUnavailable()
    {
        auto a = node(600ms);  // renewed every 200 ms
        UploadLock held = a->tryLock(uploadId);
        QVERIFY(held.isHeld());
        m_redis.stop();
        QElapsedTimer took;
        took.start();
        const UploadLock other = a->tryLock(QStringLiteral("fedcba9876543210fedcba9876543210"));
        QVERIFY(!other.isHeld());
        QVERIFY(other.isUnavailable());  // 503, never a guess
        QVERIFY2(took.elapsed() < 2000, QByteArray::number(took.elapsed()));
        QVERIFY(a->isLocked(QStringLiteral("fedcba9876543210fedcba9876543210")));  // unknown counts as locked

        // Redis comes back empty: the held lock is set again by the next renewal, and new
        // locks work once the retry interval has passed.
        QVERIFY(m_redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(a->tryLock(QStringLiteral("fedcba9876543210fedcba9876543210")).isHeld(), 5000);
        QTRY_COMPARE(m_redis.command({"GET", a->keyOf(uploadId)}), a->token());
    }

    // The handler on these locks: Redis away means 503 with a reason and nothing lost; back,
    // the same PATCH goes through.
    void requestsFailCleanlyWhileRedisIsAway()
    {
        QTemporaryDir dir;
        ManualClock clock;
        FileUploadStore store(dir.path(), FsyncPolicy::Never, 1h, clock);
        QString error;
        QVERIFY2(store.open(&error), qPrintable(error));
        auto locks = node();
        ServerConfig config;
        config.dir = dir.path();
        TusHandler handler(config, store, *locks, clock);
        const auto send = [&](const QByteArray &method, const QByteArray &path, const QByteArrayList &headers,
                              const QByteArray &body = {}) {
            return handler.handle(tusRequest(method, path, headers, body));
        };
        const TusResponse created = send("POST", "/files/", {"Upload-Length: 6"});
        QCOMPARE(created.status, 201);
        const QByteArray path = created.header("Location").mid(created.header("Location").indexOf("/files/"));
        QCOMPARE(send("PATCH", path, {"Upload-Offset: 0", "Content-Type: application/offset+octet-stream"}, "abc").status, 204);

        m_redis.stop();
        const QByteArrayList resume{"Upload-Offset: 3", "Content-Type: application/offset+octet-stream"};
        const TusResponse refused = send("PATCH", path, resume, "def");
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.body, QByteArray("upload locks unavailable, try again\n"));
        QCOMPARE(send("DELETE", path, {}).status, 503);
        QCOMPARE(send("POST", "/files/", {"Upload-Length: 1", "Content-Type: application/offset+octet-stream"}, "x").status,
                 503);  // a creation with a body
        QCOMPARE(store.find(created.header("Location").mid(created.header("Location").lastIndexOf('/') + 1))->offset, 3);

        QVERIFY(m_redis.start());
        // Polled as QTRY_* polls, but each PATCH is sent once (QTRY_* evaluates again once true).
        int status = 503;
        QByteArray reason;
        for (QDeadlineTimer deadline(5000); status == 503 && !deadline.hasExpired();) {
            const TusResponse r = send("PATCH", path, resume, "def");
            status = r.status;
            reason = r.body;
            if (status == 503)
                QTest::qWait(20);
        }
        QVERIFY2(status == 204, reason.constData());
        QCOMPARE(status, 204);  // not 409: the refused attempts wrote nothing
        QCOMPARE(store.count(), 1);  // the refused creation left nothing behind
        QCOMPARE(store.sessions().first().offset, 6);
    }

    void theCleanupLeaseIsOnePerCluster()
    {
        auto a = node();
        auto b = node();
        QVERIFY(a->isShared());
        UploadLock lease = a->tryLock(QString::fromLatin1(UploadLocker::cleanupLease));
        QVERIFY(lease.isHeld());
        QVERIFY(!b->tryLock(QString::fromLatin1(UploadLocker::cleanupLease)).isHeld());
        lease.release();
        QVERIFY(b->tryLock(QString::fromLatin1(UploadLocker::cleanupLease)).isHeld());
    }
};

QTEST_GUILESS_MAIN(TestRedisLocks)
#include "tst_redislocks.moc"

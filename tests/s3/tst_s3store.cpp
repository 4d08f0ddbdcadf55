// S3UploadStore under the real TusHandler against a real Ceph RGW (the ctest fixture):
// bytes through the tail object into 5 MiB parts and a completed object identical to what
// was sent; a second store on the same bucket (another node) seeing the same offsets;
// deferred length; termination removing every object; downloads streamed from the object,
// whole and in ranges; the extensions the store can serve; an unreachable S3 answering 503
// with nothing lost.
#include "s3testenv.h"
#include "cleanuppass.h"
#include "s3contentreader.h"
#include "s3uploadstore.h"
#include "tushandler.h"
#include "tusrequest.h"
#include "uploadlocks.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace qtus;
using namespace std::chrono_literals;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QByteArray randomBytes(qint64 size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator{quint32(size)};
    generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

// One server: a store on the bucket and a handler in front of it.
struct Node
{
    Node(const S3Config &s3, const QString &prefix, const QString &staging, const Clock &clock)
    {
        S3StoreSettings settings;
        settings.s3 = s3;
        settings.prefix = prefix;
        settings.stagingDirectory = staging;
        settings.expireAfter = 1h;
        store = std::make_unique<S3UploadStore>(settings, clock);
        ServerConfig config;
        config.dir = staging;
        config.expireAfter = 1h;
        handler = std::make_unique<TusHandler>(config, *store, locks, clock);
    }
    TusResponse send(const QByteArray &method, const QByteArray &path, const QByteArrayList &headers,
                     const QByteArray &body = {})
    {
        return handler->handle(test::tusRequest(method, path, headers, body));
    }
    TusResponse patch(const QByteArray &path, qint64 offset, const QByteArray &body)
    {
        return send("PATCH", path, {"Upload-Offset: " + QByteArray::number(offset), "Content-Type: application/offset+octet-stream"}, body);
    }
    UploadLocks locks;
    std::unique_ptr<S3UploadStore> store;
    std::unique_ptr<TusHandler> handler;
};

// Everything a download's reader gives, as the HTTP layer reads it: what is there, then
// wait for readyRead(). Stops at a failure.
QByteArray drain(ContentReader &reader, qint64 length)
{
    QByteArray out;
    QByteArray chunk(256 * 1024, Qt::Uninitialized);
    while (out.size() < length && reader.state() != ContentReader::State::Failed) {
        QSignalSpy more(&reader, &ContentReader::readyRead);
        const qint64 n = reader.state() == ContentReader::State::Open ? reader.read(chunk.data(), chunk.size()) : 0;
        if (n > 0)
            out += chunk.left(n);
        else if (n == 0 && !more.wait(20000))
            break;
    }
    return out;
}

QByteArray pathOf(const TusResponse &created)
{
    const QByteArray location = created.header("Location");
    return location.mid(location.indexOf("/files/"));
}

} // namespace

class TestS3Store : public QObject
{
    Q_OBJECT

private:
    S3Config m_s3;
    QString m_prefix;
    QTemporaryDir m_staging;
    ManualClock m_clock;

    std::unique_ptr<Node> node(const S3Config &s3)
    {
        auto n = std::make_unique<Node>(s3, m_prefix, m_staging.path(), m_clock);
        QString error;
        if (!n->store->open(&error))
            qWarning() << error;
        return n;
    }
    QByteArray objectBytes(const QString &key)
    {
        S3Session session(m_s3);
        const auto got = session.getSmallObject(key, 64 * MiB);
        return got.ok() ? got.value : QByteArray("<missing>");
    }

private slots:
    void initTestCase()
    {
        QString problem;
        const auto config = s3test::configForTests(&problem);
        QVERIFY2(config, qPrintable(problem));
        m_s3 = *config;
        m_prefix = QStringLiteral("s3store-%1/").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
        m_clock.set(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    }

    void bytesBecomePartsAndTheObjectIsWhatWasSent()
    {
        auto a = node(m_s3);
        const QByteArray content = randomBytes(13 * MiB + 123);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: " + QByteArray::number(content.size())});
        QCOMPARE(created.status, 201);
        const QByteArray path = pathOf(created);
        const QString id = QString::fromLatin1(path.mid(7));

        // 3 MiB: short of a part, so a tail object holds it.
        QCOMPARE(a->patch(path, 0, content.left(3 * MiB)).status, 204);
        QCOMPARE(a->send("HEAD", path, {}).header("Upload-Offset"), QByteArray::number(3 * MiB));
        // 4 MiB more: tail + body = 7 MiB, one part; no tail left.
        QCOMPARE(a->patch(path, 3 * MiB, content.mid(3 * MiB, 4 * MiB)).status, 204);
        // Another node reads the same state from S3.
        auto b = node(m_s3);
        QCOMPARE(b->send("HEAD", path, {}).header("Upload-Offset"), QByteArray::number(7 * MiB));
        // The rest through the other node, in two requests; the last completes the upload.
        QCOMPARE(b->patch(path, 7 * MiB, content.mid(7 * MiB, 2 * MiB)).status, 204);
        const TusResponse last = b->patch(path, 9 * MiB, content.mid(9 * MiB));
        QCOMPARE(last.status, 204);
        QCOMPARE(last.header("Upload-Offset"), QByteArray::number(content.size()));
        QCOMPARE(a->send("HEAD", path, {}).header("Upload-Offset"), QByteArray::number(content.size()));
        QVERIFY(a->store->find(id)->completedAt.isValid());
        QVERIFY(objectBytes(a->store->objectKey(id)) == content);
        QDir staging(m_staging.path());
        QCOMPARE(staging.entryList(QDir::Files), QStringList());  // nothing left on the local disk
    }

    void anOffsetMismatchStoresNothing()
    {
        auto a = node(m_s3);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: 10"});
        const QByteArray path = pathOf(created);
        QCOMPARE(a->patch(path, 0, "abcd").status, 204);
        QCOMPARE(a->patch(path, 2, "zz").status, 409);
        QCOMPARE(a->patch(path, 4, "efghij").status, 204);
        QCOMPARE(objectBytes(a->store->objectKey(QString::fromLatin1(path.mid(7)))), QByteArray("abcdefghij"));
    }

    void deferredLength()
    {
        auto a = node(m_s3);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Defer-Length: 1"});
        QCOMPARE(created.status, 201);
        const QByteArray path = pathOf(created);
        QCOMPARE(a->patch(path, 0, "hello ").status, 204);
        QCOMPARE(a->send("HEAD", path, {}).header("Upload-Defer-Length"), QByteArray("1"));
        QCOMPARE(a->send("PATCH", path, {"Upload-Offset: 6", "Upload-Length: 11", "Content-Type: application/offset+octet-stream"},
                         "world").status, 204);
        QCOMPARE(objectBytes(a->store->objectKey(QString::fromLatin1(path.mid(7)))), QByteArray("hello world"));

        // The length declared by a PATCH without bytes: the tail becomes the object.
        const QByteArray tailOnly = pathOf(a->send("POST", "/files/", {"Upload-Defer-Length: 1"}));
        QCOMPARE(a->patch(tailOnly, 0, "abc").status, 204);
        QCOMPARE(a->send("PATCH", tailOnly, {"Upload-Offset: 3", "Upload-Length: 3", "Content-Type: application/offset+octet-stream"}).status, 204);
        QCOMPARE(objectBytes(a->store->objectKey(QString::fromLatin1(tailOnly.mid(7)))), QByteArray("abc"));
        // Declared 0 before any byte: an empty object, no multipart upload left open.
        const QByteArray empty = pathOf(a->send("POST", "/files/", {"Upload-Defer-Length: 1"}));
        QCOMPARE(a->send("PATCH", empty, {"Upload-Offset: 0", "Upload-Length: 0", "Content-Type: application/offset+octet-stream"}).status, 204);
        QCOMPARE(objectBytes(a->store->objectKey(QString::fromLatin1(empty.mid(7)))), QByteArray());
        S3Session session(m_s3);
        const auto open = session.call<S3UploadPage>([&](S3Client &c, S3Client::Callback<S3UploadPage> done) {
            c.listMultipartUploads(a->store->objectKey(QString::fromLatin1(empty.mid(7))), QString(), QString(), 10, nullptr, done);
        });
        QVERIFY(open.ok());
        QCOMPARE(open.value.uploads.size(), 0);
    }

    void terminationRemovesEveryObject()
    {
        auto a = node(m_s3);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: 100"});
        const QByteArray path = pathOf(created);
        const QString id = QString::fromLatin1(path.mid(7));
        QCOMPARE(a->patch(path, 0, "some bytes").status, 204);
        QCOMPARE(a->send("DELETE", path, {}).status, 204);
        QCOMPARE(a->send("HEAD", path, {}).status, 404);
        QVERIFY(!a->store->uploadIds().contains(id));
        S3Session session(m_s3);
        const auto page = session.call<S3ObjectPage>([&](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
            c.listObjects(m_prefix + id, QString(), 10, nullptr, done);
        });
        QVERIFY(page.ok());
        QCOMPARE(page.value.objects.size(), 0);  // no .info, no tail
        const auto uploads = session.call<S3UploadPage>([&](S3Client &c, S3Client::Callback<S3UploadPage> done) {
            c.listMultipartUploads(m_prefix + id, QString(), QString(), 10, nullptr, done);
        });
        QVERIFY(uploads.ok());
        QCOMPARE(uploads.value.uploads.size(), 0);  // aborted
    }

    // Concatenation: parts of 5 MiB or more before any smaller one are copied inside S3
    // (UploadPartCopy); a small part, and everything after it, goes through the staging file.
    void concatenationCopiesBigPartsInsideS3_data()
    {
        QTest::addColumn<QList<qint64>>("sizes");
        QTest::addColumn<qint64>("copiedInS3");
        QTest::newRow("two big, one small last") << QList<qint64>{6 * MiB, 5 * MiB, 1000} << 11 * MiB;
        QTest::newRow("small first, then big") << QList<qint64>{1000, 6 * MiB} << qint64(0);
        QTest::newRow("small only") << QList<qint64>{10, 20, 30} << qint64(0);
    }
    void concatenationCopiesBigPartsInsideS3()
    {
        QFETCH(QList<qint64>, sizes);
        QFETCH(qint64, copiedInS3);
        auto a = node(m_s3);
        QByteArray expected;
        QByteArrayList parts;
        for (int i = 0; i < sizes.size(); ++i) {
            const QByteArray bytes = randomBytes(sizes[i] + 4).left(sizes[i]);
            const TusResponse created = a->send("POST", "/files/", {"Upload-Length: " + QByteArray::number(sizes[i]), "Upload-Concat: partial"});
            QCOMPARE(created.status, 201);
            QCOMPARE(a->patch(pathOf(created), 0, bytes).status, 204);
            parts << pathOf(created);
            expected += bytes;
        }
        const TusResponse final = a->send("POST", "/files/", {"Upload-Concat: final;" + parts.join(' ')});
        QCOMPARE(final.status, 201);
        const QString id = QString::fromLatin1(pathOf(final).mid(7));
        QCOMPARE(a->send("HEAD", pathOf(final), {}).header("Upload-Offset"), QByteArray::number(expected.size()));
        QVERIFY(objectBytes(a->store->objectKey(id)) == expected);
        QCOMPARE(a->store->bytesCopiedInS3(), copiedInS3);
        QCOMPARE(QDir(m_staging.path()).entryList(QDir::Files), QStringList());
    }

    // GET of a completed upload streams its object from S3, whole or a range; the bytes are
    // what was sent. The reader is Opening until S3 answers, so nothing is promised before.
    void downloadStreamsTheObject_data()
    {
        QTest::addColumn<QByteArray>("range");
        QTest::addColumn<int>("status");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("length");
        const qint64 size = 7 * MiB + 5;
        QTest::newRow("whole") << QByteArray() << 200 << qint64(0) << size;
        QTest::newRow("across the part boundary") << QByteArray("bytes=5242000-5243999") << 206 << qint64(5242000) << qint64(2000);
        QTest::newRow("the last 10") << QByteArray("bytes=-10") << 206 << size - 10 << qint64(10);
        QTest::newRow("from 6 MiB") << QByteArray("bytes=6291456-") << 206 << 6 * MiB << size - 6 * MiB;
    }
    void downloadStreamsTheObject()
    {
        QFETCH(QByteArray, range);
        QFETCH(int, status);
        QFETCH(qint64, first);
        QFETCH(qint64, length);
        auto a = node(m_s3);
        const QByteArray content = randomBytes(7 * MiB + 8).left(7 * MiB + 5);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: " + QByteArray::number(content.size())});
        const QByteArray path = pathOf(created);
        QCOMPARE(a->patch(path, 0, content.left(5 * MiB)).status, 204);
        QCOMPARE(a->send("GET", path, {}).status, 404);  // not complete yet
        QCOMPARE(a->patch(path, 5 * MiB, content.mid(5 * MiB)).status, 204);

        const TusResponse got = a->send("GET", path, range.isEmpty() ? QByteArrayList() : QByteArrayList{"Range: " + range});
        QCOMPARE(got.status, status);
        QCOMPARE(got.bodyLength, length);
        QVERIFY(got.bodyReader);
        QCOMPARE(got.bodyReader->state(), ContentReader::State::Opening);
        const QByteArray served = drain(*got.bodyReader, length);
        QCOMPARE(got.bodyReader->state(), ContentReader::State::Open);
        QCOMPARE(served.size(), length);
        QVERIFY(served == content.mid(first, length));
    }

    // The object gone between the lookup and the transfer (removed by another node): the
    // reader fails before anything is promised, as NotFound. An unreachable S3: as
    // StorageUnavailable (503).
    void downloadFailuresComeBeforeTheAnswer()
    {
        auto a = node(m_s3);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: 5"});
        const QByteArray path = pathOf(created);
        QCOMPARE(a->patch(path, 0, "12345").status, 204);
        const QString id = QString::fromLatin1(path.mid(7));
        S3Session session(m_s3);
        QVERIFY(session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> done) {
            c.deleteObject(a->store->objectKey(id), nullptr, done);
        }).ok());
        const TusResponse got = a->send("GET", path, {});
        QCOMPARE(got.status, 200);
        QVERIFY(got.bodyReader);
        QCOMPARE(drain(*got.bodyReader, 5), QByteArray());
        QCOMPARE(got.bodyReader->state(), ContentReader::State::Failed);
        QCOMPARE(got.bodyReader->failure(), TusError::NotFound);

        S3Config closed = m_s3;
        closed.endpoint.setPort(1);  // nothing listens there
        closed.transferTimeout = 2s;
        S3Session down(closed);
        S3ContentReader unreachable(down, a->store->objectKey(id), 0, 5);
        QCOMPARE(drain(unreachable, 5), QByteArray());
        QCOMPARE(unreachable.state(), ContentReader::State::Failed);
        QCOMPARE(unreachable.failure(), TusError::StorageUnavailable);
    }

    void extensionsAreWhatTheStoreServes()
    {
        auto a = node(m_s3);
        QCOMPARE(a->send("OPTIONS", "/files/", {}).header("Tus-Extension"),
                 QByteArray("creation,creation-with-upload,creation-defer-length,expiration,termination,checksum,concatenation"));
        QCOMPARE(a->store->hookStorage(QStringLiteral("0123456789abcdef0123456789abcdef")).value("Type").toString(),
                 QStringLiteral("s3store"));
    }

    // A multipart upload and a tail object that no .info describes (a crash between two
    // writes) are removed by the cleanup pass once older than the grace period; a real
    // upload beside them stays.
    void cleanupRemovesStraysButNotUploads()
    {
        const QString prefix = m_prefix + QStringLiteral("strays/");
        ManualClock later;  // real time plus 2 h: the strays are 2 h old by it, the upload is not
        later.set(QDateTime::currentDateTimeUtc().addSecs(2 * 3600));
        Node a(m_s3, prefix, m_staging.path(), later);
        QString error;
        QVERIFY2(a.store->open(&error), qPrintable(error));
        const TusResponse created = a.send("POST", "/files/", {"Upload-Length: 100"});
        QCOMPARE(a.patch(pathOf(created), 0, "kept").status, 204);
        const QString stray = QStringLiteral("0123456789abcdef0123456789abcdef");
        S3Session session(m_s3);
        QVERIFY(session.call<QString>([&](S3Client &c, S3Client::Callback<QString> done) {
            c.createMultipartUpload(prefix + stray, QByteArray(), nullptr, done);
        }).ok());
        QVERIFY(session.call<QByteArray>([&](S3Client &c, S3Client::Callback<QByteArray> done) {
            c.putObject(prefix + stray + QStringLiteral(".tail.3"), "lost", QByteArray(), nullptr, done);
        }).ok());

        CleanupPolicy policy;
        policy.expireAfter = 24h;
        policy.orphanGrace = 1h;
        UploadLocks locks;
        const CleanupReport young = CleanupPass(*a.store, locks, m_clock, policy).run();
        QCOMPARE(young.removed, 0);  // by the tests' clock (January 2026) the strays are not old yet
        const CleanupReport report = CleanupPass(*a.store, locks, later, policy).run();
        QCOMPARE(report.errors, 0);
        QCOMPARE(report.removed, 2);
        const auto uploads = session.call<S3UploadPage>([&](S3Client &c, S3Client::Callback<S3UploadPage> done) {
            c.listMultipartUploads(prefix + stray, QString(), QString(), 10, nullptr, done);
        });
        QCOMPARE(uploads.value.uploads.size(), 0);
        const auto objects = session.call<S3ObjectPage>([&](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
            c.listObjects(prefix + stray, QString(), 10, nullptr, done);
        });
        QCOMPARE(objects.value.objects.size(), 0);
        QCOMPARE(a.send("HEAD", pathOf(created), {}).header("Upload-Offset"), QByteArray("4"));
    }

    void unreachableS3Is503AndLosesNothing()
    {
        auto a = node(m_s3);
        const TusResponse created = a->send("POST", "/files/", {"Upload-Length: 10"});
        const QByteArray path = pathOf(created);
        QCOMPARE(a->patch(path, 0, "12345").status, 204);

        S3Config closed = m_s3;
        closed.endpoint.setPort(1);  // nothing listens there
        closed.transferTimeout = 2s;
        Node down(closed, m_prefix, m_staging.path(), m_clock);
        const TusResponse head = down.send("HEAD", path, {});
        QCOMPARE(head.status, 503);
        QCOMPARE(head.body, QByteArray("storage unreachable, try again\n"));
        QCOMPARE(down.patch(path, 5, "67890").status, 503);
        QCOMPARE(down.send("POST", "/files/", {"Upload-Length: 1"}).status, 503);
        // Nothing the unreachable node was sent counts; the upload is where it was.
        QCOMPARE(a->send("HEAD", path, {}).header("Upload-Offset"), QByteArray("5"));
        QCOMPARE(a->patch(path, 5, "67890").status, 204);
    }
};

QTEST_GUILESS_MAIN(TestS3Store)
#include "tst_s3store.moc"

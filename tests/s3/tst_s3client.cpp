// S3Client against a real Ceph RGW (the ctest fixture in tests/s3/CMakeLists.txt starts one
// with scripts/rgw.sh): multipart uploads from file ranges, ranged reads, UploadPartCopy,
// small objects, listings, and the errors a store must tell apart (not found, too small,
// refused signature). tst_s3wire has the endpoints that do not answer.
#include "s3client.h"
#include "s3objectreader.h"
#include "s3testenv.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QTemporaryFile>
#include <QTest>
#include <QTimer>

using namespace qtus;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr int answerTimeoutMs = 60000;

QByteArray randomBytes(qint64 size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(seed);
    generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    for (qint64 i = size / 4 * 4; i < size; ++i)
        bytes[i] = char(generator.generate());
    return bytes;
}

// Everything a GetObject streamed, read as it arrived.
struct Download
{
    std::optional<S3Error> error;
    QByteArray bytes;
    int status = 0;
    qint64 objectSize = -1;
    bool started = false;
};

} // namespace

class tst_S3Client : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void multipartFromFileRangesThenRangedGet();
    void tooSmallPartIsACleanError();
    void abortedUploadIsNotFound();
    void uploadPartCopyConcatenatesRanges();
    void putHeadDeleteSmallObject();
    void oddKeysAreSignedAsSent();
    void listObjectsPagesOneByOne();
    void listMultipartUploadsFindsThem();
    void getObjectErrorIsNotData();
    void wrongSecretIsSignatureDoesNotMatch();

private:
    // Runs one operation to its callback, in an event loop as the server's: QTest::qWaitFor
    // sleeps 10 ms between its rounds of events, and QNAM asks for each piece of an upload
    // body with an event (a 5 MiB part took 3 s there).
    template <typename T, typename Start>
    S3Result<T> await(Start start)
    {
        std::optional<S3Result<T>> result;
        QEventLoop loop;
        start([&result, &loop](const S3Result<T> &r) {
            result = r;
            loop.quit();
        });
        QTimer::singleShot(answerTimeoutMs, &loop, &QEventLoop::quit);
        if (!result)
            loop.exec();
        if (!result)
            return S3Result<T>{S3Error{0, QString(), QStringLiteral("no callback within 60 s"), QString(), false}, T{}};
        return *result;
    }
    Download download(const QString &key, std::optional<S3ByteRange> range = std::nullopt);
    QString writeFile(const QByteArray &bytes);

    S3Config m_config;
    std::unique_ptr<S3Client> m_client;
    QString m_prefix;  // this run's keys: a bucket may outlive one run
    std::vector<std::unique_ptr<QTemporaryFile>> m_files;
};

// QVERIFY2 builds its message whether or not the check fails.
#define QVERIFY_OK(result) \
    QVERIFY2((result).ok(), qPrintable((result).ok() ? QString() : (result).error->describe()))
#define QVERIFY_DOWNLOADED(download) \
    QVERIFY2(!(download).error, qPrintable((download).error ? (download).error->describe() : QString()))

void tst_S3Client::initTestCase()
{
    QString problem;
    const auto config = s3test::configForTests(&problem);
    QVERIFY2(config, qPrintable(problem));
    m_config = *config;
    m_client = std::make_unique<S3Client>(m_config);
    m_prefix = QStringLiteral("tst_s3client-%1/").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
    const auto created = await<std::monostate>([&](auto done) { m_client->createBucket(this, done); });
    if (!created.ok())  // scripts/rgw.sh made it already
        QVERIFY2(created.error->code == QLatin1String("BucketAlreadyOwnedByYou"), qPrintable(created.error->describe()));
}

Download tst_S3Client::download(const QString &key, std::optional<S3ByteRange> range)
{
    Download result;
    std::unique_ptr<S3ObjectReader> reader(m_client->getObject(key, range));
    connect(reader.get(), &S3ObjectReader::started, this, [&] {
        result.started = true;
        result.status = reader->httpStatus();
        result.objectSize = reader->objectSize();
    });
    connect(reader.get(), &S3ObjectReader::readyRead, this, [&] { result.bytes += reader->read(MiB); });
    QEventLoop loop;
    connect(reader.get(), &S3ObjectReader::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(answerTimeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    while (reader->bytesAvailable() > 0)
        result.bytes += reader->read(MiB);
    result.error = reader->isFinished() ? reader->error()
                                        : S3Error{0, QString(), QStringLiteral("not finished in 60 s"), QString(), false};
    return result;
}

QString tst_S3Client::writeFile(const QByteArray &bytes)
{
    auto file = std::make_unique<QTemporaryFile>();
    if (!file->open() || file->write(bytes) != bytes.size() || !file->flush())
        return QString();
    m_files.push_back(std::move(file));
    return m_files.back()->fileName();
}

void tst_S3Client::multipartFromFileRangesThenRangedGet()
{
    // The upload is bytes 100.. of the file, as a staging file may hold more than one part.
    const QByteArray object = randomBytes(5 * MiB + 4321, 1);
    const QString path = writeFile(randomBytes(100, 2) + object);
    QVERIFY(!path.isEmpty());
    const QString key = m_prefix + QStringLiteral("multipart");
    QElapsedTimer timer;
    timer.start();

    const auto created = await<QString>([&](auto done) { m_client->createMultipartUpload(key, "application/octet-stream", this, done); });
    QVERIFY_OK(created);
    const QString uploadId = created.value;
    const auto first = await<QByteArray>([&](auto done) { m_client->uploadPart(key, uploadId, 1, path, 100, 5 * MiB, this, done); });
    QVERIFY_OK(first);
    const auto second = await<QByteArray>([&](auto done) { m_client->uploadPart(key, uploadId, 2, path, 100 + 5 * MiB, 4321, this, done); });
    QVERIFY_OK(second);
    QCOMPARE(first.value, '"' + QCryptographicHash::hash(object.left(5 * MiB), QCryptographicHash::Md5).toHex() + '"');

    // What a restarted server recovers: the parts, and the offset as their sum.
    const auto listed = await<S3PartList>([&](auto done) { m_client->listParts(key, uploadId, this, done); });
    QVERIFY_OK(listed);
    QCOMPARE(listed.value.parts.size(), 2);
    QCOMPARE(listed.value.parts[0].number, 1);
    QCOMPARE(listed.value.parts[0].size, 5 * MiB);
    QCOMPARE(listed.value.parts[0].etag, first.value);
    QCOMPARE(listed.value.parts[1].etag, second.value);
    QCOMPARE(listed.value.totalSize(), object.size());

    const auto completed = await<QByteArray>([&](auto done) { m_client->completeMultipartUpload(key, uploadId, listed.value.parts, this, done); });
    QVERIFY_OK(completed);  // RGW answers <ETag></ETag>; HeadObject has it
    const auto head = await<S3ObjectInfo>([&](auto done) { m_client->headObject(key, this, done); });
    QVERIFY_OK(head);
    QCOMPARE(head.value.size, object.size());
    QVERIFY2(head.value.etag.endsWith("-2\""), head.value.etag.constData());
    const qint64 roundTrip = timer.elapsed();

    // A range across the parts' border, then the whole object.
    const Download range = download(key, S3ByteRange{5 * MiB - 10, 5 * MiB + 99});
    QVERIFY_DOWNLOADED(range);
    QCOMPARE(range.status, 206);
    QCOMPARE(range.objectSize, object.size());
    QCOMPARE(range.bytes, object.mid(5 * MiB - 10, 110));
    const Download whole = download(key);
    QVERIFY_DOWNLOADED(whole);
    QCOMPARE(whole.status, 200);
    QVERIFY(whole.bytes == object);
    const Download tail = download(key, S3ByteRange{object.size() - 5, -1});
    QCOMPARE(tail.bytes, object.right(5));
    qInfo("multipart round trip of %lld bytes (create, 2 parts, list, complete, head): %lld ms",
          qint64(object.size()), roundTrip);
}

void tst_S3Client::tooSmallPartIsACleanError()
{
    const QString path = writeFile(randomBytes(200, 3));
    const QString key = m_prefix + QStringLiteral("too-small");
    const auto created = await<QString>([&](auto done) { m_client->createMultipartUpload(key, "application/octet-stream", this, done); });
    QVERIFY_OK(created);
    QList<S3Part> parts;
    for (int number : {1, 2}) {
        const auto part = await<QByteArray>([&](auto done) { m_client->uploadPart(key, created.value, number, path, (number - 1) * 100, 100, this, done); });
        QVERIFY_OK(part);
        parts.append(S3Part{number, 100, part.value});
    }
    const auto completed = await<QByteArray>([&](auto done) { m_client->completeMultipartUpload(key, created.value, parts, this, done); });
    QVERIFY(!completed.ok());
    QCOMPARE(completed.error->code, QStringLiteral("EntityTooSmall"));
    QCOMPARE(completed.error->httpStatus, 400);
    QVERIFY(!completed.error->unreachable);
    QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->abortMultipartUpload(key, created.value, this, done); }));
}

void tst_S3Client::abortedUploadIsNotFound()
{
    const QString path = writeFile(randomBytes(10, 4));
    const QString key = m_prefix + QStringLiteral("aborted");
    const auto created = await<QString>([&](auto done) { m_client->createMultipartUpload(key, "application/octet-stream", this, done); });
    QVERIFY_OK(created);
    QVERIFY_OK(await<QByteArray>([&](auto done) { m_client->uploadPart(key, created.value, 1, path, 0, 10, this, done); }));
    QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->abortMultipartUpload(key, created.value, this, done); }));

    const auto listed = await<S3PartList>([&](auto done) { m_client->listParts(key, created.value, this, done); });
    QVERIFY(!listed.ok());
    QVERIFY(listed.error->notFound());
    QVERIFY(!listed.error->unreachable);
    // AWS says NoSuchUpload; RGW says NoSuchKey.
    QVERIFY2(QStringList({"NoSuchUpload", "NoSuchKey"}).contains(listed.error->code),
             qPrintable(listed.error->describe()));
    const auto part = await<QByteArray>([&](auto done) { m_client->uploadPart(key, created.value, 2, path, 0, 10, this, done); });
    QVERIFY(!part.ok());
    QCOMPARE(part.error->code, QStringLiteral("NoSuchUpload"));

    // A part from a range the file does not have is refused before anything is sent.
    const auto beyond = await<QByteArray>([&](auto done) { m_client->uploadPart(key, created.value, 1, path, 5, 10, this, done); });
    QVERIFY(!beyond.ok());
    QCOMPARE(beyond.error->httpStatus, 0);
    QVERIFY(!beyond.error->unreachable);
}

void tst_S3Client::uploadPartCopyConcatenatesRanges()
{
    const QByteArray source = randomBytes(6 * MiB, 5);
    const QString sourceKey = m_prefix + QStringLiteral("copy-source");
    QVERIFY_OK(await<QByteArray>([&](auto done) { m_client->putObject(sourceKey, source, "application/octet-stream", this, done); }));
    const QString key = m_prefix + QStringLiteral("copy-target");
    const auto created = await<QString>([&](auto done) { m_client->createMultipartUpload(key, "application/octet-stream", this, done); });
    QVERIFY_OK(created);
    const auto first = await<QByteArray>([&](auto done) {
        m_client->uploadPartCopy(key, created.value, 1, sourceKey, S3ByteRange{MiB, 6 * MiB - 1}, this, done);
    });
    QVERIFY_OK(first);
    const auto second = await<QByteArray>([&](auto done) {
        m_client->uploadPartCopy(key, created.value, 2, sourceKey, S3ByteRange{0, 99}, this, done);
    });
    QVERIFY_OK(second);
    QCOMPARE(first.value, '"' + QCryptographicHash::hash(source.mid(MiB), QCryptographicHash::Md5).toHex() + '"');
    QVERIFY_OK(await<QByteArray>([&](auto done) {
        m_client->completeMultipartUpload(key, created.value, {{1, 0, first.value}, {2, 0, second.value}}, this, done);
    }));
    const Download whole = download(key);
    QVERIFY_DOWNLOADED(whole);
    QVERIFY(whole.bytes == source.mid(MiB) + source.left(100));
}

void tst_S3Client::putHeadDeleteSmallObject()
{
    const QString key = m_prefix + QStringLiteral("0123456789abcdef.info");
    const QByteArray json = R"({"ID":"0123456789abcdef","Size":42})";
    const auto put = await<QByteArray>([&](auto done) { m_client->putObject(key, json, "application/json", this, done); });
    QVERIFY_OK(put);
    const auto head = await<S3ObjectInfo>([&](auto done) { m_client->headObject(key, this, done); });
    QVERIFY_OK(head);
    QCOMPARE(head.value.size, json.size());
    QCOMPARE(head.value.etag, put.value);
    QCOMPARE(head.value.contentType, QByteArray("application/json"));
    QVERIFY(head.value.lastModified.isValid());
    QCOMPARE(download(key).bytes, json);

    QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->deleteObject(key, this, done); }));
    const auto gone = await<S3ObjectInfo>([&](auto done) { m_client->headObject(key, this, done); });
    QVERIFY(!gone.ok());
    QVERIFY(gone.error->notFound());
    QVERIFY(!gone.error->unreachable);
    QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->deleteObject(key, this, done); }));  // absent is fine
}

void tst_S3Client::oddKeysAreSignedAsSent()
{
    // Every byte that the path encoding or QUrl could get wrong: reserved characters, space,
    // '%', '+', UTF-8, and a '/' that must stay one.
    const QString key = m_prefix + QStringLiteral("odd/a b+c=d&e$f%41g:h@i,j;k'l(m)n*o~p\u00fc\u20ac.bin");
    const QByteArray body = "odd";
    QVERIFY_OK(await<QByteArray>([&](auto done) { m_client->putObject(key, body, "application/octet-stream", this, done); }));
    const auto head = await<S3ObjectInfo>([&](auto done) { m_client->headObject(key, this, done); });
    QVERIFY_OK(head);
    QCOMPARE(download(key).bytes, body);
    const auto listed = await<S3ObjectPage>([&](auto done) { m_client->listObjects(m_prefix + QStringLiteral("odd/"), QString(), 10, this, done); });
    QVERIFY_OK(listed);
    QCOMPARE(listed.value.objects.size(), 1);
    QCOMPARE(listed.value.objects[0].key, key);
    QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->deleteObject(key, this, done); }));
}

void tst_S3Client::listObjectsPagesOneByOne()
{
    const QString prefix = m_prefix + QStringLiteral("list/");
    const QStringList keys{prefix + "a", prefix + "b c", prefix + "d+\u00fc"};
    for (const QString &key : keys)
        QVERIFY_OK(await<QByteArray>([&](auto done) { m_client->putObject(key, key.toUtf8(), "text/plain", this, done); }));
    QStringList seen;
    QString token;
    int pages = 0;
    for (bool more = true; more; ++pages) {
        QVERIFY(pages < 5);
        const auto page = await<S3ObjectPage>([&](auto done) { m_client->listObjects(prefix, token, 1, this, done); });
        QVERIFY_OK(page);
        QCOMPARE(page.value.objects.size(), 1);
        QCOMPARE(page.value.objects[0].size, page.value.objects[0].key.toUtf8().size());
        seen.append(page.value.objects[0].key);
        more = page.value.truncated;
        token = page.value.nextContinuationToken;
    }
    QCOMPARE(pages, 3);
    QCOMPARE(seen, keys);
}

void tst_S3Client::listMultipartUploadsFindsThem()
{
    const QString prefix = m_prefix + QStringLiteral("uploads/");
    QStringList ids;
    for (const QString &name : {QStringLiteral("one"), QStringLiteral("two")}) {
        const auto created = await<QString>([&](auto done) { m_client->createMultipartUpload(prefix + name, "application/octet-stream", this, done); });
        QVERIFY_OK(created);
        ids.append(created.value);
    }
    const auto page = await<S3UploadPage>([&](auto done) { m_client->listMultipartUploads(prefix, QString(), QString(), 1000, this, done); });
    QVERIFY_OK(page);
    QCOMPARE(page.value.uploads.size(), 2);
    QCOMPARE(page.value.uploads[0].key, prefix + "one");
    QCOMPARE(page.value.uploads[0].uploadId, ids[0]);
    QCOMPARE(page.value.uploads[1].uploadId, ids[1]);
    QVERIFY(page.value.uploads[0].initiated.isValid());
    for (int i = 0; i < 2; ++i)
        QVERIFY_OK(await<std::monostate>([&](auto done) { m_client->abortMultipartUpload(page.value.uploads[i].key, ids[i], this, done); }));
}

void tst_S3Client::getObjectErrorIsNotData()
{
    const Download missing = download(m_prefix + QStringLiteral("never-written"));
    QVERIFY(missing.error);
    QCOMPARE(missing.error->httpStatus, 404);
    QCOMPARE(missing.error->code, QStringLiteral("NoSuchKey"));
    QVERIFY(!missing.started);
    QVERIFY(missing.bytes.isEmpty());  // the XML of the error is not the object's bytes
}

void tst_S3Client::wrongSecretIsSignatureDoesNotMatch()
{
    S3Config config = m_config;
    config.credentials.secretKey = "not-" + config.credentials.secretKey;
    S3Client client(config);
    const auto listed = await<S3ObjectPage>([&](auto done) { client.listObjects(m_prefix, QString(), 10, this, done); });
    QVERIFY(!listed.ok());
    QCOMPARE(listed.error->httpStatus, 403);
    QCOMPARE(listed.error->code, QStringLiteral("SignatureDoesNotMatch"));
    QVERIFY(!listed.error->unreachable);
    QVERIFY(!listed.error->describe().contains(QString::fromUtf8(config.credentials.secretKey)));
}

QTEST_GUILESS_MAIN(tst_S3Client)
#include "tst_s3client.moc"

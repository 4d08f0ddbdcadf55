#pragma once
// The world a TusHandler test runs in: a FileUploadStore in a QTemporaryDir, UploadLocks, a
// ManualClock, and a handler built from a ServerConfig; plus a request builder that reads like
// a table row ("Name: value" header lines) and the checks every response must pass.
//
// Built with QTUS_TEST_S3_STORE, the store is an S3UploadStore on the RGW of the tests/s3
// fixture instead (a fresh key prefix per test, staging files in the QTemporaryDir): the same
// protocol rows run against both stores. What the checks read from the store then comes
// from S3 itself (tushandlers3fixture.h).
#include "fileuploadstore.h"
#include "tushandler.h"
#ifdef QTUS_TEST_S3_STORE
#include "tushandlers3fixture.h"
#endif

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace qtus::test {

using namespace std::chrono_literals;

const QByteArray octet = "Content-Type: application/offset+octet-stream";
const QByteArray metadata = "filename d29ybGQudHh0,is_confidential";  // prepared uploads carry it
const QByteArray absent = "<absent>";
const QByteArray any = "<any>";
// ManualClock starts at Thu, 01 Jan 2026 12:00:00 UTC; expire-after is 1h unless a test says otherwise.
const QByteArray expiresAtStart = "Thu, 01 Jan 2026 13:00:00 GMT";

inline QByteArray headerName(const QByteArray &line) { return line.left(line.indexOf(':')).trimmed(); }
inline QByteArray headerValue(const QByteArray &line) { return line.mid(line.indexOf(':') + 1).trimmed(); }
// "/files/<id>" from a 201's absolute Location.
inline QByteArray pathOf(const TusResponse &created)
{
    const QByteArray location = created.header("Location");
    return location.mid(location.indexOf("/files/"));
}

#ifdef QTUS_TEST_S3_STORE
using StoreUnderTest = S3UploadStore;
#else
using StoreUnderTest = FileUploadStore;
#endif

class TusHandlerFixture
{
protected:
    void setUpFixture();  // a fresh directory, the clock at its start, the default server
    void start(qint64 maxSize = 0, FsyncPolicy fsync = FsyncPolicy::Never, const QString &basePath = QStringLiteral("/files/"));
    TusResponse send(const QByteArray &method, const QByteArray &path, const QByteArrayList &headers = {},
                     const QByteArray &body = {}, const QByteArray &scheme = "http");
    QString prepare(const QByteArray &spec);  // "10:abc" = length 10 holding "abc"; "defer:abc"
    QByteArray bytesOf(const QString &id) const;
    // What the store holds: files in its directory, or objects and multipart uploads under
    // its prefix. itemsPerUpload: for one upload that has bytes (<id>.info and <id>; or
    // <id>.info, a tail object and the multipart upload).
    int filesInStore() const;
    int itemsOf(const QString &id) const;  // of one upload
    static constexpr int itemsPerUpload =
#ifdef QTUS_TEST_S3_STORE
        3;
#else
        2;
#endif
    // Only <id>.info and <id> of indexed uploads, and a data file only where a byte (or a
    // zero length) arrived: nothing else is ever left in the store.
    void checkStoreFiles() const;
    // C3 on every response, a short text/plain reason on errors, no body where none belongs.
    static void checkHygiene(const QByteArray &method, const TusResponse &r);
    static void checkHeaders(const TusResponse &r, const QByteArrayList &expect);

    std::unique_ptr<QTemporaryDir> m_root;
    QString m_storeDir;
    ManualClock m_clock;
    UploadLocks m_locks;
    std::unique_ptr<TusHandler> m_handler;
    std::unique_ptr<StoreUnderTest> m_store;
#ifdef QTUS_TEST_S3_STORE
    S3FixtureBucket m_bucket;  // the test's prefix on the RGW, and what lists it
#endif
};

inline void TusHandlerFixture::setUpFixture()
{
    m_handler.reset();
    m_store.reset();
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
    m_storeDir = m_root->filePath(QStringLiteral("store"));
    m_clock.set(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
#ifdef QTUS_TEST_S3_STORE
    QVERIFY2(m_bucket.newPrefix(), qPrintable(m_bucket.problem));
#endif
    start();
}

inline void TusHandlerFixture::start(qint64 maxSize, FsyncPolicy fsync, const QString &basePath)
{
    ServerConfig config;
    config.dir = m_storeDir;
    config.maxSize = maxSize;
    config.expireAfter = 1h;
    config.fsync = fsync;
    config.basePath = basePath;
    m_handler.reset();
    m_store.reset();
#ifdef QTUS_TEST_S3_STORE
    m_store = m_bucket.makeStore(config.dir, config.expireAfter, m_clock);
#else
    m_store = std::make_unique<FileUploadStore>(config.dir, config.fsync, config.expireAfter, m_clock);
#endif
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
    m_handler = std::make_unique<TusHandler>(config, *m_store, m_locks, m_clock);
}

inline TusResponse TusHandlerFixture::send(const QByteArray &method, const QByteArray &path,
                                          const QByteArrayList &headers, const QByteArray &body,
                                          const QByteArray &scheme)
{
    TusRequest request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.scheme = scheme;
    bool versionGiven = false;
    for (const QByteArray &line : headers) {
        versionGiven |= headerName(line).compare("Tus-Resumable", Qt::CaseInsensitive) == 0;
        if (headerValue(line) != absent)
            request.headers.append({headerName(line), line.mid(line.indexOf(':') + 2)});  // after ": "
    }
    if (!versionGiven)
        request.headers.append({QByteArray("Tus-Resumable"), QByteArray("1.0.0")});
    return m_handler->handle(request);
}

inline QString TusHandlerFixture::prepare(const QByteArray &spec)
{
    const QByteArray length = spec.left(spec.indexOf(':'));
    const QByteArray stored = spec.mid(spec.indexOf(':') + 1);
    const TusResponse created = send("POST", "/files/", {length == "defer" ? "Upload-Defer-Length: 1" : "Upload-Length: " + length,
                                                         "Upload-Metadata: " + metadata});
    if (created.status != 201)
        return {};
    const QString id = QString::fromLatin1(created.header("Location").split('/').constLast());
    if (!stored.isEmpty() && send("PATCH", "/files/" + id.toLatin1(), {octet, "Upload-Offset: 0"}, stored).status != 204)
        return {};
    return id;
}

#ifdef QTUS_TEST_S3_STORE
inline QByteArray TusHandlerFixture::bytesOf(const QString &id) const { return m_bucket.bytesOf(*m_store, id); }
inline int TusHandlerFixture::filesInStore() const { return m_bucket.items().size(); }
inline int TusHandlerFixture::itemsOf(const QString &id) const { return m_bucket.itemsOf(id); }
inline void TusHandlerFixture::checkStoreFiles() const { m_bucket.checkItems(*m_store); }
#else
inline QByteArray TusHandlerFixture::bytesOf(const QString &id) const
{
    QFile f(m_store->dataPath(id));
    if (!f.exists() && m_store->find(id))
        return QByteArray();  // no byte has arrived yet: no data file yet
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<gone>");
}

inline int TusHandlerFixture::filesInStore() const
{
    return int(QDir(m_storeDir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size());
}

inline int TusHandlerFixture::itemsOf(const QString &id) const
{
    return int(QFile::exists(m_store->dataPath(id))) + int(QFile::exists(m_store->infoPath(id)));
}

inline void TusHandlerFixture::checkStoreFiles() const
{
    int expected = 0;
    for (const UploadInfo &info : m_store->sessions()) {
        QVERIFY2(QFile::exists(m_store->infoPath(info.id)), qPrintable(info.id));
        const bool data = QFile::exists(m_store->dataPath(info.id));
        QVERIFY2(data || (info.offset == 0 && !info.isComplete()), qPrintable(info.id));
        expected += data ? 2 : 1;
    }
    QCOMPARE(filesInStore(), expected);
}
#endif

inline void TusHandlerFixture::checkHygiene(const QByteArray &method, const TusResponse &r)
{
    if (method != "OPTIONS")
        QCOMPARE(r.header("Tus-Resumable"), QByteArray("1.0.0"));  // rule C3, errors too
    if (r.status >= 400) {
        QVERIFY2(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type").constData());
        QVERIFY(!r.body.trimmed().isEmpty());
        QVERIFY2(r.body.size() < 100 && !r.body.trimmed().contains('\n'), r.body.constData());  // one short reason
        QVERIFY(!r.hasHeader("Upload-Offset"));  // rule H3
    }
    if (r.status == 204 || (method == "HEAD" && r.status < 300))
        QCOMPARE(r.body, QByteArray());  // rule H4
    static const QRegularExpression imfFixdate(QStringLiteral(
        "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT$"));
    if (r.hasHeader("Upload-Expires"))
        QVERIFY2(imfFixdate.match(QString::fromLatin1(r.header("Upload-Expires"))).hasMatch(), r.header("Upload-Expires").constData());
}

inline void TusHandlerFixture::checkHeaders(const TusResponse &r, const QByteArrayList &expect)
{
    for (const QByteArray &line : expect) {
        const QByteArray name = headerName(line);
        const QByteArray value = headerValue(line);
        if (value == absent)
            QVERIFY2(!r.hasHeader(name), (name + " should be absent, is " + r.header(name)).constData());
        else if (value == any)
            QVERIFY2(r.hasHeader(name), (name + " missing").constData());
        else
            QCOMPARE(r.header(name), value);
    }
}

} // namespace qtus::test

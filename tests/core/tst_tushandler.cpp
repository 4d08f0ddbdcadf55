// TusHandler on plain request/response values, against a real FileUploadStore in a
// QTemporaryDir and a ManualClock. Every row names the rule (docs/protocol-rules.md) it checks.
// ctest runs it twice: as tushandler, and as tushandler_s3 against the S3 store on a real RGW
// (tushandlerfixture.h).
#include "tushandlerfixture.h"

using namespace qtus;
using namespace qtus::test;

class tst_TusHandler : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init();

    void requests_data();
    void requests();
    void options_data();
    void options();
    void location_data();
    void location();
    void hostileIds_data();
    void hostileIds();
    void metadataEchoedExactly();
    void deferredLength();
    void expiration();
    void completedNeverExpires();
    void termination();
    void lockedUpload();
    void restartKeepsUploads();
    void streamedBodyPassingLength();
};

void tst_TusHandler::init()
{
    setUpFixture();
}

void tst_TusHandler::requests_data()
{
    QTest::addColumn<qint64>("maxSize");
    QTest::addColumn<QByteArray>("upload");       // prepared first: "length:stored bytes", or empty
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");         // {id}: the prepared upload; {new}: an unknown id
    QTest::addColumn<QByteArrayList>("headers");  // Tus-Resumable: 1.0.0 is added unless given
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("expect");   // "Name: value", "Name: <any>", "Name: <absent>"
    QTest::addColumn<QByteArray>("bytesAfter");   // the prepared (else the only) upload's data file
    QTest::addColumn<int>("uploadsAfter");

    using L = QByteArrayList;
    const QByteArray u = "10:abc";  // the usual prepared upload
    const QByteArray up = "/files/{id}";
    const L off3{octet, "Upload-Offset: 3"};
    const QByteArray none, abc = "abc", coll = "/files/";
    const QByteArray post = "POST", patch = "PATCH", head = "HEAD", del = "DELETE";
    const auto row = [](const char *name) -> QTestData & { return QTest::newRow(name); };

    row("C1 Upload-Length -1 -> 400") << 0ll << none << post << coll << L{"Upload-Length: -1"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length abc -> 400") << 0ll << none << post << coll << L{"Upload-Length: abc"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length 1e3 -> 400") << 0ll << none << post << coll << L{"Upload-Length: 1e3"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length +5 -> 400") << 0ll << none << post << coll << L{"Upload-Length: +5"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length '5 5' space inside -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5 5"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length tab inside -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5\t5"} << none << 400 << L{} << none << 0;
    // RFC 9110 5.5: leading and trailing whitespace is not part of a field value, so an HTTP
    // parser never hands over " 5"; the handler treats it the same way.
    row("C1 Upload-Length ' 5' leading OWS is not part of the value -> 201") << 0ll << none << post << coll << L{"Upload-Length:  5"} << none << 201 << L{} << QByteArray() << 1;
    row("C1 Upload-Length empty -> 400") << 0ll << none << post << coll << L{"Upload-Length:"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length 2^63 -> 400") << 0ll << none << post << coll << L{"Upload-Length: 9223372036854775808"} << none << 400 << L{} << none << 0;
    row("C1 Upload-Length 2^63-1 -> 201") << 0ll << none << post << coll << L{"Upload-Length: 9223372036854775807"} << none << 201 << L{} << QByteArray() << 1;
    row("C1 Upload-Offset -1 -> 400") << 0ll << u << patch << up << L{octet, "Upload-Offset: -1"} << QByteArray("d") << 400 << L{} << abc << 1;
    row("C1 Upload-Offset abc -> 400") << 0ll << u << patch << up << L{octet, "Upload-Offset: abc"} << QByteArray("d") << 400 << L{} << abc << 1;
    row("C1 Upload-Offset 2^63 -> 400") << 0ll << u << patch << up << L{octet, "Upload-Offset: 9223372036854775808"} << QByteArray("d") << 400 << L{} << abc << 1;
    row("C4 Tus-Resumable 0.2.2 POST -> 412, nothing created") << 0ll << none << post << coll << L{"Tus-Resumable: 0.2.2", "Upload-Length: 5"} << none << 412 << L{"Tus-Version: 1.0.0", "Location: <absent>"} << none << 0;
    row("C4 missing Tus-Resumable POST -> 412") << 0ll << none << post << coll << L{"Tus-Resumable: <absent>", "Upload-Length: 5"} << none << 412 << L{"Tus-Version: 1.0.0"} << none << 0;
    row("C4 Tus-Resumable 0.2.2 PATCH -> 412, nothing written") << 0ll << u << patch << up << L{"Tus-Resumable: 0.2.2", octet, "Upload-Offset: 3"} << QByteArray("de") << 412 << L{"Tus-Version: 1.0.0"} << abc << 1;
    row("C4 missing Tus-Resumable HEAD -> 412") << 0ll << u << head << up << L{"Tus-Resumable: <absent>"} << none << 412 << L{"Tus-Version: 1.0.0"} << abc << 1;
    row("C4 Tus-Resumable 0.2.2 DELETE -> 412, upload kept") << 0ll << u << del << up << L{"Tus-Resumable: 0.2.2"} << none << 412 << L{"Tus-Version: 1.0.0"} << abc << 1;
    row("C7 POST + override PATCH -> 204, appends") << 0ll << u << post << up << L{"X-HTTP-Method-Override: PATCH", octet, "Upload-Offset: 3"} << QByteArray("de") << 204 << L{"Upload-Offset: 5"} << QByteArray("abcde") << 1;
    row("C7 POST + override DELETE -> 204, removed") << 0ll << u << post << up << L{"X-HTTP-Method-Override: DELETE"} << none << 204 << L{} << QByteArray("<gone>") << 0;
    row("C7 POST + override HEAD -> 200") << 0ll << u << post << up << L{"X-HTTP-Method-Override: HEAD"} << none << 200 << L{"Upload-Offset: 3", "Upload-Length: 10"} << abc << 1;
    row("C7 POST + override PUT -> 405") << 0ll << u << post << up << L{"X-HTTP-Method-Override: PUT"} << none << 405 << L{"Allow: <any>"} << abc << 1;
    row("C3 Tus-Resumable on an error (404 unknown path)") << 0ll << u << QByteArray("GET") << QByteArray("/nowhere") << L{} << none << 404 << L{"Tus-Resumable: 1.0.0"} << abc << 1;
    row("C3 Tus-Resumable on 412 too") << 0ll << u << head << up << L{"Tus-Resumable: 2.0.0"} << none << 412 << L{"Tus-Resumable: 1.0.0"} << abc << 1;
    row("H1 HEAD -> Upload-Offset") << 0ll << u << head << up << L{} << none << 200 << L{"Upload-Offset: 3"} << abc << 1;
    row("H1 HEAD fresh upload -> Upload-Offset 0") << 0ll << QByteArray("10:") << head << up << L{} << none << 200 << L{"Upload-Offset: 0"} << QByteArray() << 1;
    row("H1 HEAD complete upload -> Upload-Offset = length") << 0ll << QByteArray("3:abc") << head << up << L{} << none << 200 << L{"Upload-Offset: 3", "Upload-Length: 3", "Upload-Expires: <absent>"} << abc << 1;
    row("H2 HEAD -> Upload-Length, no Upload-Defer-Length") << 0ll << u << head << up << L{} << none << 200 << L{"Upload-Length: 10", "Upload-Defer-Length: <absent>"} << abc << 1;
    row("H2 HEAD deferred -> Upload-Defer-Length 1") << 0ll << QByteArray("defer:abc") << head << up << L{} << none << 200 << L{"Upload-Defer-Length: 1", "Upload-Length: <absent>", "Upload-Offset: 3"} << abc << 1;
    row("H3 HEAD unknown upload -> 404") << 0ll << u << head << QByteArray("/files/{new}") << L{} << none << 404 << L{} << abc << 1;
    row("H4 HEAD success -> 200 without body") << 0ll << u << head << up << L{} << none << 200 << L{"Content-Length: <absent>"} << abc << 1;
    row("H5 HEAD -> Cache-Control no-store") << 0ll << u << head << up << L{} << none << 200 << L{"Cache-Control: no-store"} << abc << 1;
    row("H6 HEAD -> Upload-Metadata as sent") << 0ll << u << head << up << L{} << none << 200 << L{"Upload-Metadata: " + metadata} << abc << 1;
    row("P1 PATCH appends at offset, P4 204 with new offset") << 0ll << u << patch << up << off3 << QByteArray("defg") << 204 << L{"Upload-Offset: 7", "Upload-Expires: <any>"} << QByteArray("abcdefg") << 1;
    row("P1 PATCH completes upload -> no Upload-Expires") << 0ll << u << patch << up << off3 << QByteArray("defghij") << 204 << L{"Upload-Offset: 10", "Upload-Expires: <absent>"} << QByteArray("abcdefghij") << 1;
    row("P1 PATCH empty body -> 204, offset unchanged") << 0ll << u << patch << up << off3 << none << 204 << L{"Upload-Offset: 3"} << abc << 1;
    row("P2 PATCH without Content-Type -> 415") << 0ll << u << patch << up << L{"Upload-Offset: 3"} << QByteArray("de") << 415 << L{} << abc << 1;
    row("P2 PATCH Content-Type text/plain -> 415") << 0ll << u << patch << up << L{"Content-Type: text/plain", "Upload-Offset: 3"} << QByteArray("de") << 415 << L{} << abc << 1;
    row("P2 PATCH Content-Type octet-stream -> 415") << 0ll << u << patch << up << L{"Content-Type: application/octet-stream", "Upload-Offset: 3"} << QByteArray("de") << 415 << L{} << abc << 1;
    row("P2 PATCH Content-Type with parameter -> 204") << 0ll << u << patch << up << L{"Content-Type: application/offset+octet-stream; x=y", "Upload-Offset: 3"} << QByteArray("de") << 204 << L{"Upload-Offset: 5"} << QByteArray("abcde") << 1;
    row("P3 offset mismatch -> 409") << 0ll << u << patch << up << L{octet, "Upload-Offset: 2"} << QByteArray("Xd") << 409 << L{} << abc << 1;
    row("P3 offset ahead -> 409") << 0ll << u << patch << up << L{octet, "Upload-Offset: 5"} << QByteArray("d") << 409 << L{} << abc << 1;
    row("P3 missing Upload-Offset -> 400") << 0ll << u << patch << up << L{octet} << QByteArray("d") << 400 << L{} << abc << 1;
    row("P5 PATCH unknown upload -> 404") << 0ll << u << patch << QByteArray("/files/{new}") << L{octet, "Upload-Offset: 0"} << QByteArray("d") << 404 << L{} << abc << 1;
    row("P8 body passing Upload-Length -> 400, nothing written") << 0ll << u << patch << up << off3 << QByteArray("defghijk") << 400 << L{} << abc << 1;
    row("P8 body on a complete upload -> 400") << 0ll << QByteArray("3:abc") << patch << up << off3 << QByteArray("d") << 400 << L{} << abc << 1;
    row("P8 deferred body over --max-size -> 413") << 8ll << QByteArray("defer:abc") << patch << up << off3 << QByteArray("defghi") << 413 << L{} << abc << 1;
    row("CR1 POST Upload-Length -> 201") << 0ll << none << post << coll << L{"Upload-Length: 10"} << none << 201 << L{"Location: <any>", "Upload-Expires: " + expiresAtStart} << QByteArray() << 1;
    row("CR1 POST on /files without slash -> 201") << 0ll << none << post << QByteArray("/files") << L{"Upload-Length: 10"} << none << 201 << L{"Location: <any>"} << QByteArray() << 1;
    row("CR1 POST Upload-Defer-Length 1 -> 201") << 0ll << none << post << coll << L{"Upload-Defer-Length: 1"} << none << 201 << L{"Location: <any>", "Upload-Expires: <any>"} << QByteArray() << 1;
    row("CR2 both Upload-Length and Upload-Defer-Length -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Defer-Length: 1"} << none << 400 << L{} << none << 0;
    row("CR2 neither Upload-Length nor Upload-Defer-Length -> 400") << 0ll << none << post << coll << L{} << none << 400 << L{} << none << 0;
    row("CR2 Upload-Defer-Length 2 -> 400") << 0ll << none << post << coll << L{"Upload-Defer-Length: 2"} << none << 400 << L{} << none << 0;
    row("CR2 Upload-Defer-Length 0 -> 400") << 0ll << none << post << coll << L{"Upload-Defer-Length: 0"} << none << 400 << L{} << none << 0;
    row("CR3 metadata bad base64 -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Metadata: a Y!=="} << none << 400 << L{} << none << 0;
    row("CR3 metadata missing padding -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Metadata: a YQ"} << none << 400 << L{} << none << 0;
    row("CR3 metadata empty key -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Metadata: a YQ==,,b YQ=="} << none << 400 << L{} << none << 0;
    row("CR3 metadata duplicate key -> 400") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Metadata: a YQ==,a YQ=="} << none << 400 << L{} << none << 0;
    row("CR3 metadata empty value -> 201") << 0ll << none << post << coll << L{"Upload-Length: 5", "Upload-Metadata: flag,a YQ=="} << none << 201 << L{} << QByteArray() << 1;
    row("CR4 Upload-Length over --max-size -> 413") << 100ll << none << post << coll << L{"Upload-Length: 101"} << none << 413 << L{} << none << 0;
    row("CR4 Upload-Length equal to --max-size -> 201") << 100ll << none << post << coll << L{"Upload-Length: 100"} << none << 201 << L{} << QByteArray() << 1;
    row("CR6 Upload-Length 0 -> 201, complete") << 0ll << none << post << coll << L{"Upload-Length: 0"} << none << 201 << L{"Upload-Offset: 0", "Upload-Expires: <absent>"} << QByteArray() << 1;
    row("CWU1 POST with body -> 201 with Upload-Offset") << 0ll << none << post << coll << L{"Upload-Length: 10", octet} << QByteArray("hello") << 201 << L{"Location: <any>", "Upload-Offset: 5", "Upload-Expires: " + expiresAtStart} << QByteArray("hello") << 1;
    row("CWU1 POST with whole body -> complete") << 0ll << none << post << coll << L{"Upload-Length: 5", octet} << QByteArray("hello") << 201 << L{"Upload-Offset: 5", "Upload-Expires: <absent>"} << QByteArray("hello") << 1;
    row("CWU1 POST deferred with body -> 201") << 0ll << none << post << coll << L{"Upload-Defer-Length: 1", octet} << QByteArray("hello") << 201 << L{"Upload-Offset: 5"} << QByteArray("hello") << 1;
    row("CWU1 POST body with wrong Content-Type -> 415") << 0ll << none << post << coll << L{"Upload-Length: 10", "Content-Type: text/plain"} << QByteArray("hello") << 415 << L{} << none << 0;
    row("CWU1 POST body without Content-Type -> 415") << 0ll << none << post << coll << L{"Upload-Length: 10"} << QByteArray("hello") << 415 << L{} << none << 0;
    row("CWU1 P8 POST body passing Upload-Length -> 400") << 0ll << none << post << coll << L{"Upload-Length: 3", octet} << QByteArray("hello") << 400 << L{} << none << 0;
    row("CWU1 POST deferred body over --max-size -> 413") << 4ll << none << post << coll << L{"Upload-Defer-Length: 1", octet} << QByteArray("hello") << 413 << L{} << none << 0;
    row("DL1 PATCH sets deferred length -> 204") << 0ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 5"} << QByteArray("de") << 204 << L{"Upload-Offset: 5", "Upload-Expires: <absent>"} << QByteArray("abcde") << 1;
    row("DL1 PATCH declaring length = offset completes -> 204") << 0ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 3"} << none << 204 << L{"Upload-Offset: 3", "Upload-Expires: <absent>"} << abc << 1;
    row("DL1 PATCH changing a known length -> 400") << 0ll << u << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 11"} << QByteArray("d") << 400 << L{} << abc << 1;
    row("DL1 PATCH repeating the known length -> 204") << 0ll << u << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 10"} << QByteArray("d") << 204 << L{"Upload-Offset: 4"} << QByteArray("abcd") << 1;
    row("DL1 PATCH length below offset -> 400") << 0ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 2"} << none << 400 << L{} << abc << 1;
    row("DL1 PATCH invalid length -> 400") << 0ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: -4"} << QByteArray("d") << 400 << L{} << abc << 1;
    row("DL1 P8 body passing the declared length -> 400") << 0ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 4"} << QByteArray("de") << 400 << L{} << abc << 1;
    row("DL1 CR4 declared length over --max-size -> 413") << 8ll << QByteArray("defer:abc") << patch << up << L{octet, "Upload-Offset: 3", "Upload-Length: 9"} << QByteArray("d") << 413 << L{} << abc << 1;
    row("T1 DELETE -> 204, files removed") << 0ll << u << del << up << L{} << none << 204 << L{} << QByteArray("<gone>") << 0;
    row("T1 DELETE unknown upload -> 404") << 0ll << u << del << QByteArray("/files/{new}") << L{} << none << 404 << L{} << abc << 1;
    row("404 unknown path") << 0ll << u << QByteArray("GET") << QByteArray("/elsewhere") << L{} << none << 404 << L{} << abc << 1;
    row("404 path sharing the prefix") << 0ll << u << post << QByteArray("/filesX/") << L{"Upload-Length: 5"} << none << 404 << L{} << abc << 1;
    row("405 PUT on upload with Allow") << 0ll << u << QByteArray("PUT") << up << L{} << QByteArray("x") << 405 << L{"Allow: GET, HEAD, PATCH, DELETE, OPTIONS"} << abc << 1;
    row("GET of an incomplete upload is no download: 404") << 0ll << u << QByteArray("GET") << up << L{} << none << 404 << L{} << abc << 1;
    row("405 PATCH on collection with Allow") << 0ll << u << patch << coll << off3 << QByteArray("d") << 405 << L{"Allow: POST, OPTIONS"} << abc << 1;
    row("405 DELETE on collection") << 0ll << u << del << coll << L{} << none << 405 << L{"Allow: POST, OPTIONS"} << abc << 1;
}

void tst_TusHandler::requests()
{
    QFETCH(qint64, maxSize);
    QFETCH(QByteArray, upload);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArrayList, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArrayList, expect);
    QFETCH(QByteArray, bytesAfter);
    QFETCH(int, uploadsAfter);

    start(maxSize);
    QString id;
    if (!upload.isEmpty()) {
        id = prepare(upload);
        QVERIFY2(!id.isEmpty(), "preparing the upload failed");
    }
    path.replace("{id}", id.toLatin1()).replace("{new}", newUploadId().toLatin1());
    const TusResponse r = send(method, path, headers, body);
    QCOMPARE(r.status, status);
    checkHygiene(method, r);
    if (QTest::currentTestFailed())
        return;
    checkHeaders(r, expect);
    if (QTest::currentTestFailed())
        return;
    if (r.status == 201)
        QVERIFY(m_store->find(QString::fromLatin1(r.header("Location").split('/').constLast())));

    QCOMPARE(m_store->count(), uploadsAfter);
    checkStoreFiles();  // <id>.info and <id> (once bytes arrived), nothing else
    if (id.isEmpty() && uploadsAfter == 1)
        id = m_store->sessions().constFirst().id;
    if (!id.isEmpty()) {
        QCOMPARE(bytesOf(id), bytesAfter);
        if (const auto info = m_store->find(id))
            QCOMPARE(info->offset, qint64(bytesAfter.size()));
    }
    QCOMPARE(m_locks.count(), 0);
}

void tst_TusHandler::options_data()
{
    QTest::addColumn<qint64>("maxSize");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addRow("O1 OPTIONS collection, C6 no Tus-Max-Size without --max-size") << 0ll << QByteArray("/files/") << QByteArrayList{};
    QTest::addRow("C6 OPTIONS with --max-size -> Tus-Max-Size") << 1024ll << QByteArray("/files/") << QByteArrayList{};
    QTest::addRow("O1 OPTIONS without Tus-Resumable") << 0ll << QByteArray("/files/") << QByteArrayList{"Tus-Resumable: <absent>"};
    QTest::addRow("O1 OPTIONS ignores Tus-Resumable 0.2.2") << 0ll << QByteArray("/files/") << QByteArrayList{"Tus-Resumable: 0.2.2"};
    QTest::addRow("O1 OPTIONS on an upload URL") << 0ll << QByteArray("/files/0123456789abcdef0123456789abcdef") << QByteArrayList{};
}

void tst_TusHandler::options()
{
    QFETCH(qint64, maxSize);
    QFETCH(QByteArray, path);
    QFETCH(QByteArrayList, headers);
    start(maxSize);
    const TusResponse r = send("OPTIONS", path, headers);
    QVERIFY(r.status == 204 || r.status == 200);
    checkHygiene("OPTIONS", r);
    QCOMPARE(r.header("Tus-Version").split(',').constFirst().trimmed(), QByteArray("1.0.0"));  // rule C2
    QByteArrayList extensions = r.header("Tus-Extension").split(',');  // rule C5
    for (QByteArray &e : extensions)
        e = e.trimmed();
    for (const char *e : {"creation", "creation-with-upload", "creation-defer-length", "expiration", "termination"})
        QVERIFY2(extensions.contains(e), e);  // E1 advertises expiration
    // Advertise only what works (rule K1 comes with the checksum issue).
    QCOMPARE(extensions.contains("checksum"), r.hasHeader("Tus-Checksum-Algorithm"));
    if (maxSize > 0)
        QCOMPARE(r.header("Tus-Max-Size"), QByteArray::number(maxSize));
    else
        QVERIFY(!r.hasHeader("Tus-Max-Size"));
    QCOMPARE(filesInStore(), 0);
}

void tst_TusHandler::location_data()
{
    QTest::addColumn<QByteArray>("host");  // the Host header, or <absent>
    QTest::addColumn<QByteArray>("scheme");
    QTest::addColumn<QByteArray>("origin");
    const QByteArray fallback = "http://127.0.0.1";
    QTest::addRow("CR5 Location from Host with port") << QByteArray("example.com:8080") << QByteArray("http") << QByteArray("http://example.com:8080");
    QTest::addRow("CR5 Location keeps the scheme") << QByteArray("example.com") << QByteArray("https") << QByteArray("https://example.com");
    QTest::addRow("CR5 Location from IPv6 Host") << QByteArray("[::1]:1080") << QByteArray("http") << QByteArray("http://[::1]:1080");
    QTest::addRow("CR5 Location without Host falls back") << absent << QByteArray("http") << fallback;
    QTest::addRow("CR5 Location empty Host falls back") << QByteArray("") << QByteArray("http") << fallback;
    QTest::addRow("CR5 Location Host with path falls back") << QByteArray("evil.com/x") << QByteArray("http") << fallback;
    QTest::addRow("CR5 Location Host with space falls back") << QByteArray("evil.com x") << QByteArray("http") << fallback;
    QTest::addRow("CR5 Location Host with CRLF falls back") << QByteArray("evil.com\r\nSet-Cookie: a=b") << QByteArray("http") << fallback;
    QTest::addRow("CR5 Location Host with userinfo falls back") << QByteArray("me@evil.com") << QByteArray("http") << fallback;
}

void tst_TusHandler::location()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, scheme);
    QFETCH(QByteArray, origin);
    const TusResponse r = send("POST", "/files/", {"Upload-Length: 5", "Host: " + host}, {}, scheme);
    QCOMPARE(r.status, 201);
    const QByteArray location = r.header("Location");
    QVERIFY2(location.startsWith(origin + "/files/"), location.constData());
    const QString id = QString::fromLatin1(location.mid(origin.size() + 7));
    QVERIFY2(isValidUploadId(id), location.constData());
    QVERIFY(m_store->find(id));

    m_handler->setFallbackOrigin("https://uploads.example:8443");
    const QByteArray again = send("POST", "/files/", {"Upload-Length: 5", "Host: " + host}, {}, scheme).header("Location");
    QVERIFY2(again.startsWith((origin == "http://127.0.0.1" ? QByteArray("https://uploads.example:8443") : origin) + "/files/"), again.constData());

    start(0, FsyncPolicy::Never, QStringLiteral("/api/tus/"));  // Location follows --base-path
    const QByteArray custom = send("POST", "/api/tus/", {"Upload-Length: 5", "Host: " + host}, {}, scheme).header("Location");
    QVERIFY2(custom.startsWith(origin + "/api/tus/"), custom.constData());
    QCOMPARE(send("HEAD", custom.mid(origin.size())).status, 200);
}

void tst_TusHandler::hostileIds_data()
{
    // Ids that are not 32 lowercase hex characters are 404 before the file system is touched;
    // a path with a %-escape or a dot-segment is 400 whatever it names (docs/protocol-rules.md).
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("status");
    QTest::addRow("400 ../../etc/passwd") << QByteArray("/files/../../etc/passwd") << 400;
    QTest::newRow("400 ..%2f..%2fx") << QByteArray("/files/..%2f..%2fx") << 400;
    QTest::addRow("400 ../ then a valid id") << QByteArray("/files/../0123456789abcdef0123456789abcdef") << 400;
    QTest::addRow("404 33 hex characters") << QByteArray("/files/0123456789abcdef0123456789abcdef0") << 404;
    QTest::addRow("404 31 hex characters") << QByteArray("/files/0123456789abcdef0123456789abcde") << 404;
    QTest::addRow("404 upper-case hex") << QByteArray("/files/0123456789ABCDEF0123456789ABCDEF") << 404;
    QTest::addRow("400 percent-encoded hex") << QByteArray("/files/%30123456789abcdef0123456789abcdef") << 400;
    QTest::addRow("404 the prepared id's .info") << QByteArray("/files/{id}.info") << 404;
    QTest::addRow("404 the prepared id with a slash") << QByteArray("/files/{id}/") << 404;
    QTest::addRow("400 a sibling directory") << QByteArray("/files/../store") << 400;
}

void tst_TusHandler::hostileIds()
{
    QFETCH(QByteArray, path);
    QFETCH(int, status);
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    path.replace("{id}", id.toLatin1());
    const QStringList rootBefore = QDir(m_root->path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    const QByteArrayList patch{octet, "Upload-Offset: 0", "Upload-Length: 3"};
    for (const QByteArray method : {"HEAD", "PATCH", "DELETE", "POST", "GET"}) {
        const TusResponse r = send(method, path, method == "PATCH" ? patch : QByteArrayList{"Upload-Length: 3"}, "xyz");
        QCOMPARE(r.status, status);
        checkHygiene(method, r);
    }
    QCOMPARE(QDir(m_root->path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), rootBefore);
    QCOMPARE(filesInStore(), itemsPerUpload);
    QCOMPARE(bytesOf(id), QByteArray("abc"));
}

void tst_TusHandler::metadataEchoedExactly()
{
    // Rule H6 with CR3's edge cases: empty values, binary values, order as sent.
    const QByteArray header = "zeta " + QByteArray("\xff\x00\xfe", 3).toBase64() + ",alpha,filename cmVwb3J0LnBkZg==";
    const TusResponse created = send("POST", "/files/", {"Upload-Length: 5", "Upload-Metadata: " + header});
    QCOMPARE(created.status, 201);
    const TusResponse head = send("HEAD", pathOf(created));
    QCOMPARE(head.status, 200);
    QCOMPARE(head.header("Upload-Metadata"), header);
    const TusResponse bare = send("HEAD", pathOf(send("POST", "/files/", {"Upload-Length: 5"})));
    QVERIFY(!bare.hasHeader("Upload-Metadata"));
}

void tst_TusHandler::deferredLength()
{
    const QString id = prepare("defer:");
    QVERIFY(!id.isEmpty());
    const QByteArray url = "/files/" + id.toLatin1();
    auto head = [&] { return send("HEAD", url); };
    checkHeaders(head(), {"Upload-Defer-Length: 1", "Upload-Length: <absent>", "Upload-Offset: 0"});
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 0"}, "abc").status, 204);
    checkHeaders(head(), {"Upload-Defer-Length: 1", "Upload-Length: <absent>", "Upload-Offset: 3"});
    const TusResponse set = send("PATCH", url, {octet, "Upload-Offset: 3", "Upload-Length: 6"}, "de");
    QCOMPARE(set.status, 204);
    checkHeaders(set, {"Upload-Offset: 5", "Upload-Expires: <any>"});
    checkHeaders(head(), {"Upload-Defer-Length: <absent>", "Upload-Length: 6", "Upload-Offset: 5"});
    // DL1: once set, the length can not change.
    const TusResponse change = send("PATCH", url, {octet, "Upload-Offset: 5", "Upload-Length: 7"}, "f");
    QCOMPARE(change.status, 400);
    checkHygiene("PATCH", change);
    QCOMPARE(bytesOf(id), QByteArray("abcde"));
    checkHeaders(send("PATCH", url, {octet, "Upload-Offset: 5"}, "f"), {"Upload-Offset: 6", "Upload-Expires: <absent>"});
    QVERIFY(m_store->find(id)->isComplete());
    QCOMPARE(bytesOf(id), QByteArray("abcdef"));
}

void tst_TusHandler::expiration()
{
    const TusResponse created = send("POST", "/files/", {"Upload-Length: 10", octet}, "ab");
    QCOMPARE(created.status, 201);
    QCOMPARE(created.header("Upload-Expires"), expiresAtStart);  // E2 on POST
    const QByteArray url = pathOf(created);
    QCOMPARE(send("HEAD", url).header("Upload-Expires"), expiresAtStart);  // and on HEAD

    m_clock.advance(30min);  // sliding: a PATCH pushes the expiry back
    const TusResponse patched = send("PATCH", url, {octet, "Upload-Offset: 2"}, "cd");
    QCOMPARE(patched.status, 204);
    QCOMPARE(patched.header("Upload-Expires"), QByteArray("Thu, 01 Jan 2026 13:30:00 GMT"));
    QCOMPARE(send("HEAD", url).header("Upload-Expires"), QByteArray("Thu, 01 Jan 2026 13:30:00 GMT"));

    m_clock.advance(59min + 59s);  // one second before the new expiry
    QCOMPARE(send("HEAD", url).status, 200);
    m_clock.advance(1s);
    for (const QByteArray method : {"HEAD", "PATCH"}) {
        const TusResponse gone = send(method, url, {octet, "Upload-Offset: 4"}, "ef");  // E3
        QCOMPARE(gone.status, 410);
        checkHygiene(method, gone);
    }
    QCOMPARE(bytesOf(QString::fromLatin1(url.mid(7))), QByteArray("abcd"));
    QCOMPARE(send("DELETE", url).status, 204);  // the client may still free it
    QCOMPARE(send("HEAD", url).status, 404);
}

void tst_TusHandler::completedNeverExpires()
{
    const TusResponse whole = send("POST", "/files/", {"Upload-Length: 3", octet}, "abc");
    const TusResponse empty = send("POST", "/files/", {"Upload-Length: 0"});
    const QString partialId = prepare("10:ab");
    const TusResponse finished = send("PATCH", "/files/" + partialId.toLatin1(), {octet, "Upload-Offset: 2"}, "cdefghij");
    for (const TusResponse *r : {&whole, &empty, &finished})
        QVERIFY(!r->hasHeader("Upload-Expires"));
    m_clock.advance(std::chrono::hours(24 * 30));
    const QByteArrayList urls{pathOf(whole), pathOf(empty), "/files/" + partialId.toLatin1()};
    for (const QByteArray &url : urls) {
        const TusResponse head = send("HEAD", url);
        QCOMPARE(head.status, 200);
        QVERIFY(!head.hasHeader("Upload-Expires"));
        QCOMPARE(head.header("Upload-Offset"), head.header("Upload-Length"));
    }
}

void tst_TusHandler::termination()
{
    const QString id = prepare("10:abc");
    const QByteArray url = "/files/" + id.toLatin1();
    {
        UploadLock writing = m_locks.tryLock(id);  // another request is writing (rule T1)
        QVERIFY(writing.isHeld());
        const TusResponse locked = send("DELETE", url);
        QCOMPARE(locked.status, 423);
        checkHygiene("DELETE", locked);
        QCOMPARE(bytesOf(id), QByteArray("abc"));
        QCOMPARE(itemsOf(id), itemsPerUpload);
    }
    const TusResponse deleted = send("DELETE", url);
    QCOMPARE(deleted.status, 204);
    checkHygiene("DELETE", deleted);
    QCOMPARE(itemsOf(id), 0);
    QCOMPARE(send("HEAD", url).status, 404);
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 3"}, "d").status, 404);
    QCOMPARE(send("DELETE", url).status, 404);
    QCOMPARE(filesInStore(), 0);
}

void tst_TusHandler::lockedUpload()
{
    const QString id = prepare("10:abc");
    const QByteArray url = "/files/" + id.toLatin1();
    {
        UploadLock writing = m_locks.tryLock(id);
        for (const QByteArrayList &extra : {QByteArrayList{}, QByteArrayList{"Upload-Length: 10"}}) {
            const TusResponse r = send("PATCH", url, QByteArrayList{octet, "Upload-Offset: 3"} + extra, "de");
            QCOMPARE(r.status, 423);
            checkHygiene("PATCH", r);
        }
        QCOMPARE(send("POST", url, {"X-HTTP-Method-Override: PATCH", octet, "Upload-Offset: 3"}, "de").status, 423);
        QCOMPARE(bytesOf(id), QByteArray("abc"));
        checkHeaders(send("HEAD", url), {"Upload-Offset: 3"});  // reading is not blocked
    }
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 3"}, "de").status, 204);
    QCOMPARE(bytesOf(id), QByteArray("abcde"));
}

void tst_TusHandler::restartKeepsUploads()
{
    start(0, FsyncPolicy::Always);  // durability is the point here
    const TusResponse created = send("POST", "/files/", {"Upload-Length: 10", "Upload-Metadata: " + metadata, octet}, "abc");
    QCOMPARE(created.status, 201);
    const QByteArray url = pathOf(created);
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 3"}, "de").status, 204);
    start(0, FsyncPolicy::Always);  // a new store and handler over the same directory
    const TusResponse head = send("HEAD", url);
    QCOMPARE(head.status, 200);
    checkHeaders(head, {"Upload-Offset: 5", "Upload-Length: 10", "Upload-Metadata: " + metadata});
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 5"}, "fghij").status, 204);
    QCOMPARE(bytesOf(QString::fromLatin1(url.mid(7))), QByteArray("abcdefghij"));
}

void tst_TusHandler::streamedBodyPassingLength()
{
    // P8 through the streaming seam, where a chunked body's length is unknown up front (-1):
    // what fits is kept (P7), nothing lands past Upload-Length, and the client hears 400.
    const QString id = prepare("10:abc");
    TusRequest head;
    head.method = "PATCH";
    head.path = "/files/" + id.toLatin1();
    head.headers = {{"Tus-Resumable", "1.0.0"}, {"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", "3"}};
    QVERIFY(m_handler->route(head).takesUploadBody());
    BodyDecision decision = m_handler->startBody(head, -1);
    QVERIFY(!decision.response);
    QCOMPARE(decision.body.writer.remaining(), qint64(7));
    decision.body.writer.append("defg", 4);
    decision.body.writer.append("hijk", 4);
    const TusResponse r = m_handler->finishBody(decision.body);
    QCOMPARE(r.status, 400);
    checkHygiene("PATCH", r);
    QCOMPARE(bytesOf(id), QByteArray("abcdefghij"));
    QCOMPARE(m_store->find(id)->offset, qint64(10));
    QCOMPARE(m_locks.count(), 0);
}

QTEST_GUILESS_MAIN(tst_TusHandler)
#include "tst_tushandler.moc"

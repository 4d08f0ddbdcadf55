// The checksum (K1–K3) and concatenation (CC1–CC5) extensions of TusHandler, on plain
// request/response values against a real FileUploadStore in a QTemporaryDir. Every row names
// the rule (docs/protocol-rules.md) it checks.
#include "tushandlerfixture.h"
#include "uploadconcat.h"

#include <QCryptographicHash>
#include <QFileInfo>

#include <algorithm>

using namespace qtus;
using namespace qtus::test;

namespace {

QByteArray checksumHeader(const char *name, QCryptographicHash::Algorithm algorithm, const QByteArray &data)
{
    return "Upload-Checksum: " + QByteArray(name) + ' ' + QCryptographicHash::hash(data, algorithm).toBase64();
}

QByteArrayList tokens(const QByteArray &list)
{
    QByteArrayList out;
    for (const QByteArray &t : list.split(','))
        out << t.trimmed().toLower();
    return out;
}

} // namespace

class tst_ChecksumConcat : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init();

    void advertised();
    void checksum_data();
    void checksum();
    void checksumStreamed();
    void concatenation_data();
    void concatenation();
    void finalIsIndependentOfItsParts();
    void finalPatchForbidden();
    void refusedParts_data();
    void refusedParts();
    void finalOverMaxSize();
    void lockedPart();
    void partLimit();
    void finalWithBaseUrl();

private:
    // A partial upload of length `length` (default: bytes.size()) holding bytes; its path.
    QByteArray partial(const QByteArray &bytes, qint64 length = -1);
    QByteArray createFinal(const QByteArrayList &urls, const QByteArrayList &extra = {}, int expectStatus = 201);
    QByteArray m_origin = "http://qtus.test";  // the Host every request carries
};

void tst_ChecksumConcat::init()
{
    setUpFixture();
}

QByteArray tst_ChecksumConcat::partial(const QByteArray &bytes, qint64 length)
{
    QByteArrayList headers{"Upload-Concat: partial", "Upload-Length: " + QByteArray::number(length < 0 ? bytes.size() : length),
                           "Host: qtus.test"};
    if (!bytes.isEmpty())
        headers << octet;
    const TusResponse r = send("POST", "/files/", headers, bytes);
    if (r.status != 201 || r.header("Upload-Offset") != QByteArray::number(bytes.size()))
        return {};
    return pathOf(r);
}

QByteArray tst_ChecksumConcat::createFinal(const QByteArrayList &urls, const QByteArrayList &extra, int expectStatus)
{
    const TusResponse r = send("POST", "/files/", QByteArrayList{"Upload-Concat: final;" + urls.join(' '), "Host: qtus.test"} + extra);
    [&] {
        QCOMPARE(r.status, expectStatus);
        checkHygiene("POST", r);
    }();
    return r.status == 201 ? pathOf(r) : QByteArray();
}

void tst_ChecksumConcat::advertised()
{
    const TusResponse r = send("OPTIONS", "/files/", {"Tus-Resumable: <absent>"});
    QCOMPARE(r.status, 204);
    // K1: the algorithms qtus promises, as a set.
    QByteArrayList algorithms = tokens(r.header("Tus-Checksum-Algorithm"));
    std::sort(algorithms.begin(), algorithms.end());
    QCOMPARE(algorithms, (QByteArrayList{"md5", "sha1", "sha256", "sha512"}));
    const QByteArrayList extensions = tokens(r.header("Tus-Extension"));
    QVERIFY(extensions.contains("checksum"));           // K1
    QVERIFY(!extensions.contains("checksum-trailer"));  // K3: trailers are not verified
    QVERIFY(extensions.contains("concatenation"));      // CC1
    QVERIFY(!extensions.contains("concatenation-unfinished"));  // CC5: finals need complete parts
}

void tst_ChecksumConcat::checksum_data()
{
    QTest::addColumn<QByteArray>("upload");   // prepared: "length:stored bytes"
    QTest::addColumn<QByteArray>("checksum"); // the Upload-Checksum line, or empty for none
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("bytesAfter");

    const QByteArray fresh = "10:", had = "10:abc", tail = "defg", whole = "defghij";
    struct Algo { const char *name; QCryptographicHash::Algorithm algorithm; };
    const Algo algos[] = {{"md5", QCryptographicHash::Md5}, {"sha1", QCryptographicHash::Sha1},
                          {"sha256", QCryptographicHash::Sha256}, {"sha512", QCryptographicHash::Sha512}};
    for (const Algo &a : algos) {
        const QByteArray n = a.name;
        QTest::addRow("K2 %s correct digest, fresh upload -> 204", a.name) << fresh << checksumHeader(a.name, a.algorithm, "abc") << QByteArray("abc") << 204 << QByteArray("abc");
        QTest::addRow("K2 %s correct digest after stored bytes -> 204", a.name) << had << checksumHeader(a.name, a.algorithm, tail) << tail << 204 << QByteArray("abcdefg");
        QTest::addRow("K2 %s wrong digest, fresh upload -> 460, nothing kept", a.name) << fresh << checksumHeader(a.name, a.algorithm, "abd") << QByteArray("abc") << 460 << QByteArray();
        QTest::addRow("K2 %s wrong digest after stored bytes -> 460, back to offset 3", a.name) << had << checksumHeader(a.name, a.algorithm, "defh") << tail << 460 << QByteArray("abc");
    }
    QTest::addRow("K2 wrong digest on the completing chunk -> 460, stays incomplete") << had << checksumHeader("sha1", QCryptographicHash::Sha1, "x") << whole << 460 << QByteArray("abc");
    QTest::addRow("K2 digest of the stored prefix plus body is wrong -> 460") << had << checksumHeader("sha1", QCryptographicHash::Sha1, "abcdefg") << tail << 460 << QByteArray("abc");
    QTest::addRow("K2 correct digest of an empty body -> 204") << had << checksumHeader("sha256", QCryptographicHash::Sha256, {}) << QByteArray() << 204 << QByteArray("abc");
    QTest::addRow("K2 unknown algorithm crc32 -> 400, nothing written") << had << QByteArray("Upload-Checksum: crc32 AAAAAA==") << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 unknown algorithm sha3-256 -> 400") << had << ("Upload-Checksum: sha3-256 " + QCryptographicHash::hash(tail, QCryptographicHash::Sha3_256).toBase64()) << tail << 400 << QByteArray("abc");
    const QByteArray sha1b64 = QCryptographicHash::hash(tail, QCryptographicHash::Sha1).toBase64();
    QTest::addRow("K2 malformed: algorithm only -> 400") << had << QByteArray("Upload-Checksum: sha1") << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: no space -> 400") << had << ("Upload-Checksum: sha1" + sha1b64) << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: colon instead of space -> 400") << had << ("Upload-Checksum: sha1:" + sha1b64) << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: three fields -> 400") << had << ("Upload-Checksum: sha1 " + sha1b64 + " x") << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: empty value -> 400") << had << QByteArray("Upload-Checksum:") << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: bad base64 -> 400") << had << QByteArray("Upload-Checksum: sha1 !!not*base64!!") << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: hex instead of base64 -> 400") << had << ("Upload-Checksum: sha1 " + QCryptographicHash::hash(tail, QCryptographicHash::Sha1).toHex()) << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: sha1 with an md5-length digest -> 400") << had << ("Upload-Checksum: sha1 " + QCryptographicHash::hash(tail, QCryptographicHash::Md5).toBase64()) << tail << 400 << QByteArray("abc");
    QTest::addRow("K2 malformed: sha256 digest cut short -> 400") << had << ("Upload-Checksum: sha256 " + QCryptographicHash::hash(tail, QCryptographicHash::Sha256).left(31).toBase64()) << tail << 400 << QByteArray("abc");
}

void tst_ChecksumConcat::checksum()
{
    QFETCH(QByteArray, upload);
    QFETCH(QByteArray, checksum);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QByteArray, bytesAfter);

    start(0, FsyncPolicy::Always);  // K2 discards durably
    const QString id = prepare(upload);
    QVERIFY(!id.isEmpty());
    const QByteArray url = "/files/" + id.toLatin1();
    const QByteArray before = bytesOf(id);
    const QByteArray offset = QByteArray::number(before.size());

    const TusResponse r = send("PATCH", url, {octet, "Upload-Offset: " + offset, checksum}, body);
    QCOMPARE(r.status, status);
    checkHygiene("PATCH", r);
    if (status == 460) {
        QCOMPARE(r.body.trimmed(), QByteArray("Checksum Mismatch"));
        QCOMPARE(statusReasonPhrase(460), QByteArray("Checksum Mismatch"));  // the status line's reason
    }
    if (status == 204)
        QCOMPARE(r.header("Upload-Offset"), QByteArray::number(bytesAfter.size()));
    QCOMPARE(bytesOf(id), bytesAfter);
#ifndef QTUS_TEST_S3_STORE
    QCOMPARE(QFileInfo(m_store->dataPath(id)).size(), qint64(bytesAfter.size()));
#endif
    QCOMPARE(m_store->find(id)->offset, qint64(bytesAfter.size()));
    QCOMPARE(send("HEAD", url).header("Upload-Offset"), QByteArray::number(bytesAfter.size()));
    QCOMPARE(m_locks.count(), 0);
    checkStoreFiles();  // the upload's own files (objects), nothing a refused chunk left

    if (status != 204) {  // the offset did not move: the same chunk, correctly summed, is accepted
        const TusResponse retry = send("PATCH", url, {octet, "Upload-Offset: " + offset, checksumHeader("sha1", QCryptographicHash::Sha1, body)}, body);
        QCOMPARE(retry.status, 204);
        QCOMPARE(bytesOf(id), before + body);
    }
}

void tst_ChecksumConcat::checksumStreamed()
{
    // K2 through the streaming seam: the digest covers the whole body fed in pieces, and a
    // body cut short cannot be verified, so it is discarded.
    const QString id = prepare("20:abc");
    QVERIFY(!id.isEmpty());
    const QByteArray body = "defghijkl";
    auto patch = [&](const QByteArray &digestOf, const QByteArray &offset) {
        TusRequest head;
        head.method = "PATCH";
        head.path = "/files/" + id.toLatin1();
        head.headers = {{"Tus-Resumable", "1.0.0"}, {"Content-Type", "application/offset+octet-stream"},
                        {"Upload-Offset", offset},
                        {"Upload-Checksum", "sha256 " + QCryptographicHash::hash(digestOf, QCryptographicHash::Sha256).toBase64()}};
        return head;
    };
    auto stream = [&](const TusRequest &head, const QByteArrayList &pieces, bool complete) {
        BodyDecision decision = m_handler->startBody(head, complete ? body.size() : -1);
        if (decision.response)
            return *decision.response;
        for (const QByteArray &piece : pieces)
            decision.body.writer.append(piece.constData(), piece.size());
        return m_handler->finishBody(decision.body, complete);
    };
    const QByteArrayList pieces{"def", "ghi", "jkl"};

    const TusResponse cut = stream(patch(body.left(6), "3"), pieces.mid(0, 2), false);
    QVERIFY2(cut.status >= 400, QByteArray::number(cut.status).constData());
    QCOMPARE(bytesOf(id), QByteArray("abc"));
    QCOMPARE(m_store->find(id)->offset, qint64(3));

    const TusResponse wrong = stream(patch("defghijkX", "3"), pieces, true);
    QCOMPARE(wrong.status, 460);
    QCOMPARE(bytesOf(id), QByteArray("abc"));

    const TusResponse right = stream(patch(body, "3"), pieces, true);
    QCOMPARE(right.status, 204);
    QCOMPARE(right.header("Upload-Offset"), QByteArray("12"));
    QCOMPARE(bytesOf(id), QByteArray("abc") + body);
    QCOMPARE(m_locks.count(), 0);
}

void tst_ChecksumConcat::concatenation_data()
{
    QTest::addColumn<QByteArrayList>("parts");  // the bytes of each complete partial upload
    QTest::addColumn<QList<int>>("order");      // which parts the final names, in order
    QTest::addColumn<QByteArray>("form");       // "absolute" (from Location) or "relative"
    QTest::addColumn<QByteArray>("expected");

    using L = QByteArrayList;
    QTest::addRow("CC1 two partials, absolute URLs") << L{"hello ", "world"} << QList<int>{0, 1} << QByteArray("absolute") << QByteArray("hello world");
    QTest::addRow("CC1 two partials, relative paths") << L{"hello ", "world"} << QList<int>{0, 1} << QByteArray("relative") << QByteArray("hello world");
    QTest::addRow("CC1 three partials in order") << L{"one,", "two,", "three"} << QList<int>{0, 1, 2} << QByteArray("relative") << QByteArray("one,two,three");
    QTest::addRow("CC1 three partials, named out of creation order") << L{"one,", "two,", "three"} << QList<int>{2, 0, 1} << QByteArray("absolute") << QByteArray("threeone,two,");
    QTest::addRow("CC1 one partial") << L{"solo"} << QList<int>{0} << QByteArray("relative") << QByteArray("solo");
    QTest::addRow("CC1 an empty partial among others") << L{"ab", "", "cd"} << QList<int>{0, 1, 2} << QByteArray("absolute") << QByteArray("abcd");
    QTest::addRow("CC1 only empty partials -> empty final") << L{"", ""} << QList<int>{0, 1} << QByteArray("relative") << QByteArray();
    QByteArray binary(70000, '\0');
    for (int i = 0; i < binary.size(); ++i)
        binary[i] = char(i * 131 % 251);
    QTest::addRow("CC1 binary partials larger than a page") << L{binary, binary.left(12345)} << QList<int>{0, 1} << QByteArray("relative") << binary + binary.left(12345);
}

void tst_ChecksumConcat::concatenation()
{
    QFETCH(QByteArrayList, parts);
    QFETCH(QList<int>, order);
    QFETCH(QByteArray, form);
    QFETCH(QByteArray, expected);

    QByteArrayList paths;
    for (const QByteArray &bytes : parts) {
        paths << partial(bytes);
        QVERIFY2(!paths.constLast().isEmpty(), "creating a partial upload failed");
        const TusResponse head = send("HEAD", paths.constLast());
        checkHeaders(head, {"Upload-Concat: partial", "Upload-Offset: " + QByteArray::number(bytes.size())});  // CC3
    }
    QByteArrayList urls, named;
    for (int i : order) {
        urls << (form == "absolute" ? m_origin + paths[i] : paths[i]);
        named << paths[i];
    }
    const int uploadsBefore = m_store->count();
    const QByteArray final = createFinal(urls, {"Upload-Metadata: " + metadata});
    QVERIFY(!final.isEmpty());
    QCOMPARE(m_store->count(), uploadsBefore + 1);
    const QString finalId = QString::fromLatin1(final.mid(7));
    QCOMPARE(bytesOf(finalId), expected);

    const TusResponse head = send("HEAD", final);  // CC3
    QCOMPARE(head.status, 200);
    checkHygiene("HEAD", head);
    checkHeaders(head, {"Upload-Concat: final;" + named.join(' '), "Upload-Offset: " + QByteArray::number(expected.size()),
                        "Upload-Length: " + QByteArray::number(expected.size()), "Upload-Metadata: " + metadata,
                        "Upload-Expires: <absent>"});
    for (const QByteArray &path : paths)  // the parts are left as they were
        checkHeaders(send("HEAD", path), {"Upload-Concat: partial"});
    QCOMPARE(m_locks.count(), 0);
}

void tst_ChecksumConcat::finalIsIndependentOfItsParts()
{
    // The bytes are copied at creation: removing the parts afterwards leaves the final whole.
    const QByteArray a = partial("abc"), b = partial("def");
    const QByteArray final = createFinal({a, b});
    QVERIFY(!final.isEmpty());
    QCOMPARE(send("DELETE", a).status, 204);
    QCOMPARE(send("DELETE", b).status, 204);
    QCOMPARE(bytesOf(QString::fromLatin1(final.mid(7))), QByteArray("abcdef"));
    checkHeaders(send("HEAD", final), {"Upload-Offset: 6", "Upload-Length: 6", "Upload-Concat: final;" + a + ' ' + b});
}

void tst_ChecksumConcat::finalPatchForbidden()
{
    const QByteArray final = createFinal({partial("abc"), partial("de")});
    QVERIFY(!final.isEmpty());
    const QString id = QString::fromLatin1(final.mid(7));
    const QList<QByteArrayList> attempts{
        {octet, "Upload-Offset: 5"},
        {octet, "Upload-Offset: 0"},
        {octet, "Upload-Offset: 5", "Upload-Length: 9"},
        {octet, "Upload-Offset: 5", checksumHeader("sha1", QCryptographicHash::Sha1, "xyz")},
    };
    for (const QByteArrayList &headers : attempts) {
        const TusResponse r = send("PATCH", final, headers, "xyz");  // CC2
        QCOMPARE(r.status, 403);
        checkHygiene("PATCH", r);
    }
    QCOMPARE(send("POST", final, {"X-HTTP-Method-Override: PATCH", octet, "Upload-Offset: 5"}, "xyz").status, 403);
    QCOMPARE(bytesOf(id), QByteArray("abcde"));
    checkHeaders(send("HEAD", final), {"Upload-Offset: 5", "Upload-Length: 5"});
}

void tst_ChecksumConcat::refusedParts_data()
{
    QTest::addColumn<QByteArray>("concat");  // the Upload-Concat value; placeholders below
    QTest::addColumn<QByteArrayList>("extra");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    // {a}, {b}: complete partials; {incomplete}: a partial with bytes missing; {normal}: a
    // complete upload that is not partial; {final}: a final upload; {unknown}: a well-formed
    // id the store does not know; {o}: the origin of Location.
    using L = QByteArrayList;
    const QByteArray none;
    auto row = [&](const char *name, const char *concat, int status = 400) {
        QTest::newRow(name) << QByteArray(concat) << L{} << none << status;
    };
    row("CC4 foreign: another base path", "final;/other/{a} /files/{b}");
    row("CC4 foreign: another base path, absolute", "final;{o}/uploads/{a}");
    row("CC4 foreign: base path without its slash", "final;/files{a}");
    row("CC4 foreign: http://x/etc/passwd", "final;http://x/etc/passwd");
    row("CC4 foreign: file:///etc/passwd", "final;file:///etc/passwd");
    row("CC4 foreign: ftp scheme with our path", "final;ftp://qtus.test/files/{a}");
    row("CC4 traversal: /files/../../etc/passwd", "final;/files/../../etc/passwd");
    row("CC4 traversal: /files/../secret (a file next to the store)", "final;{a} /files/../secret");
    row("CC4 traversal: absolute with ..", "final;{o}/files/../../secret");
    row("CC4 traversal: percent-encoded ..", "final;/files/%2e%2e/%2e%2e/secret");
    row("CC4 traversal: encoded slash", "final;/files/..%2fsecret");
    row("CC4 traversal: backslashes", "final;/files/..\\..\\secret");
    row("CC4 foreign: 33 hex characters", "final;/files/{a}0");
    row("CC4 foreign: 31 hex characters", "final;/files/0123456789abcdef0123456789abcde");
    row("CC4 foreign: upper-case id", "final;/files/{A}");
    row("CC4 foreign: the partial's .info", "final;/files/{a}.info");
    row("CC4 foreign: trailing slash", "final;/files/{a}/");
    row("CC4 foreign: the collection itself", "final;/files/");
    row("CC4 unknown upload", "final;/files/{unknown}");
    row("CC4 unknown upload after a good one", "final;/files/{a} {o}/files/{unknown}");
    row("CC4 not partial: a normal upload", "final;/files/{a} /files/{normal}");
    row("CC4 not partial: a final upload", "final;/files/{final}");
    row("CC4 incomplete partial", "final;/files/{a} /files/{incomplete}");
    row("CC4 incomplete partial, absolute", "final;{o}/files/{incomplete}");
    row("CC4 the same partial twice", "final;/files/{a} /files/{b} /files/{a}");
    row("CC1 final without URLs", "final;");
    row("CC1 final without URLs but spaces", "final;   ");
    row("CC1 final without semicolon", "final /files/{a}");
    row("CC1 unknown concat kind", "bogus;/files/{a}");
    row("CC1 partial with a suffix", "partial;/files/{a}");
    QTest::newRow("CC1 final with Upload-Length -> 400") << QByteArray("final;/files/{a} /files/{b}") << L{"Upload-Length: 5"} << none << 400;
    QTest::newRow("CC1 final with Upload-Length 0 -> 400") << QByteArray("final;/files/{a} /files/{b}") << L{"Upload-Length: 0"} << none << 400;
    QTest::newRow("CC1 final with Upload-Defer-Length -> 400") << QByteArray("final;/files/{a}") << L{"Upload-Defer-Length: 1"} << none << 400;
    QTest::newRow("CC1 final with a body -> 400") << QByteArray("final;/files/{a}") << L{octet} << QByteArray("xyz") << 400;
    QTest::newRow("CC1 final with bad metadata -> 400") << QByteArray("final;/files/{a}") << L{"Upload-Metadata: a !!"} << none << 400;
}

void tst_ChecksumConcat::refusedParts()
{
    QFETCH(QByteArray, concat);
    QFETCH(QByteArrayList, extra);
    QFETCH(QByteArray, body);
    QFETCH(int, status);

    // Files next to the store that a traversal would reach.
    QFile secret(m_root->filePath(QStringLiteral("secret")));
    QVERIFY(secret.open(QIODevice::WriteOnly));
    secret.write("top secret");
    secret.close();
    QVERIFY(QDir(m_root->path()).mkpath(QStringLiteral("etc")));

    const QByteArray a = partial("abc"), b = partial("de"), incomplete = partial("xy", 10);
    const QString normal = prepare("3:abc");
    const QByteArray final = createFinal({a, b});
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !incomplete.isEmpty() && !normal.isEmpty() && !final.isEmpty());
    const QString aId = QString::fromLatin1(a.mid(7));
    concat.replace("{A}", a.mid(7).toUpper())
        .replace("{a}", a.mid(7))
        .replace("{b}", b.mid(7))
        .replace("{incomplete}", incomplete.mid(7))
        .replace("{normal}", normal.toLatin1())
        .replace("{final}", final.mid(7))
        .replace("{unknown}", newUploadId().toLatin1())
        .replace("{o}", m_origin);

    const int uploadsBefore = m_store->count();
    const int filesBefore = filesInStore();
    const QStringList rootBefore = QDir(m_root->path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    const TusResponse r = send("POST", "/files/", QByteArrayList{"Upload-Concat: " + concat, "Host: qtus.test"} + extra, body);
    QCOMPARE(r.status, status);
    checkHygiene("POST", r);
    QVERIFY(!r.hasHeader("Location"));
    QCOMPARE(m_store->count(), uploadsBefore);  // no final created
    QCOMPARE(filesInStore(), filesBefore);
    QCOMPARE(QDir(m_root->path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), rootBefore);
    QCOMPARE(QDir(m_root->filePath(QStringLiteral("etc"))).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList());
    QVERIFY(secret.open(QIODevice::ReadOnly));
    QCOMPARE(secret.readAll(), QByteArray("top secret"));
    QCOMPARE(bytesOf(aId), QByteArray("abc"));
    QCOMPARE(m_locks.count(), 0);
}

void tst_ChecksumConcat::finalOverMaxSize()
{
    start(10);
    const QByteArray a = partial("123456"), b = partial("7890");
    const QByteArray c = partial("X");
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty());
    QVERIFY(!createFinal({a, b}).isEmpty());  // exactly --max-size
    const int uploads = m_store->count();
    createFinal({a, b, c}, {}, 413);  // one byte over
    QVERIFY(!QTest::currentTestFailed());
    createFinal({a, b, a}, {}, 400);  // a part named twice: refused before any size is added up
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(m_store->count(), uploads);
    QCOMPARE(filesInStore(), 2 * uploads);
    QCOMPARE(m_locks.count(), 0);
}

void tst_ChecksumConcat::lockedPart()
{
    const QByteArray a = partial("abc"), b = partial("de");
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    const int uploads = m_store->count();
    {
        UploadLock busy = m_locks.tryLock(QString::fromLatin1(b.mid(7)));  // a DELETE or cleanup pass holds it
        QVERIFY(busy.isHeld());
        createFinal({a, b}, {}, 423);
        QVERIFY(!QTest::currentTestFailed());
        QCOMPARE(m_store->count(), uploads);
        QCOMPARE(filesInStore(), 2 * uploads);
        QCOMPARE(m_locks.count(), 1);  // the final released the lock it had taken on a
    }
    const QByteArray final = createFinal({a, b});
    QVERIFY(!final.isEmpty());
    QCOMPARE(bytesOf(QString::fromLatin1(final.mid(7))), QByteArray("abcde"));
    QCOMPARE(m_locks.count(), 0);
}

void tst_ChecksumConcat::partLimit()
{
    // At most 128 parts, refused while parsing: before any part is looked up or copied.
    QByteArrayList urls;
    for (int i = 0; i < maxConcatParts + 1; ++i)
        urls << "/files/" + newUploadId().toLatin1();
    const TusResponse most = send("POST", "/files/", {"Upload-Concat: final;" + urls.mid(0, maxConcatParts).join(' ')});
    QCOMPARE(most.status, 400);
    QVERIFY2(most.body.contains("not found"), most.body.constData());  // parsed, then looked up
    const TusResponse over = send("POST", "/files/", {"Upload-Concat: final;" + urls.join(' ')});
    QCOMPARE(over.status, 400);
    QVERIFY2(over.body.contains("at most 128"), over.body.constData());
    checkHygiene("POST", over);
}

void tst_ChecksumConcat::finalWithBaseUrl()
{
    // tus-js-client's parallelUploads names the partials by the URLs the server handed out in
    // Location. With --base-url those carry the public path, which a proxy may map to another
    // --base-path; they are still uploads of this server.
    ServerConfig config;
    config.dir = m_storeDir;
    config.expireAfter = 1h;
    config.fsync = FsyncPolicy::Never;
    config.baseUrl = QStringLiteral("https://uploads.example/files/");
    m_handler = std::make_unique<TusHandler>(config, *m_store, m_locks, m_clock);
    auto part = [this](const QByteArray &bytes) {
        return send("POST", "/files/", {"Upload-Concat: partial", "Upload-Length: 3", octet}, bytes).header("Location");
    };
    const QByteArray a = part("abc"), b = part("def");
    QVERIFY2(a.startsWith("https://uploads.example/files/"), a.constData());
    const TusResponse same = send("POST", "/files/", {"Upload-Concat: final;" + a + ' ' + b});
    QCOMPARE(same.status, 201);
    QCOMPARE(bytesOf(QString::fromLatin1(same.header("Location").split('/').constLast())), QByteArray("abcdef"));

    config.baseUrl = QStringLiteral("https://example.com/api/uploads/");  // the proxy maps /api/uploads/ to /files/
    m_handler = std::make_unique<TusHandler>(config, *m_store, m_locks, m_clock);
    const QByteArray c = part("ghi"), d = part("jkl");
    QVERIFY2(c.startsWith("https://example.com/api/uploads/"), c.constData());
    const TusResponse mapped = send("POST", "/files/", {"Upload-Concat: final;" + c + ' ' + d});
    QCOMPARE(mapped.status, 201);
    QCOMPARE(bytesOf(QString::fromLatin1(mapped.header("Location").split('/').constLast())), QByteArray("ghijkl"));
}

QTEST_GUILESS_MAIN(tst_ChecksumConcat)
#include "tst_checksumconcat.moc"

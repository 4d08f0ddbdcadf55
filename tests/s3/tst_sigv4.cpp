// AWS Signature Version 4 (server/s3/sigv4.h) against AWS's published S3 examples ("Signature
// Calculations for the Authorization Header: Transferring Payload in a Single Chunk": GET
// Object with Range, PUT Object test$file.text, GET Bucket lifecycle, GET Bucket list) and
// the encoding rules they rest on.
#include "sigv4.h"

#include <QCryptographicHash>
#include <QTest>

using namespace qtus;
using sigv4::Pairs;

namespace {

const QByteArray accessKey = "AKIAIOSFODNN7EXAMPLE";
const QByteArray secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const QByteArray host = "examplebucket.s3.amazonaws.com";
const QDateTime when(QDate(2013, 5, 24), QTime(0, 0), Qt::UTC);
const QByteArray empty = sigv4::emptyPayloadHash;

// A request as the examples show it before signing. Headers and query are given out of
// order and in mixed case on purpose: the canonical form must sort and fold them.
struct Example
{
    sigv4::Request request;
    QByteArray canonicalRequestSha256;  // published alongside each example
    QByteArray signature;
};

Example getObject()
{
    sigv4::Request r{"GET", "/test.txt", {}, {{"Range", "bytes=0-9"}, {"Host", host}}, empty};
    return {r, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"};
}

Example putObject()
{
    const QByteArray body = "Welcome to Amazon S3.";
    const QByteArray hash = QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex();
    sigv4::Request r{"PUT", sigv4::objectPath(QString(), QStringLiteral("test$file.text")), {},
                     {{"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                      {"Host", host},
                      {"Date", "Fri, 24 May 2013 00:00:00 GMT"}},
                     hash};
    return {r, "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"};
}

Example getLifecycle()
{
    sigv4::Request r{"GET", "/", {{"lifecycle", ""}}, {{"Host", host}}, empty};
    return {r, "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"};
}

Example listObjects()
{
    sigv4::Request r{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {{"Host", host}}, empty};
    return {r, "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"};
}

} // namespace

Q_DECLARE_METATYPE(sigv4::Request)

class tst_SigV4 : public QObject
{
    Q_OBJECT
private slots:
    void publishedExamples_data();
    void publishedExamples();
    void getObjectCanonicalRequestAndStringToSign();
    void authorizationHeader();
    void signingKeyDerivation();
    void uriEncode_data();
    void uriEncode();
    void objectPath();
    void canonicalQuerySortsAndEncodes();
    void canonicalHeadersFoldAndSort();
    void sessionTokenIsSigned();
};

void tst_SigV4::publishedExamples_data()
{
    QTest::addColumn<sigv4::Request>("request");
    QTest::addColumn<QByteArray>("canonicalSha256");
    QTest::addColumn<QByteArray>("expected");
    for (const auto &[name, example] : {std::pair{"GET object, Range", getObject()},
                                        std::pair{"PUT object test$file.text", putObject()},
                                        std::pair{"GET ?lifecycle", getLifecycle()},
                                        std::pair{"GET ?max-keys=2&prefix=J", listObjects()}})
        QTest::addRow("%s", name) << example.request << example.canonicalRequestSha256 << example.signature;
}

void tst_SigV4::publishedExamples()
{
    QFETCH(sigv4::Request, request);
    QFETCH(QByteArray, canonicalSha256);
    QFETCH(QByteArray, expected);
    // Signed the way S3Client signs: sign() adds x-amz-date and x-amz-content-sha256.
    const QByteArray authorization = sigv4::sign(request, {accessKey, secretKey, {}}, "us-east-1", when);
    const QByteArray canonical = sigv4::canonicalRequest(request);
    QCOMPARE(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex(), canonicalSha256);
    QVERIFY2(authorization.endsWith(",Signature=" + expected), authorization.constData());
}

void tst_SigV4::getObjectCanonicalRequestAndStringToSign()
{
    sigv4::Request request = getObject().request;
    request.headers.append(qMakePair(QByteArray("x-amz-date"), QByteArray("20130524T000000Z")));
    request.headers.append(qMakePair(QByteArray("x-amz-content-sha256"), empty));
    const QByteArray canonical = sigv4::canonicalRequest(request);
    QCOMPARE(canonical,
             QByteArray("GET\n"
                        "/test.txt\n"
                        "\n"
                        "host:examplebucket.s3.amazonaws.com\n"
                        "range:bytes=0-9\n"
                        "x-amz-content-sha256:" + empty + "\n"
                        "x-amz-date:20130524T000000Z\n"
                        "\n"
                        "host;range;x-amz-content-sha256;x-amz-date\n" + empty));
    const QByteArray scope = sigv4::credentialScope(sigv4::scopeDate(when), "us-east-1", "s3");
    QCOMPARE(scope, QByteArray("20130524/us-east-1/s3/aws4_request"));
    QCOMPARE(sigv4::amzDate(when), QByteArray("20130524T000000Z"));
    QCOMPARE(sigv4::stringToSign(sigv4::amzDate(when), scope, canonical),
             QByteArray("AWS4-HMAC-SHA256\n"
                        "20130524T000000Z\n"
                        "20130524/us-east-1/s3/aws4_request\n"
                        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"));
}

void tst_SigV4::authorizationHeader()
{
    sigv4::Request request = getObject().request;
    QCOMPARE(sigv4::sign(request, {accessKey, secretKey, {}}, "us-east-1", when),
             QByteArray("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
    // sign() put the headers it signed into the request, to be sent as they are.
    QVERIFY(request.headers.contains({"x-amz-date", "20130524T000000Z"}));
    QVERIFY(request.headers.contains({"x-amz-content-sha256", empty}));
}

void tst_SigV4::signingKeyDerivation()
{
    // AWS's "derive a signing key" example (IAM, 2012-02-15).
    QCOMPARE(sigv4::signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam").toHex(),
             QByteArray("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"));
}

void tst_SigV4::uriEncode_data()
{
    QTest::addColumn<QByteArray>("in");
    QTest::addColumn<bool>("encodeSlash");
    QTest::addColumn<QByteArray>("out");
    QTest::addRow("unreserved stay") << QByteArray("AZaz09-._~") << true << QByteArray("AZaz09-._~");
    QTest::addRow("dollar") << QByteArray("test$file.text") << false << QByteArray("test%24file.text");
    QTest::newRow("space is %20, not +") << QByteArray("a b") << true << QByteArray("a%20b");
    QTest::addRow("plus") << QByteArray("a+b") << true << QByteArray("a%2Bb");
    QTest::addRow("sub-delims") << QByteArray("!'()*=&,;") << true << QByteArray("%21%27%28%29%2A%3D%26%2C%3B");
    QTest::addRow("percent is encoded again") << QByteArray("%41") << true << QByteArray("%2541");
    QTest::addRow("slash in a value") << QByteArray("a/b") << true << QByteArray("a%2Fb");
    QTest::addRow("slash in a path") << QByteArray("a/b") << false << QByteArray("a/b");
    QTest::addRow("UTF-8, upper-case hex") << QByteArray("\xc3\xbc") << true << QByteArray("%C3%BC");
    QTest::addRow("control bytes") << QByteArray("\n\x7f", 2) << true << QByteArray("%0A%7F");
}

void tst_SigV4::uriEncode()
{
    QFETCH(QByteArray, in);
    QFETCH(bool, encodeSlash);
    QFETCH(QByteArray, out);
    QCOMPARE(sigv4::uriEncode(in, encodeSlash), out);
}

void tst_SigV4::objectPath()
{
    QCOMPARE(sigv4::objectPath(QStringLiteral("bucket"), QStringLiteral("dir/a b$ü.info")),
             QByteArray("/bucket/dir/a%20b%24%C3%BC.info"));
    QCOMPARE(sigv4::objectPath(QString(), QStringLiteral("test$file.text")), QByteArray("/test%24file.text"));
    QCOMPARE(sigv4::objectPath(QStringLiteral("bucket"), QString()), QByteArray("/bucket"));
    QCOMPARE(sigv4::objectPath(QString(), QString()), QByteArray("/"));
    // Encoded once: a key that looks encoded keeps its '%' as a byte of the key.
    QCOMPARE(sigv4::objectPath(QStringLiteral("b"), QStringLiteral("x%2Fy")), QByteArray("/b/x%252Fy"));
}

void tst_SigV4::canonicalQuerySortsAndEncodes()
{
    QCOMPARE(sigv4::canonicalQuery({}), QByteArray());
    QCOMPARE(sigv4::canonicalQuery({{"uploads", ""}}), QByteArray("uploads="));
    QCOMPARE(sigv4::canonicalQuery({{"uploadId", "2~a/b+c="}, {"partNumber", "10"}}),
             QByteArray("partNumber=10&uploadId=2~a%2Fb%2Bc%3D"));
    // Sorted by byte value: upper case before lower case, then by value for one name.
    QCOMPARE(sigv4::canonicalQuery({{"prefix", "b"}, {"list-type", "2"}, {"Zed", ""}, {"prefix", "a"}}),
             QByteArray("Zed=&list-type=2&prefix=a&prefix=b"));
    // Sorted after encoding: "a b" (a%20b) before "a-b".
    QCOMPARE(sigv4::canonicalQuery({{"k", "a-b"}, {"k", "a b"}}), QByteArray("k=a%20b&k=a-b"));
}

void tst_SigV4::canonicalHeadersFoldAndSort()
{
    QByteArray names;
    const QByteArray canonical = sigv4::canonicalHeaders(
        {{"X-Amz-Meta-B", "  two   spaces  "}, {"Host", "h"}, {"x-amz-meta-a", "1"}, {"X-AMZ-META-A", "2"}},
        &names);
    QCOMPARE(canonical, QByteArray("host:h\nx-amz-meta-a:1,2\nx-amz-meta-b:two spaces\n"));
    QCOMPARE(names, QByteArray("host;x-amz-meta-a;x-amz-meta-b"));
}

void tst_SigV4::sessionTokenIsSigned()
{
    sigv4::Request request = getObject().request;
    const QByteArray authorization = sigv4::sign(request, {accessKey, secretKey, "token"}, "us-east-1", when);
    QVERIFY(request.headers.contains({"x-amz-security-token", "token"}));
    QVERIFY2(authorization.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
             authorization.constData());
    QVERIFY(!authorization.endsWith(getObject().signature));
}

QTEST_APPLESS_MAIN(tst_SigV4)
#include "tst_sigv4.moc"

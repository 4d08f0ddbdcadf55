// TusHandler's integration points for browsers and proxies: CORS (--cors-origins) on every
// kind of response, and the Location URL with and without --behind-proxy and --base-url.
// The handler is built from a ServerConfig with those fields set directly.
#include "tushandlerfixture.h"

#include <QCryptographicHash>

using namespace qtus;
using namespace qtus::test;

namespace {

const QByteArray appOrigin = "https://app.example";
const QStringList anyOrigin{QStringLiteral("*")};
const QStringList twoOrigins{QStringLiteral("https://app.example"), QStringLiteral("https://other.example")};

QByteArrayList tokens(const QByteArray &list)
{
    QByteArrayList out;
    for (const QByteArray &t : list.split(','))
        if (!t.trimmed().isEmpty())
            out << t.trimmed().toLower();
    return out;
}

// Every name in `required` appears in the comma-separated header value (case-insensitively).
void checkListed(const TusResponse &r, const QByteArray &header, const QByteArrayList &required)
{
    const QByteArrayList listed = tokens(r.header(header));
    for (const QByteArray &name : required)
        QVERIFY2(listed.contains(name.toLower()), (header + " lacks " + name + ": " + r.header(header)).constData());
}

void checkNoCors(const TusResponse &r)
{
    for (const auto &h : r.headers)
        QVERIFY2(!h.first.toLower().startsWith("access-control-"), h.first.constData());
}

// What tus-js-client reads from responses (rule: HTTP hygiene, CORS line).
const QByteArrayList exposed{"Location", "Upload-Offset", "Upload-Length", "Upload-Expires", "Upload-Metadata",
                             "Upload-Defer-Length", "Upload-Concat", "Tus-Resumable", "Tus-Version",
                             "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm"};
// What tus clients send besides the CORS-safelisted headers.
const QByteArrayList requestHeaders{"Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata",
                                    "Upload-Defer-Length", "Upload-Concat", "Upload-Checksum", "Content-Type",
                                    "X-HTTP-Method-Override"};

} // namespace

class tst_CorsProxy : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init();

    void preflight_data();
    void preflight();
    void everyResponse_data();
    void everyResponse();
    void streamedResponses();
    void originList_data();
    void originList();
    void corsOff();
    void credentials_data();
    void credentials();
    void location_data();
    void location();

private:
    void configure(const QStringList &origins, bool behindProxy = false, const QString &baseUrl = {},
                   bool allowCredentials = false);
};

void tst_CorsProxy::init()
{
    setUpFixture();
}

void tst_CorsProxy::configure(const QStringList &origins, bool behindProxy, const QString &baseUrl, bool allowCredentials)
{
    ServerConfig config;
    config.dir = m_storeDir;
    config.expireAfter = 1h;
    config.fsync = FsyncPolicy::Never;
    config.corsOrigins = origins;
    config.behindProxy = behindProxy;
    config.baseUrl = baseUrl;
    config.corsAllowCredentials = allowCredentials;
    m_handler = std::make_unique<TusHandler>(config, *m_store, m_locks, m_clock);
}

void tst_CorsProxy::preflight_data()
{
    QTest::addColumn<QStringList>("origins");
    QTest::addColumn<QByteArray>("path");    // {id}: a prepared upload
    QTest::addColumn<QByteArray>("method");  // Access-Control-Request-Method
    QTest::addColumn<QByteArray>("allowOrigin");
    const QByteArray coll = "/files/", up = "/files/{id}";
    QTest::addRow("CORS preflight POST on the collection, any origin") << anyOrigin << coll << QByteArray("POST") << QByteArray("*");
    QTest::addRow("CORS preflight PATCH on an upload, any origin") << anyOrigin << up << QByteArray("PATCH") << QByteArray("*");
    QTest::addRow("CORS preflight HEAD on an upload, any origin") << anyOrigin << up << QByteArray("HEAD") << QByteArray("*");
    QTest::addRow("CORS preflight DELETE on an upload, listed origin") << twoOrigins << up << QByteArray("DELETE") << appOrigin;
    QTest::addRow("CORS preflight POST on the collection, listed origin") << twoOrigins << coll << QByteArray("POST") << appOrigin;
}

void tst_CorsProxy::preflight()
{
    QFETCH(QStringList, origins);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, allowOrigin);
    configure(origins);
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    path.replace("{id}", id.toLatin1());
    // A browser's preflight carries no Tus-Resumable: custom headers are only announced.
    const TusResponse r = send("OPTIONS", path, {"Tus-Resumable: <absent>", "Origin: " + appOrigin,
                                                 "Access-Control-Request-Method: " + method,
                                                 "Access-Control-Request-Headers: tus-resumable,upload-length,upload-metadata,upload-offset,content-type"});
    QCOMPARE(r.status, 204);
    QCOMPARE(r.body, QByteArray());
    QCOMPARE(r.header("Access-Control-Allow-Origin"), allowOrigin);
    checkListed(r, "Access-Control-Allow-Methods", {"POST", "HEAD", "PATCH", "DELETE", "OPTIONS"});
    checkListed(r, "Access-Control-Allow-Headers", requestHeaders);
    bool ok = false;
    const int maxAge = r.header("Access-Control-Max-Age").toInt(&ok);
    QVERIFY2(ok && maxAge > 0, r.header("Access-Control-Max-Age").constData());
    if (allowOrigin != "*")
        QVERIFY(tokens(r.header("Vary")).contains("origin"));
    QCOMPARE(bytesOf(id), QByteArray("abc"));  // a preflight changes nothing
}

void tst_CorsProxy::everyResponse_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");  // {id}: a prepared upload "10:abc"; {new}: unknown
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    using L = QByteArrayList;
    const QByteArray none, coll = "/files/", up = "/files/{id}";
    const QByteArray wrongSum = "Upload-Checksum: sha1 " + QCryptographicHash::hash("x", QCryptographicHash::Sha1).toBase64();
    QTest::newRow("CORS on 201 POST") << QByteArray("POST") << coll << L{"Upload-Length: 5"} << none << 201;
    QTest::newRow("CORS on 201 POST with body") << QByteArray("POST") << coll << L{"Upload-Length: 5", octet} << QByteArray("ab") << 201;
    QTest::newRow("CORS on 201 POST partial") << QByteArray("POST") << coll << L{"Upload-Length: 5", "Upload-Concat: partial"} << none << 201;
    QTest::newRow("CORS on 204 PATCH") << QByteArray("PATCH") << up << L{octet, "Upload-Offset: 3"} << QByteArray("de") << 204;
    QTest::newRow("CORS on 200 HEAD") << QByteArray("HEAD") << up << L{} << none << 200;
    QTest::newRow("CORS on 204 DELETE") << QByteArray("DELETE") << up << L{} << none << 204;
    QTest::newRow("CORS on 204 OPTIONS without preflight") << QByteArray("OPTIONS") << coll << L{} << none << 204;
    QTest::newRow("CORS on 404 HEAD unknown") << QByteArray("HEAD") << QByteArray("/files/{new}") << L{} << none << 404;
    QTest::newRow("CORS on 404 unknown path") << QByteArray("POST") << QByteArray("/elsewhere") << L{"Upload-Length: 5"} << none << 404;
    QTest::newRow("CORS on 412 missing Tus-Resumable") << QByteArray("POST") << coll << L{"Tus-Resumable: <absent>", "Upload-Length: 5"} << none << 412;
    QTest::newRow("CORS on 409 offset mismatch") << QByteArray("PATCH") << up << L{octet, "Upload-Offset: 1"} << QByteArray("de") << 409;
    QTest::newRow("CORS on 400 bad Upload-Length") << QByteArray("POST") << coll << L{"Upload-Length: -1"} << none << 400;
    QTest::newRow("CORS on 415 PATCH without Content-Type") << QByteArray("PATCH") << up << L{"Upload-Offset: 3"} << QByteArray("de") << 415;
    QTest::newRow("CORS on 460 checksum mismatch") << QByteArray("PATCH") << up << L{octet, "Upload-Offset: 3", wrongSum} << QByteArray("de") << 460;
    QTest::newRow("CORS on 405 PUT") << QByteArray("PUT") << up << L{} << none << 405;
}

void tst_CorsProxy::everyResponse()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArrayList, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    for (const QStringList &origins : {anyOrigin, twoOrigins}) {
        setUpFixture();
        configure(origins);
        const QString id = prepare("10:abc");
        QVERIFY(!id.isEmpty());
        QByteArray p = path;
        p.replace("{id}", id.toLatin1()).replace("{new}", newUploadId().toLatin1());
        const TusResponse r = send(method, p, QByteArrayList{"Origin: " + appOrigin} + headers, body);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), origins == anyOrigin ? QByteArray("*") : appOrigin);
        checkListed(r, "Access-Control-Expose-Headers", exposed);
        if (origins != anyOrigin)
            QVERIFY(tokens(r.header("Vary")).contains("origin"));
        if (QTest::currentTestFailed())
            return;
    }
}

void tst_CorsProxy::streamedResponses()
{
    // The streaming intake answers through startBody()/finishBody(); those answers carry CORS too.
    configure(twoOrigins);
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    auto head = [&](const QByteArray &offset, const QByteArrayList &extra = {}) {
        TusRequest h;
        h.method = "PATCH";
        h.path = "/files/" + id.toLatin1();
        h.headers = {{"Tus-Resumable", "1.0.0"}, {"Content-Type", "application/offset+octet-stream"},
                     {"Upload-Offset", offset}, {"Origin", appOrigin}};
        for (const QByteArray &line : extra)
            h.headers.append({headerName(line), headerValue(line)});
        return h;
    };
    auto check = [](const TusResponse &r, int status) {
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), appOrigin);
        checkListed(r, "Access-Control-Expose-Headers", exposed);
    };

    BodyDecision early = m_handler->startBody(head("1"), 2);  // answered before the body
    QVERIFY(early.response);
    check(*early.response, 409);
    if (QTest::currentTestFailed())
        return;

    BodyDecision ok = m_handler->startBody(head("3"), 2);
    QVERIFY(!ok.response);
    ok.body.writer.append("de", 2);
    check(m_handler->finishBody(ok.body), 204);
    if (QTest::currentTestFailed())
        return;

    const QByteArray wrongSum = "Upload-Checksum: sha1 " + QCryptographicHash::hash("x", QCryptographicHash::Sha1).toBase64();
    BodyDecision mismatch = m_handler->startBody(head("5", {wrongSum}), 2);
    QVERIFY(!mismatch.response);
    mismatch.body.writer.append("fg", 2);
    check(m_handler->finishBody(mismatch.body), 460);
    QCOMPARE(bytesOf(id), QByteArray("abcde"));
}

void tst_CorsProxy::originList_data()
{
    QTest::addColumn<QByteArray>("origin");  // the request's Origin, or <absent>
    QTest::addColumn<bool>("allowed");
    QTest::addRow("CORS list: first listed origin echoed") << appOrigin << true;
    QTest::addRow("CORS list: second listed origin echoed") << QByteArray("https://other.example") << true;
    QTest::addRow("CORS list: foreign origin") << QByteArray("https://evil.example") << false;
    QTest::addRow("CORS list: listed origin as a prefix") << QByteArray("https://app.example.evil.com") << false;
    QTest::addRow("CORS list: listed origin with a path") << QByteArray("https://app.example/") << false;
    QTest::addRow("CORS list: other scheme") << QByteArray("http://app.example") << false;
    QTest::addRow("CORS list: other port") << QByteArray("https://app.example:8443") << false;
    QTest::addRow("CORS list: opaque origin null") << QByteArray("null") << false;
    QTest::addRow("CORS list: wildcard sent as origin") << QByteArray("*") << false;
    QTest::addRow("CORS list: no Origin") << absent << false;
}

void tst_CorsProxy::originList()
{
    QFETCH(QByteArray, origin);
    QFETCH(bool, allowed);
    configure(twoOrigins);
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    const QByteArray url = "/files/" + id.toLatin1();

    const TusResponse head = send("HEAD", url, {"Origin: " + origin});
    QCOMPARE(head.status, 200);
    const TusResponse pre = send("OPTIONS", url, {"Tus-Resumable: <absent>", "Origin: " + origin, "Access-Control-Request-Method: PATCH"});
    QCOMPARE(pre.status, 204);
    for (const TusResponse *r : {&head, &pre}) {
        QVERIFY(tokens(r->header("Vary")).contains("origin"));  // the answer depends on Origin
        if (allowed) {
            QCOMPARE(r->header("Access-Control-Allow-Origin"), origin);
            checkListed(*r, "Access-Control-Expose-Headers", exposed);
        } else {
            checkNoCors(*r);
        }
    }
    if (allowed)
        checkListed(pre, "Access-Control-Allow-Methods", {"PATCH"});
}

void tst_CorsProxy::corsOff()
{
    configure({});  // --cors-origins none
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    const QByteArray url = "/files/" + id.toLatin1(), o = "Origin: " + appOrigin;
    const QList<std::pair<int, TusResponse>> answers{
        {204, send("OPTIONS", url, {"Tus-Resumable: <absent>", o, "Access-Control-Request-Method: PATCH"})},
        {201, send("POST", "/files/", {o, "Upload-Length: 5"})},
        {200, send("HEAD", url, {o})},
        {204, send("PATCH", url, {o, octet, "Upload-Offset: 3"}, "de")},
        {404, send("HEAD", "/files/" + newUploadId().toLatin1(), {o})},
        {412, send("HEAD", url, {o, "Tus-Resumable: 0.2.2"})},
        {409, send("PATCH", url, {o, octet, "Upload-Offset: 0"}, "x")},
    };
    for (const auto &[status, r] : answers) {
        QCOMPARE(r.status, status);
        checkNoCors(r);
    }
}

void tst_CorsProxy::credentials_data()
{
    QTest::addColumn<QStringList>("origins");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("allowOrigin");       // empty: no CORS answer at all
    QTest::addColumn<bool>("allowsCredentials");
    QTest::newRow("listed origin is echoed with credentials") << twoOrigins << appOrigin << appOrigin << true;
    QTest::newRow("second listed origin") << twoOrigins << QByteArray("https://other.example")
                                          << QByteArray("https://other.example") << true;
    QTest::newRow("unlisted origin gets nothing") << twoOrigins << QByteArray("https://evil.example") << QByteArray() << false;
    QTest::newRow("a prefix of a listed origin gets nothing") << twoOrigins << QByteArray("https://app.example.evil")
                                                              << QByteArray() << false;
    // ServerConfig refuses --cors-allow-credentials with '*'; the policy holds without it.
    QTest::newRow("any origin never with credentials") << anyOrigin << QByteArray("https://evil.example") << QByteArray("*") << false;
}

void tst_CorsProxy::credentials()
{
    QFETCH(QStringList, origins);
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, allowOrigin);
    QFETCH(bool, allowsCredentials);
    configure(origins, false, {}, true);
    const QString id = prepare("10:abc");
    QVERIFY(!id.isEmpty());
    const QByteArray url = "/files/" + id.toLatin1(), o = "Origin: " + origin;
    const QList<TusResponse> answers{
        send("OPTIONS", url, {"Tus-Resumable: <absent>", o, "Access-Control-Request-Method: PATCH"}),
        send("POST", "/files/", {o, "Upload-Length: 5"}),
        send("HEAD", url, {o}),
        send("PATCH", url, {o, octet, "Upload-Offset: 3"}, "de"),
        send("HEAD", "/files/" + newUploadId().toLatin1(), {o}),
    };
    for (const TusResponse &r : answers) {
        QCOMPARE(r.header("Access-Control-Allow-Origin"), allowOrigin);
        QCOMPARE(r.hasHeader("Access-Control-Allow-Credentials"), allowsCredentials);
        if (allowsCredentials)
            QCOMPARE(r.header("Access-Control-Allow-Credentials"), QByteArray("true"));
        if (allowOrigin != "*")
            QVERIFY(tokens(r.header("Vary")).contains("origin"));  // caches must not mix origins
    }
}

void tst_CorsProxy::location_data()
{
    QTest::addColumn<bool>("behindProxy");
    QTest::addColumn<QString>("baseUrl");
    QTest::addColumn<QByteArray>("scheme");  // of the connection
    QTest::addColumn<QByteArrayList>("headers");
    QTest::addColumn<QByteArray>("prefix");  // Location is prefix + id
    QTest::addColumn<QString>("knownBug");   // a server bug this row documents (QEXPECT_FAIL)

    using L = QByteArrayList;
    const QByteArray http = "http", https = "https", local = "http://qtus.local:1080/files/";
    const QString none;
    const L xf{"X-Forwarded-Proto: https", "X-Forwarded-Host: uploads.example", "X-Forwarded-Port: 8443"};
    const QByteArray fwd = "Forwarded: for=192.0.2.60;proto=https;host=uploads.example";
    auto row = [&](const char *name, bool proxy, const L &headers, const QByteArray &prefix, const QString &bug = {}) {
        QTest::newRow(name) << proxy << none << http << headers << prefix << bug;
    };
    row("CR5 no proxy: X-Forwarded-* ignored", false, xf, local);
    row("CR5 no proxy: Forwarded ignored", false, {fwd}, local);
    QTest::newRow("CR5 no proxy: the connection's scheme") << false << none << https << L{} << QByteArray("https://qtus.local:1080/files/") << none;
    row("proxy: no forwarded headers -> Host", true, {}, local);
    row("proxy: X-Forwarded-Proto https", true, {"X-Forwarded-Proto: https"}, "https://qtus.local:1080/files/");
    row("proxy: X-Forwarded-Proto in upper case", true, {"X-Forwarded-Proto: HTTPS"}, "https://qtus.local:1080/files/");
    row("proxy: X-Forwarded-Proto list, first wins", true, {"X-Forwarded-Proto: https, http"}, "https://qtus.local:1080/files/");
    row("proxy: X-Forwarded-Host", true, {"X-Forwarded-Host: uploads.example"}, "http://uploads.example/files/");
    row("proxy: X-Forwarded-Host with port", true, {"X-Forwarded-Host: uploads.example:8443"}, "http://uploads.example:8443/files/");
    row("proxy: X-Forwarded-Host list, first wins", true, {"X-Forwarded-Host: uploads.example, proxy.internal"}, "http://uploads.example/files/");
    row("proxy: X-Forwarded-Host IPv6", true, {"X-Forwarded-Host: [2001:db8::1]:8443"}, "http://[2001:db8::1]:8443/files/");
    row("proxy: X-Forwarded-Proto, -Host and -Port", true, xf, "https://uploads.example:8443/files/");
    row("proxy: X-Forwarded-Port alone", true, {"X-Forwarded-Port: 8443"}, "http://qtus.local:8443/files/");
    row("proxy: Forwarded proto and host", true, {fwd}, "https://uploads.example/files/");
    row("proxy: Forwarded quoted host with port", true, {"Forwarded: proto=https;host=\"uploads.example:8443\""}, "https://uploads.example:8443/files/");
    row("proxy: Forwarded keys in upper case", true, {"Forwarded: Proto=https;Host=uploads.example"}, "https://uploads.example/files/");
    row("proxy: Forwarded first element wins", true, {"Forwarded: proto=https;host=uploads.example, proto=http;host=proxy.internal"}, "https://uploads.example/files/");
    row("proxy: Forwarded wins over X-Forwarded-*", true, L{"X-Forwarded-Proto: http", "X-Forwarded-Host: other.example", fwd}, "https://uploads.example/files/");
    // Hostile values are ignored: the Location comes from Host as if they were absent.
    row("proxy hostile: X-Forwarded-Host with a path", true, {"X-Forwarded-Host: evil.com/path"}, local);
    row("proxy hostile: X-Forwarded-Host with a space", true, {"X-Forwarded-Host: evil.com x"}, local);
    row("proxy hostile: X-Forwarded-Host with CRLF", true, {"X-Forwarded-Host: evil.com\r\nSet-Cookie: a=b"}, local);
    row("proxy hostile: X-Forwarded-Host with userinfo", true, {"X-Forwarded-Host: me@evil.com"}, local);
    row("proxy hostile: X-Forwarded-Proto javascript", true, {"X-Forwarded-Proto: javascript"}, local);
    row("proxy hostile: X-Forwarded-Proto with a URL", true, {"X-Forwarded-Proto: https://evil.com"}, local);
    row("proxy hostile: Forwarded proto javascript, host with a path", true, {"Forwarded: proto=javascript;host=evil.com/path"}, local);
    row("proxy hostile: Forwarded quoted host with a space", true, {"Forwarded: host=\"evil.com x\""}, local);
    row("proxy hostile: Forwarded host with CRLF", true, {"Forwarded: host=evil.com\r\nSet-Cookie: a=b"}, local);
    row("proxy hostile: X-Forwarded-Port not a number", true, {"X-Forwarded-Port: abc"}, local);
    row("proxy hostile: X-Forwarded-Port with a path", true, {"X-Forwarded-Port: 80/evil"}, local);
    row("proxy hostile: X-Forwarded-Port not a number, with X-Forwarded-Host", true,
        {"X-Forwarded-Host: uploads.example", "X-Forwarded-Port: abc"}, "http://uploads.example/files/");
    row("proxy hostile: X-Forwarded-Port out of range", true, {"X-Forwarded-Port: 99999"}, local);
    row("proxy: X-Forwarded-Host with the highest port", true, {"X-Forwarded-Host: uploads.example:65535"}, "http://uploads.example:65535/files/");
    row("proxy hostile: X-Forwarded-Host with port 0", true, {"X-Forwarded-Host: uploads.example:0"}, local);
    row("proxy hostile: X-Forwarded-Host with port 65536", true, {"X-Forwarded-Host: uploads.example:65536"}, local);
    row("proxy hostile: X-Forwarded-Host with an empty port", true, {"X-Forwarded-Host: uploads.example:"}, local);
    row("proxy hostile: X-Forwarded-Host unclosed IPv6 literal", true, {"X-Forwarded-Host: [2001:db8::1"}, local);
    row("proxy hostile: X-Forwarded-Host empty IPv6 literal", true, {"X-Forwarded-Host: []"}, local);
    row("proxy hostile: X-Forwarded-Host with a byte >= 0x80", true, {"X-Forwarded-Host: \xc3\xa9vil.com"}, local);
    const QString base = QStringLiteral("https://public.example/files/");
    QTest::newRow("--base-url overrides Host") << false << base << http << L{} << base.toLatin1() << none;
    QTest::newRow("--base-url overrides forwarded headers") << true << base << http << (xf + L{fwd}) << base.toLatin1() << none;
    QTest::newRow("--base-url with another path") << true << QStringLiteral("https://public.example/api/uploads/") << https << xf << QByteArray("https://public.example/api/uploads/") << none;
}

void tst_CorsProxy::location()
{
    QFETCH(bool, behindProxy);
    QFETCH(QString, baseUrl);
    QFETCH(QByteArray, scheme);
    QFETCH(QByteArrayList, headers);
    QFETCH(QByteArray, prefix);
    QFETCH(QString, knownBug);
    configure(anyOrigin, behindProxy, baseUrl);
    headers.prepend("Host: qtus.local:1080");

    auto checkLocation = [&](const TusResponse &r) {
        QCOMPARE(r.status, 201);
        const QByteArray location = r.header("Location");
        QVERIFY2(location.startsWith(prefix), location.constData());
        const QString id = QString::fromLatin1(location.mid(prefix.size()));
        QVERIFY2(isValidUploadId(id), location.constData());
        QVERIFY(m_store->find(id));
    };
    const TusResponse created = send("POST", "/files/", headers + QByteArrayList{"Upload-Length: 5"}, {}, scheme);
    QCOMPARE(created.status, 201);
    if (!knownBug.isEmpty())
        QEXPECT_FAIL("", qPrintable(knownBug), Abort);
    QVERIFY2(created.header("Location").startsWith(prefix), created.header("Location").constData());
    checkLocation(created);
    if (QTest::currentTestFailed())
        return;
    // The final upload of the concatenation extension is created by the same rules.
    const TusResponse part = send("POST", "/files/", headers + QByteArrayList{"Upload-Length: 0", "Upload-Concat: partial"}, {}, scheme);
    checkLocation(part);
    if (QTest::currentTestFailed())
        return;
    const QByteArray partPath = "/files/" + part.header("Location").mid(prefix.size());
    checkLocation(send("POST", "/files/", headers + QByteArrayList{"Upload-Concat: final;" + partPath}, {}, scheme));
}

QTEST_GUILESS_MAIN(tst_CorsProxy)
#include "tst_corsproxy.moc"

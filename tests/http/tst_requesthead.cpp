// parseRequestHead as a table: bytes in; Incomplete, Complete (and the parsed fields) or
// Invalid (and which TusError, hence which status) out. The intake trusts this function for
// every framing decision, so each ambiguity a smuggling attack relies on has a row.
#include "requesthead.h"

#include <QTest>

using namespace qtus;

Q_DECLARE_METATYPE(qtus::TusError)
Q_DECLARE_METATYPE(qtus::HeadParseResult::Status)

namespace {

using Status = HeadParseResult::Status;

// A minimal valid HTTP/1.1 head with the given request line and extra header lines.
QByteArray head(const QByteArray &requestLine, const QByteArray &fields = {})
{
    return requestLine + "\r\nHost: example.org\r\n" + fields + "\r\n";
}

} // namespace

class tst_RequestHead : public QObject
{
    Q_OBJECT

private slots:
    void verdict_data();
    void verdict();
    void fields_data();
    void fields();
    void everyPrefixOfAHeadIsIncomplete();
    void everyPrefixIsIncompleteAtExactLimits();
    void limitsAreInclusive();
};

void tst_RequestHead::verdict_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("maxHeaderSize");
    QTest::addColumn<int>("maxRequestLine");
    QTest::addColumn<Status>("status");
    QTest::addColumn<TusError>("error");  // meaningful when Invalid
    QTest::addColumn<int>("httpStatus");  // describe(error).status when Invalid

    const int H = 16 * 1024;
    const int L = 8 * 1024;
    const auto ok = TusError::MalformedRequestLine;  // placeholder for non-Invalid rows

    // Complete and incomplete heads
    QTest::addRow("complete") << head("HEAD /files/a HTTP/1.1") << H << L << Status::Complete << ok << 0;
    QTest::addRow("empty buffer") << QByteArray() << H << L << Status::Incomplete << ok << 0;
    QTest::addRow("partial request line") << QByteArray("PATCH /fil") << H << L << Status::Incomplete << ok << 0;
    QTest::addRow("no blank line yet") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\n") << H << L << Status::Incomplete << ok << 0;
    QTest::addRow("blank line half there") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\n\r") << H << L << Status::Incomplete << ok << 0;

    // Size limits
    const QByteArray longTarget = "/files/" + QByteArray(200, 'a');
    QTest::addRow("414 request line over limit") << head("HEAD " + longTarget + " HTTP/1.1") << H << 64 << Status::Invalid
                                                 << TusError::RequestLineTooLong << 414;
    QTest::addRow("414 before the line ends") << QByteArray("HEAD " + longTarget) << H << 64 << Status::Invalid
                                              << TusError::RequestLineTooLong << 414;
    QTest::addRow("431 complete head over limit") << head("HEAD / HTTP/1.1", "X-Pad: " + QByteArray(300, 'p') + "\r\n")
                                                  << 256 << 64 << Status::Invalid << TusError::HeaderTooLarge << 431;
    QTest::addRow("431 before the head ends") << QByteArray("HEAD / HTTP/1.1\r\nX-Pad: " + QByteArray(300, 'p'))
                                              << 256 << 64 << Status::Invalid << TusError::HeaderTooLarge << 431;
    // Found by fuzz_requesthead: a request line of exactly the limit, read up to the CR of
    // its CRLF, was answered 414 although the whole line is accepted.
    const QByteArray line25 = "HEAD /aaaaaaaaaa HTTP/1.1";
    QTest::addRow("line at the limit, LF still to come") << line25 + '\r' << H << 25 << Status::Incomplete << ok << 0;
    QTest::addRow("414 line over the limit, LF still to come") << line25 + '\r' << H << 24 << Status::Invalid
                                                               << TusError::RequestLineTooLong << 414;
    QTest::addRow("431 line fits, the head cannot") << line25 << 25 << 25 << Status::Invalid << TusError::HeaderTooLarge
                                                    << 431;

    // Content-Length ambiguity
    QTest::addRow("two Content-Length fields differ")
        << head("PATCH /f HTTP/1.1", "Content-Length: 5\r\nContent-Length: 6\r\n") << H << L << Status::Invalid
        << TusError::ConflictingContentLength << 400;
    QTest::addRow("Content-Length list differs") << head("PATCH /f HTTP/1.1", "Content-Length: 5, 6\r\n") << H << L
                                                 << Status::Invalid << TusError::ConflictingContentLength << 400;
    QTest::addRow("identical Content-Length fields") << head("PATCH /f HTTP/1.1", "Content-Length: 5\r\ncontent-length: 5\r\n")
                                                     << H << L << Status::Complete << ok << 0;
    QTest::addRow("identical Content-Length list") << head("PATCH /f HTTP/1.1", "Content-Length: 5, 5\r\n") << H << L
                                                   << Status::Complete << ok << 0;
    QTest::addRow("negative Content-Length") << head("PATCH /f HTTP/1.1", "Content-Length: -1\r\n") << H << L
                                             << Status::Invalid << TusError::ConflictingContentLength << 400;
    QTest::addRow("Content-Length with letters") << head("PATCH /f HTTP/1.1", "Content-Length: 12a\r\n") << H << L
                                                 << Status::Invalid << TusError::ConflictingContentLength << 400;

    // Transfer-Encoding
    QTest::addRow("Content-Length with Transfer-Encoding")
        << head("PATCH /f HTTP/1.1", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") << H << L << Status::Invalid
        << TusError::LengthWithTransferEncoding << 400;
    QTest::addRow("Transfer-Encoding before Content-Length")
        << head("PATCH /f HTTP/1.1", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n") << H << L << Status::Invalid
        << TusError::LengthWithTransferEncoding << 400;
    QTest::addRow("Transfer-Encoding gzip") << head("PATCH /f HTTP/1.1", "Transfer-Encoding: gzip\r\n") << H << L
                                           << Status::Invalid << TusError::UnsupportedTransferEncoding << 400;
    QTest::addRow("Transfer-Encoding gzip, chunked") << head("PATCH /f HTTP/1.1", "Transfer-Encoding: gzip, chunked\r\n")
                                                     << H << L << Status::Invalid << TusError::UnsupportedTransferEncoding << 400;
    QTest::addRow("chunked twice") << head("PATCH /f HTTP/1.1", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")
                                   << H << L << Status::Invalid << TusError::UnsupportedTransferEncoding << 400;

    // Versions and the request line
    QTest::addRow("HTTP/2.0") << head("PATCH /files/x HTTP/2.0") << H << L << Status::Invalid
                              << TusError::UnsupportedHttpVersion << 400;
    QTest::addRow("HTTP/0.9 style") << head("GET / HTTP/0.9") << H << L << Status::Invalid << TusError::UnsupportedHttpVersion << 400;
    QTest::addRow("lower-case http") << head("HEAD / http/1.1") << H << L << Status::Invalid << TusError::UnsupportedHttpVersion << 400;
    QTest::addRow("garbage version") << head("HEAD / FOO/1.1") << H << L << Status::Invalid << TusError::UnsupportedHttpVersion << 400;
    QTest::addRow("version with suffix") << head("HEAD / HTTP/1.1x") << H << L << Status::Invalid
                                         << TusError::UnsupportedHttpVersion << 400;
    QTest::addRow("missing version") << head("HEAD /") << H << L << Status::Invalid << TusError::MalformedRequestLine << 400;
    QTest::addRow("two spaces") << head("HEAD  / HTTP/1.1") << H << L << Status::Invalid << TusError::MalformedRequestLine << 400;
    QTest::addRow("relative target") << head("HEAD files HTTP/1.1") << H << L << Status::Invalid << TusError::MalformedRequestLine << 400;
    QTest::addRow("method not a token") << head("PA(CH / HTTP/1.1") << H << L << Status::Invalid << TusError::MalformedRequestLine << 400;

    // Header fields
    QTest::addRow("obs-fold with space") << head("HEAD / HTTP/1.1", "X-A: a\r\n b\r\n") << H << L << Status::Invalid
                                         << TusError::MalformedHeader << 400;
    QTest::addRow("obs-fold with tab") << head("HEAD / HTTP/1.1", "X-A: a\r\n\tb\r\n") << H << L << Status::Invalid
                                       << TusError::MalformedHeader << 400;
    QTest::addRow("space before colon") << head("HEAD / HTTP/1.1", "Content-Length : 5\r\n") << H << L << Status::Invalid
                                        << TusError::MalformedHeader << 400;
    QTest::addRow("no colon") << head("HEAD / HTTP/1.1", "X-A\r\n") << H << L << Status::Invalid << TusError::MalformedHeader << 400;
    QTest::addRow("empty name") << head("HEAD / HTTP/1.1", ": a\r\n") << H << L << Status::Invalid << TusError::MalformedHeader << 400;
    QTest::addRow("control char in value") << head("HEAD / HTTP/1.1", "X-A: a\x01z\r\n") << H << L << Status::Invalid
                                           << TusError::MalformedHeader << 400;
    QTest::addRow("NUL in value") << head("HEAD / HTTP/1.1", QByteArray("X-A: a\0z\r\n", 10)) << H << L << Status::Invalid
                                  << TusError::MalformedHeader << 400;
    // Found in review next to fuzz_requesthead: a signed char made every byte >= 0x80 a
    // "control character", so a UTF-8 field value got 400.
    QTest::addRow("obs-text in value is content") << head("HEAD / HTTP/1.1", "X-Name: caf\xc3\xa9\r\n") << H << L
                                                  << Status::Complete << ok << 0;
    QTest::addRow("DEL in value") << head("HEAD / HTTP/1.1", "X-A: a\x7fz\r\n") << H << L << Status::Invalid
                                  << TusError::MalformedHeader << 400;
    QTest::addRow("bare CR in value") << head("HEAD / HTTP/1.1", "X-A: a\rz\r\n") << H << L << Status::Invalid
                                      << TusError::MalformedHeader << 400;
    QTest::addRow("tab in value is fine") << head("HEAD / HTTP/1.1", "X-A: a\tz\r\n") << H << L << Status::Complete << ok << 0;

    // Host
    QTest::addRow("missing Host on 1.1") << QByteArray("HEAD / HTTP/1.1\r\nX-A: b\r\n\r\n") << H << L << Status::Invalid
                                         << TusError::MissingHost << 400;
    QTest::addRow("no Host on 1.0 is fine") << QByteArray("HEAD / HTTP/1.0\r\n\r\n") << H << L << Status::Complete << ok << 0;
    QTest::addRow("two Host fields") << head("HEAD / HTTP/1.1", "Host: other.example\r\n") << H << L << Status::Invalid
                                     << TusError::DuplicateHost << 400;
    QTest::addRow("two Host fields, other case") << head("HEAD / HTTP/1.1", "hOST: example.org\r\n") << H << L
                                                 << Status::Invalid << TusError::DuplicateHost << 400;

    // Bare LF line ends: refused at once, never left waiting for a CRLF (RFC 9112 section 2.2)
    QTest::addRow("bare LF head, whole") << QByteArray("HEAD / HTTP/1.1\nHost: x\n\n") << H << L << Status::Invalid
                                         << TusError::BareLineFeed << 400;
    QTest::addRow("bare LF after request line") << QByteArray("HEAD / HTTP/1.1\n") << H << L << Status::Invalid
                                                << TusError::BareLineFeed << 400;
    QTest::addRow("bare LF in a field line, no blank line") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\nX-A: b\r\n")
                                                            << H << L << Status::Invalid << TusError::BareLineFeed << 400;
    QTest::addRow("bare LF blank line") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\n\n") << H << L << Status::Invalid
                                        << TusError::BareLineFeed << 400;
    QTest::addRow("bare LF inside request line") << QByteArray("HEAD /\n HTTP/1.1\r\nHost: x\r\n\r\n") << H << L
                                                 << Status::Invalid << TusError::BareLineFeed << 400;
    QTest::addRow("lone LF first") << QByteArray("\n") << H << L << Status::Invalid << TusError::BareLineFeed << 400;
    // Found by fuzz_requesthead: a line end at the edge of a field value was trimmed away
    // as if it were white space; only space and tab are.
    QTest::addRow("bare LF ending a field value") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\n\r\n\r\n") << H << L
                                                  << Status::Invalid << TusError::MalformedHeader << 400;
    QTest::addRow("lone CR ending a field value") << QByteArray("HEAD / HTTP/1.1\r\nHost: x\r\r\n\r\n") << H << L
                                                  << Status::Invalid << TusError::MalformedHeader << 400;
}

void tst_RequestHead::verdict()
{
    QFETCH(QByteArray, input);
    QFETCH(int, maxHeaderSize);
    QFETCH(int, maxRequestLine);
    QFETCH(Status, status);
    QFETCH(TusError, error);
    QFETCH(int, httpStatus);

    const HeadParseResult result = parseRequestHead(input, HeadLimits{maxHeaderSize, maxRequestLine});
    QCOMPARE(result.status, status);
    if (status == Status::Invalid) {
        QCOMPARE(result.error, error);
        QCOMPARE(describe(result.error).status, httpStatus);
    }
}

void tst_RequestHead::fields_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("minorVersion");
    QTest::addColumn<qint64>("contentLength");
    QTest::addColumn<bool>("chunked");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("expectContinue");
    QTest::addColumn<int>("size");

    const QByteArray patch = head("PATCH /files/abc?x=1 HTTP/1.1", "Content-Length: 5\r\n");
    QTest::addRow("PATCH with query") << patch << QByteArray("PATCH") << QByteArray("/files/abc") << 1 << qint64(5) << false
                                      << true << false << int(patch.size());
    QTest::addRow("head followed by body bytes") << patch + "hello" + "HEAD / HTTP/1.1\r\n" << QByteArray("PATCH")
                                                 << QByteArray("/files/abc") << 1 << qint64(5) << false << true << false
                                                 << int(patch.size());
    const QByteArray chunked = head("POST /files/ HTTP/1.1", "Transfer-Encoding: Chunked\r\n");
    QTest::addRow("chunked") << chunked << QByteArray("POST") << QByteArray("/files/") << 1 << qint64(-1) << true << true
                             << false << int(chunked.size());
    const QByteArray http10 = "HEAD /files/a HTTP/1.0\r\n\r\n";
    QTest::addRow("HTTP/1.0 is not keep-alive") << http10 << QByteArray("HEAD") << QByteArray("/files/a") << 0 << qint64(-1)
                                                << false << false << false << int(http10.size());
    const QByteArray http10ka = "HEAD /files/a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    QTest::addRow("HTTP/1.0 keep-alive is still one request") << http10ka << QByteArray("HEAD") << QByteArray("/files/a") << 0
                                                              << qint64(-1) << false << false << false << int(http10ka.size());
    const QByteArray close = head("HEAD /f HTTP/1.1", "Connection: close\r\n");
    QTest::addRow("Connection: close") << close << QByteArray("HEAD") << QByteArray("/f") << 1 << qint64(-1) << false << false
                                       << false << int(close.size());
    const QByteArray closeList = head("HEAD /f HTTP/1.1", "connection: Keep-Alive, CLOSE\r\n");
    QTest::addRow("Connection list with close") << closeList << QByteArray("HEAD") << QByteArray("/f") << 1 << qint64(-1)
                                                << false << false << false << int(closeList.size());
    const QByteArray expect = head("PATCH /f HTTP/1.1", "Expect: 100-Continue\r\nContent-Length: 0\r\n");
    QTest::addRow("Expect: 100-continue") << expect << QByteArray("PATCH") << QByteArray("/f") << 1 << qint64(0) << false
                                          << true << true << int(expect.size());
    const QByteArray expectOther = head("PATCH /f HTTP/1.1", "Expect: something\r\n");
    QTest::addRow("other Expect") << expectOther << QByteArray("PATCH") << QByteArray("/f") << 1 << qint64(-1) << false << true
                                  << false << int(expectOther.size());
    const QByteArray padded = head("PATCH /f HTTP/1.1", "Content-Length: 0000000000000000000000007\r\n");
    QTest::addRow("zero-padded Content-Length (C1: digits, any number)")
        << padded << QByteArray("PATCH") << QByteArray("/f") << 1 << qint64(7) << false << true << false << int(padded.size());
    const QByteArray duplicates = head("PATCH /f HTTP/1.1", "Content-Length: 7\r\nContent-Length: 7\r\n");
    QTest::addRow("duplicate identical lengths") << duplicates << QByteArray("PATCH") << QByteArray("/f") << 1 << qint64(7)
                                                 << false << true << false << int(duplicates.size());
}

void tst_RequestHead::fields()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, minorVersion);
    QFETCH(qint64, contentLength);
    QFETCH(bool, chunked);
    QFETCH(bool, keepAlive);
    QFETCH(bool, expectContinue);
    QFETCH(int, size);

    const HeadParseResult result = parseRequestHead(input, HeadLimits());
    QCOMPARE(result.status, Status::Complete);
    const RequestHead &h = result.head;
    QCOMPARE(h.method, method);
    QCOMPARE(h.path, path);
    QVERIFY(h.target.startsWith(path));
    QCOMPARE(h.minorVersion, minorVersion);
    QCOMPARE(h.contentLength, contentLength);
    QCOMPARE(h.chunked, chunked);
    QCOMPARE(h.hasBody(), chunked || contentLength > 0);
    QCOMPARE(h.keepAlive, keepAlive);
    QCOMPARE(h.expectContinue, expectContinue);
    QCOMPARE(h.size, qsizetype(size));
    QVERIFY(!h.headers.isEmpty() || minorVersion == 0);
}

void tst_RequestHead::everyPrefixOfAHeadIsIncomplete()
{
    // The intake parses again after every TCP segment: no prefix may be mistaken for a head.
    const QByteArray full = head("PATCH /files/abc HTTP/1.1", "Tus-Resumable: 1.0.0\r\nContent-Length: 3\r\n");
    for (qsizetype n = 0; n < full.size(); ++n) {
        const HeadParseResult r = parseRequestHead(full.left(n), HeadLimits());
        QVERIFY2(r.status == Status::Incomplete, qPrintable(QStringLiteral("prefix of %1 bytes").arg(n)));
    }
    QCOMPARE(parseRequestHead(full, HeadLimits()).status, Status::Complete);
}

void tst_RequestHead::everyPrefixIsIncompleteAtExactLimits()
{
    // The same at the tightest limits a head fits in, where the old request-line check
    // answered 414 to the prefix ending in the CR of the request line (fuzz_requesthead).
    const QByteArray full = head("PATCH /files/abc HTTP/1.1", "Content-Length: 3\r\n");
    const HeadLimits exact{full.size(), full.indexOf("\r\n")};
    for (qsizetype n = 0; n < full.size(); ++n) {
        const HeadParseResult r = parseRequestHead(full.left(n), exact);
        QVERIFY2(r.status == Status::Incomplete, qPrintable(QStringLiteral("prefix of %1 bytes").arg(n)));
    }
    QCOMPARE(parseRequestHead(full, exact).status, Status::Complete);
}

void tst_RequestHead::limitsAreInclusive()
{
    // A head of exactly maxHeaderSize bytes, and a request line of exactly maxRequestLine
    // bytes, are accepted; one byte more is not.
    const QByteArray line = "HEAD /" + QByteArray(50, 'a') + " HTTP/1.1";
    const QByteArray exact = head(line);
    const HeadLimits fits{exact.size(), line.size()};
    QCOMPARE(parseRequestHead(exact, fits).status, Status::Complete);
    const HeadParseResult tooBig = parseRequestHead(exact, HeadLimits{exact.size() - 1, line.size()});
    QCOMPARE(tooBig.status, Status::Invalid);
    QCOMPARE(tooBig.error, TusError::HeaderTooLarge);
    const HeadParseResult tooLong = parseRequestHead(exact, HeadLimits{exact.size(), line.size() - 1});
    QCOMPARE(tooLong.status, Status::Invalid);
    QCOMPARE(tooLong.error, TusError::RequestLineTooLong);
}

QTEST_APPLESS_MAIN(tst_RequestHead)
#include "tst_requesthead.moc"

// ChunkedDecoder fed the way TCP delivers bytes: at every split point, byte by byte, in
// random pieces. The decoded body and the count of consumed bytes must not depend on how
// the input was cut, and anything malformed must stop it with Error.
#include "chunkeddecoder.h"

#include <QRandomGenerator>
#include <QTest>

using namespace qtus;

Q_DECLARE_METATYPE(qtus::ChunkedDecoder::Status)

namespace {

using Status = ChunkedDecoder::Status;

// One request's chunked body with extensions, upper-case hex and trailers.
const QByteArray sampleBody = "5\r\nhello\r\n"
                              "6;name=value;flag\r\n world\r\n"
                              "A\r\n0123456789\r\n"
                              "1f\r\n" + QByteArray(31, 'x') + "\r\n"
                              "0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n";
const QByteArray sampleDecoded = "hello world0123456789" + QByteArray(31, 'x');
// What follows the body on a keep-alive connection: the next request.
const QByteArray nextRequest = "HEAD /files/x HTTP/1.1\r\nHost: y\r\n\r\n";

struct Decoded
{
    Status status = Status::NeedMore;
    QByteArray body;
    qint64 consumed = 0;
    QString problem;  // a piece that was not fully consumed before Done
};

// Feeds input in pieces cut at the given ascending positions, like consecutive reads.
Decoded decodeInPieces(const QByteArray &input, const QList<qsizetype> &cuts)
{
    ChunkedDecoder decoder;
    Decoded d;
    const auto sink = [&d](const char *data, qint64 size) {
        d.body.append(data, size);
        return true;
    };
    qsizetype start = 0;
    QList<qsizetype> ends = cuts;
    ends.append(input.size());
    for (const qsizetype end : std::as_const(ends)) {
        const auto result = decoder.feed(input.constData() + start, end - start, sink);
        d.consumed += result.consumed;
        d.status = result.status;
        if (result.status == Status::NeedMore && result.consumed != end - start)
            d.problem = QStringLiteral("NeedMore but consumed %1 of %2").arg(result.consumed).arg(end - start);
        if (result.status != Status::NeedMore)
            break;
        start = end;
    }
    return d;
}

Decoded decodeWhole(const QByteArray &input) { return decodeInPieces(input, {}); }

} // namespace

class tst_ChunkedDecoder : public QObject
{
    Q_OBJECT

private slots:
    void wholeInput();
    void everySplitPoint();
    void byteByByte();
    void randomSplits();
    void valid_data();
    void valid();
    void malformed_data();
    void malformed();
    void consumedStopsAtTheNextRequest();
    void failingSinkIsAnError();
    void resetStartsAFreshBody();
    void trailerLimitIsTheOneGiven();
};

void tst_ChunkedDecoder::wholeInput()
{
    const Decoded d = decodeWhole(sampleBody + nextRequest);
    QCOMPARE(d.status, Status::Done);
    QCOMPARE(d.body, sampleDecoded);
    QCOMPARE(d.consumed, qint64(sampleBody.size()));
}

void tst_ChunkedDecoder::everySplitPoint()
{
    const QByteArray input = sampleBody + nextRequest;
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const Decoded d = decodeInPieces(input, {cut});
        const QByteArray where = "cut at " + QByteArray::number(cut);
        QVERIFY2(d.problem.isEmpty(), qPrintable(d.problem));
        QVERIFY2(d.status == Status::Done, where.constData());
        QVERIFY2(d.body == sampleDecoded, where.constData());
        QVERIFY2(d.consumed == sampleBody.size(), where.constData());
    }
}

void tst_ChunkedDecoder::byteByByte()
{
    const QByteArray input = sampleBody + nextRequest;
    QList<qsizetype> cuts;
    for (qsizetype i = 1; i < input.size(); ++i)
        cuts.append(i);
    const Decoded d = decodeInPieces(input, cuts);
    QVERIFY2(d.problem.isEmpty(), qPrintable(d.problem));
    QCOMPARE(d.status, Status::Done);
    QCOMPARE(d.body, sampleDecoded);
    QCOMPARE(d.consumed, qint64(sampleBody.size()));
}

void tst_ChunkedDecoder::randomSplits()
{
    // A larger body of many chunks, cut at random places; fixed seed so a failure repeats.
    QRandomGenerator rng(20240603);
    QByteArray decoded;
    QByteArray encoded;
    for (int i = 0; i < 200; ++i) {
        const int size = int(rng.bounded(1, 5000));
        QByteArray chunk(size, Qt::Uninitialized);
        for (char &c : chunk)
            c = char(rng.bounded(256));
        decoded += chunk;
        encoded += QByteArray::number(size, 16) + (i % 3 ? ";i=" + QByteArray::number(i) : QByteArray()) + "\r\n" + chunk
                   + "\r\n";
    }
    encoded += "0\r\n\r\n";
    const QByteArray input = encoded + nextRequest;
    for (int round = 0; round < 50; ++round) {
        QList<qsizetype> cuts;
        qsizetype pos = 0;
        while (true) {
            pos += qsizetype(rng.bounded(1, round % 2 ? 64 : 20000));
            if (pos >= input.size())
                break;
            cuts.append(pos);
        }
        const Decoded d = decodeInPieces(input, cuts);
        QVERIFY2(d.problem.isEmpty(), qPrintable(d.problem));
        QCOMPARE(d.status, Status::Done);
        QCOMPARE(d.body, decoded);
        QCOMPARE(d.consumed, qint64(encoded.size()));
    }
}

void tst_ChunkedDecoder::valid_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("decoded");

    QTest::addRow("empty body") << QByteArray("0\r\n\r\n") << QByteArray();
    QTest::addRow("upper-case hex") << "A\r\n" + QByteArray(10, 'a') + "\r\nFF\r\n" + QByteArray(255, 'b') + "\r\n0\r\n\r\n"
                                    << QByteArray(10, 'a') + QByteArray(255, 'b');
    QTest::addRow("lower-case hex") << "a\r\n" + QByteArray(10, 'a') + "\r\n0\r\n\r\n" << QByteArray(10, 'a');
    QTest::addRow("leading zeros") << QByteArray("0003\r\nabc\r\n0\r\n\r\n") << QByteArray("abc");
    QTest::addRow("extension with quoted value") << QByteArray("3;a=\"x y\"\r\nabc\r\n0\r\n\r\n") << QByteArray("abc");
    QTest::addRow("extension on the last chunk") << QByteArray("3\r\nabc\r\n0;end=1\r\n\r\n") << QByteArray("abc");
    QTest::addRow("trailers") << QByteArray("3\r\nabc\r\n0\r\nA: 1\r\nB: 2\r\n\r\n") << QByteArray("abc");
    QTest::addRow("data with CRLF inside") << QByteArray("4\r\n\r\n\r\n\r\n0\r\n\r\n") << QByteArray("\r\n\r\n");
    QTest::addRow("15 hex digits") << QByteArray("000000000000003\r\nabc\r\n0\r\n\r\n") << QByteArray("abc");
    QTest::addRow("extensions with BWS") << QByteArray("3 ; a = b ;\tc\r\nabc\r\n0\r\n\r\n") << QByteArray("abc");
    QTest::addRow("quoted value with escapes") << QByteArray("3;a=\"x\\\"y;z\"\r\nabc\r\n0\r\n\r\n") << QByteArray("abc");
    QTest::addRow("trailer with empty value") << QByteArray("3\r\nabc\r\n0\r\nX-A:\r\n\r\n") << QByteArray("abc");
}

void tst_ChunkedDecoder::valid()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, decoded);
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const Decoded d = decodeInPieces(input + "NEXT", {cut});
        QVERIFY2(d.status == Status::Done, qPrintable(QStringLiteral("cut at %1").arg(cut)));
        QCOMPARE(d.body, decoded);
        QCOMPARE(d.consumed, qint64(input.size()));
    }
}

void tst_ChunkedDecoder::malformed_data()
{
    QTest::addColumn<QByteArray>("input");

    QTest::addRow("size zz") << QByteArray("zz\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("negative size") << QByteArray("-5\r\nhello\r\n0\r\n\r\n");
    QTest::addRow("0x prefix") << QByteArray("0x5\r\nhello\r\n0\r\n\r\n");
    QTest::addRow("16 hex digits") << QByteArray("FFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("16 hex digits, leading zeros") << QByteArray("0000000000000003\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("20 hex digits") << QByteArray("10000000000000000000\r\nabc\r\n");
    QTest::addRow("empty size line") << QByteArray("\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("missing CRLF after data") << QByteArray("3\r\nabcX\r\n0\r\n\r\n");
    QTest::addRow("data longer than size") << QByteArray("3\r\nabcd\r\n0\r\n\r\n");
    QTest::addRow("next size glued to data") << QByteArray("3\r\nabc0\r\n\r\n");
    QTest::addRow("bare LF after size") << QByteArray("3\nabc\r\n0\r\n\r\n");
    QTest::addRow("bare LF after data") << QByteArray("3\r\nabc\n0\r\n\r\n");
    QTest::addRow("size line over 1 KiB") << "3;" + QByteArray(2000, 'e') + "\r\nabc\r\n0\r\n\r\n";
    QTest::addRow("trailers over 16 KiB") << "0\r\nX-Big: " + QByteArray(17 * 1024, 't') + "\r\n\r\n";
    // RFC 9112 section 7.1, no leniency: what one parser skips and another reads is how
    // bodies are smuggled.
    QTest::addRow("space before size") << QByteArray(" 3\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("tab before size") << QByteArray("\t3\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("space after size, no extension") << QByteArray("3 \r\nabc\r\n0\r\n\r\n");
    QTest::addRow("space inside size") << QByteArray("1 0\r\n" + QByteArray(16, 'a') + "\r\n0\r\n\r\n");
    QTest::addRow("empty extension name") << QByteArray("3;\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("extension without semicolon") << QByteArray("3 ext\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("control character in extension") << QByteArray("3;a\x01b\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("control character in quoted value") << QByteArray("3;a=\"x\x01\"\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("unterminated quoted value") << QByteArray("3;a=\"xyz\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("empty extension value") << QByteArray("3;a=\r\nabc\r\n0\r\n\r\n");
    QTest::addRow("trailer without colon") << QByteArray("3\r\nabc\r\n0\r\nNot a field\r\n\r\n");
    QTest::addRow("trailer with space in name") << QByteArray("3\r\nabc\r\n0\r\nX A: 1\r\n\r\n");
    QTest::addRow("trailer with control character") << QByteArray("3\r\nabc\r\n0\r\nX-A: 1\x7f\r\n\r\n");
    QTest::addRow("trailer folded") << QByteArray("3\r\nabc\r\n0\r\nX-A: 1\r\n continued\r\n\r\n");
    QTest::addRow("bare LF in trailers") << QByteArray("3\r\nabc\r\n0\r\nX-A: 1\n\r\n");
}

void tst_ChunkedDecoder::malformed()
{
    QFETCH(QByteArray, input);
    // However the bytes arrive, the result is Error, never Done or a hang on NeedMore.
    for (const qsizetype step : {qsizetype(1), qsizetype(7), input.size()}) {
        QList<qsizetype> cuts;
        for (qsizetype i = step; i < input.size(); i += step)
            cuts.append(i);
        const Decoded d = decodeInPieces(input, cuts);
        QVERIFY2(d.status == Status::Error, qPrintable(QStringLiteral("pieces of %1 bytes").arg(step)));
    }
}

void tst_ChunkedDecoder::consumedStopsAtTheNextRequest()
{
    ChunkedDecoder decoder;
    QByteArray body;
    const auto sink = [&body](const char *data, qint64 size) {
        body.append(data, size);
        return true;
    };
    const QByteArray input = sampleBody + nextRequest;
    const auto result = decoder.feed(input.constData(), input.size(), sink);
    QCOMPARE(result.status, Status::Done);
    QCOMPARE(input.mid(result.consumed), nextRequest);  // the rest is the next request's
    // Once done, further bytes are not the body's: nothing consumed, nothing decoded.
    const auto again = decoder.feed(nextRequest.constData(), nextRequest.size(), sink);
    QCOMPARE(again.status, Status::Done);
    QCOMPARE(again.consumed, qint64(0));
    QCOMPARE(body, sampleDecoded);
}

void tst_ChunkedDecoder::failingSinkIsAnError()
{
    ChunkedDecoder decoder;
    int calls = 0;
    const auto failing = [&calls](const char *, qint64) {
        ++calls;
        return false;
    };
    const auto result = decoder.feed(sampleBody.constData(), sampleBody.size(), failing);
    QCOMPARE(result.status, Status::Error);
    QCOMPARE(calls, 1);  // decoding stops at the first refusal
    QVERIFY(result.consumed < sampleBody.size());

    // A sink that fails later (the upload's length was reached) stops it the same way.
    ChunkedDecoder second;
    QByteArray kept;
    const auto limited = [&kept](const char *data, qint64 size) {
        kept.append(data, size);
        return kept.size() <= 8;
    };
    const auto stopped = second.feed(sampleBody.constData(), sampleBody.size(), limited);
    QCOMPARE(stopped.status, Status::Error);
    QVERIFY(kept.startsWith("hello"));
}

void tst_ChunkedDecoder::resetStartsAFreshBody()
{
    ChunkedDecoder decoder;
    QByteArray body;
    const auto sink = [&body](const char *data, qint64 size) {
        body.append(data, size);
        return true;
    };
    const QByteArray half = sampleBody.left(12);
    QCOMPARE(decoder.feed(half.constData(), half.size(), sink).status, Status::NeedMore);
    decoder.reset();
    body.clear();
    const auto result = decoder.feed(sampleBody.constData(), sampleBody.size(), sink);
    QCOMPARE(result.status, Status::Done);
    QCOMPARE(body, sampleDecoded);
}

void tst_ChunkedDecoder::trailerLimitIsTheOneGiven()
{
    // The server passes --max-header-size: trailers get no more room than a head.
    const QByteArray trailers = "X-A: " + QByteArray(90, 'a') + "\r\n";  // 97 bytes
    const QByteArray body = "3\r\nabc\r\n0\r\n" + trailers + "\r\n";
    const auto sink = [](const char *, qint64) { return true; };
    ChunkedDecoder roomy(200);
    QCOMPARE(roomy.feed(body.constData(), body.size(), sink).status, Status::Done);
    ChunkedDecoder tight(64);
    QCOMPARE(tight.feed(body.constData(), body.size(), sink).status, Status::Error);
    tight.reset();  // the limit stays with the decoder
    QCOMPARE(tight.feed(body.constData(), body.size(), sink).status, Status::Error);
}

QTEST_APPLESS_MAIN(tst_ChunkedDecoder)
#include "tst_chunkeddecoder.moc"

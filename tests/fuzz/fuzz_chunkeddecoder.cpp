// ChunkedDecoder fed as TCP would feed it: the whole input at once, and the same input cut
// at fuzz-chosen points. The decoded body, the verdict and the count of consumed bytes must
// not depend on the cuts; no more body comes out than went in; NeedMore takes every byte
// offered; Done stops right after the blank line that ends the trailers; a sink that fails
// stops the decoder at once.
#include "chunkeddecoder.h"
#include "fuzzcheck.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <vector>

using namespace qtus;
using Status = ChunkedDecoder::Status;

namespace {

struct Decoded
{
    Status status = Status::NeedMore;
    qint64 consumed = 0;
    QByteArray body;
};

Decoded decode(const QByteArray &input, std::vector<qsizetype> cuts, qint64 sinkCapacity = -1)
{
    ChunkedDecoder decoder;
    Decoded d;
    bool sinkFailed = false;
    const auto sink = [&](const char *data, qint64 size) {
        FUZZ_REQUIRE(!sinkFailed);  // never called again after it refused
        FUZZ_REQUIRE(size > 0);
        if (sinkCapacity >= 0 && d.body.size() + size > sinkCapacity) {
            sinkFailed = true;
            return false;
        }
        d.body.append(data, size);
        return true;
    };
    cuts.push_back(input.size());
    qsizetype start = 0;
    for (const qsizetype end : cuts) {
        const ChunkedDecoder::Result r = decoder.feed(input.constData() + start, end - start, sink);
        FUZZ_REQUIRE(r.consumed >= 0 && r.consumed <= end - start);
        d.consumed += r.consumed;
        d.status = r.status;
        if (r.status == Status::NeedMore)
            FUZZ_REQUIRE(r.consumed == end - start);  // the intake keeps no leftovers mid-body
        else
            break;
        start = end;
    }
    FUZZ_REQUIRE(!sinkFailed || d.status == Status::Error);
    return d;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider input(data, size);
    std::vector<qsizetype> cuts(input.ConsumeIntegralInRange<size_t>(0, 8));
    for (qsizetype &cut : cuts)
        cut = qsizetype(input.ConsumeIntegral<quint16>());
    const qint64 sinkCapacity = input.ConsumeIntegralInRange<qint64>(0, 256);
    const std::string rest = input.ConsumeRemainingBytesAsString();
    const QByteArray body(rest.data(), qsizetype(rest.size()));
    for (qsizetype &cut : cuts)
        cut = body.isEmpty() ? 0 : cut % (body.size() + 1);
    std::sort(cuts.begin(), cuts.end());

    const Decoded whole = decode(body, {});
    FUZZ_REQUIRE(whole.body.size() <= whole.consumed);
    if (whole.status == Status::Done) {
        FUZZ_REQUIRE(whole.consumed >= 5);  // "0\r\n\r\n" at least
        FUZZ_REQUIRE(body.left(whole.consumed).endsWith("\r\n\r\n"));
    }

    const Decoded pieces = decode(body, cuts);
    FUZZ_REQUIRE(pieces.status == whole.status);
    FUZZ_REQUIRE(pieces.body == whole.body);
    if (whole.status != Status::Error)
        FUZZ_REQUIRE(pieces.consumed == whole.consumed);

    std::vector<qsizetype> everyByte;  // the worst case: one byte per read
    if (body.size() <= 512) {
        for (qsizetype i = 1; i < body.size(); ++i)
            everyByte.push_back(i);
        const Decoded bytes = decode(body, everyByte);
        FUZZ_REQUIRE(bytes.status == whole.status && bytes.body == whole.body);
    }

    // A sink that fills up (a full disk) turns any body longer than it into Error.
    const Decoded limited = decode(body, cuts, sinkCapacity);
    if (whole.body.size() > sinkCapacity)
        FUZZ_REQUIRE(limited.status == Status::Error && limited.body == whole.body.left(limited.body.size()));
    else
        FUZZ_REQUIRE(limited.status == whole.status && limited.body == whole.body);
    return 0;
}

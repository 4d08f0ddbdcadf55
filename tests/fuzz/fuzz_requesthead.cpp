// parseRequestHead, which the intake runs again after every TCP segment. Beyond "no crash":
// the verdict must not depend on where the segments ended (no prefix of a complete head is
// already Invalid or Complete, and an Invalid buffer stays Invalid as more bytes arrive),
// the head must stay within its limits while it is buffered, and a complete head must
// describe unambiguous framing.
#include "fuzzcheck.h"
#include "requesthead.h"

#include <fuzzer/FuzzedDataProvider.h>

using namespace qtus;
using Status = HeadParseResult::Status;

namespace {

void checkComplete(const QByteArray &buffer, const HeadLimits &limits, const RequestHead &h)
{
    FUZZ_REQUIRE(h.size > 0 && h.size <= buffer.size() && h.size <= limits.maxHeaderSize);
    FUZZ_REQUIRE(buffer.left(h.size).endsWith("\r\n\r\n"));
    FUZZ_REQUIRE(buffer.indexOf("\r\n\r\n") + 4 == h.size);
    FUZZ_REQUIRE(!h.method.isEmpty() && !h.target.isEmpty());
    FUZZ_REQUIRE(buffer.indexOf("\r\n") <= limits.maxRequestLine);
    FUZZ_REQUIRE(h.path.startsWith('/') || h.path == "*");
    FUZZ_REQUIRE(h.minorVersion == 0 || h.minorVersion == 1);
    FUZZ_REQUIRE(h.contentLength >= -1);
    FUZZ_REQUIRE(!(h.chunked && h.contentLength >= 0));  // never two ways to find the body's end
    FUZZ_REQUIRE(h.minorVersion == 1 || (!h.keepAlive && !h.expectContinue && !h.chunked));
    for (const auto &field : h.headers) {
        FUZZ_REQUIRE(!field.first.isEmpty());
        FUZZ_REQUIRE(!field.second.contains('\r') && !field.second.contains('\n'));
    }
}

bool sameHead(const RequestHead &a, const RequestHead &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path && a.minorVersion == b.minorVersion
        && a.headers == b.headers && a.contentLength == b.contentLength && a.chunked == b.chunked
        && a.keepAlive == b.keepAlive && a.expectContinue == b.expectContinue && a.size == b.size;
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
    // Small limits so the fuzzer reaches them; the server sets maxRequestLine to at most
    // maxHeaderSize (UploadServer), and so does this.
    HeadLimits limits;
    limits.maxHeaderSize = input.ConsumeIntegralInRange<qsizetype>(16, 600);
    limits.maxRequestLine = input.ConsumeIntegralInRange<qsizetype>(8, limits.maxHeaderSize);
    const qsizetype cut = qsizetype(input.ConsumeIntegral<quint16>());
    const std::string rest = input.ConsumeRemainingBytesAsString();
    const QByteArray buffer(rest.data(), qsizetype(rest.size()));

    const HeadParseResult result = parseRequestHead(buffer, limits);
    switch (result.status) {
    case Status::Incomplete:
        // Buffering stays bounded: at the limit the answer is Invalid, never "wait for more".
        FUZZ_REQUIRE(buffer.size() <= limits.maxHeaderSize);
        FUZZ_REQUIRE(buffer.indexOf("\r\n\r\n") < 0);
        break;
    case Status::Invalid: {
        // More bytes cannot repair it: the intake has already answered and closed.
        const HeadParseResult more = parseRequestHead(buffer + "\r\nHost: x\r\n\r\n", limits);
        FUZZ_REQUIRE(more.status == Status::Invalid);
        break;
    }
    case Status::Complete: {
        const RequestHead &h = result.head;
        checkComplete(buffer, limits, h);
        // What follows the head (a body, the next request) does not change it...
        const HeadParseResult alone = parseRequestHead(buffer.left(h.size), limits);
        FUZZ_REQUIRE(alone.status == Status::Complete && sameHead(alone.head, h));
        // ...and no earlier segment boundary would have produced a verdict: the ends of the
        // request line, the bytes around the blank line, and one fuzz-chosen cut.
        const qsizetype lineEnd = buffer.indexOf("\r\n");
        for (const qsizetype n : {lineEnd, lineEnd + 1, h.size - 1, h.size - 2, h.size - 3, cut % h.size}) {
            if (n < 0 || n >= h.size)
                continue;
            const HeadParseResult prefix = parseRequestHead(buffer.left(n), limits);
            if (prefix.status != Status::Incomplete) {
                std::fprintf(stderr, "prefix of %lld of %lld bytes: status %d, error %d\n", (long long)n,
                             (long long)h.size, int(prefix.status), int(prefix.error));
            }
            FUZZ_REQUIRE(prefix.status == Status::Incomplete);
        }
        break;
    }
    }
    return 0;
}

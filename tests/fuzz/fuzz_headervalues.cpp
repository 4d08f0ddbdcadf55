// Upload-Length and Upload-Offset (rule C1) through parseNonNegativeInteger, against an
// independent reading of the rule: digits only, any number of them, value at most 2^63-1.
#include "fuzzcheck.h"
#include "headervalues.h"

#include <limits>

using namespace qtus;

namespace {

// The rule read directly, on a wider integer that saturates instead of overflowing.
std::optional<qint64> referenceValue(const QByteArray &text)
{
    if (text.isEmpty())
        return std::nullopt;
    constexpr unsigned __int128 limit = std::numeric_limits<qint64>::max();
    unsigned __int128 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + unsigned(c - '0');
        if (value > limit)
            return std::nullopt;
    }
    return qint64(value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const std::optional<qint64> parsed = parseNonNegativeInteger(text);
    FUZZ_REQUIRE(parsed == referenceValue(text));
    if (parsed) {
        FUZZ_REQUIRE(*parsed >= 0);
        // What the server sends back (Upload-Offset on HEAD) is read as the same number.
        FUZZ_REQUIRE(parseNonNegativeInteger(QByteArray::number(*parsed)) == parsed);
    }
    return 0;
}

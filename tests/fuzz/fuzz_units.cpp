// Command-line sizes and durations (--max-size, --max-header-size, --expire-after, ...):
// parseByteSize and parseDuration on arbitrary text, and the formatters on what they accept.
#include "fuzzcheck.h"
#include "units.h"

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // argv arrives as local 8-bit text, which is UTF-8 on Debian.
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));

    if (const std::optional<qint64> bytes = parseByteSize(text)) {
        FUZZ_REQUIRE(*bytes >= 0);
        // Only ASCII digits and ASCII units are sizes: "5\u212A" (Kelvin sign) is not 5K.
        for (const QChar c : text.trimmed())
            FUZZ_REQUIRE(c.unicode() < 128);
        FUZZ_REQUIRE(parseByteSize(QString::number(*bytes)) == bytes);
        FUZZ_REQUIRE(!formatBytes(*bytes).isEmpty());
    }
    if (const std::optional<Duration> duration = parseDuration(text)) {
        FUZZ_REQUIRE(duration->count() >= 0);
        for (const QChar c : text.trimmed())
            FUZZ_REQUIRE(c.unicode() < 128);
        FUZZ_REQUIRE(parseDuration(QString::number(duration->count()) + QLatin1String("ms")) == duration);
        FUZZ_REQUIRE(!formatDuration(*duration).isEmpty());
        // A bare number is refused ("needs a unit"), except zero, which is zero in any unit.
        bool isNumber = false;
        const qulonglong bare = text.trimmed().toULongLong(&isNumber);
        FUZZ_REQUIRE(!isNumber || bare == 0);
        // What formatDuration prints (two units, largest first, spaced) reads back as a duration.
        FUZZ_REQUIRE(parseDuration(formatDuration(*duration)).has_value());
    } else {
        QString why;
        FUZZ_REQUIRE(!parseDuration(text, &why) && !why.isEmpty());
    }
    return 0;
}

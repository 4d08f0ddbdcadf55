#pragma once
// What every harness shares. An invariant that does not hold aborts with a message naming
// it: libFuzzer reports the abort like a sanitizer finding and saves the input that caused
// it, so a broken invariant becomes a reproducible crash file.
#include <QLoggingCategory>

#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(condition)                                                                    \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #condition, __FILE__,      \
                         __LINE__);                                                                \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace qtus::fuzz {

// The harnesses feed millions of malformed inputs; the server's warnings about each one
// would drown libFuzzer's own output.
inline void silenceLogging()
{
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
}

} // namespace qtus::fuzz

// The command line of qtusd and qtus-admin (and a --config file it names): the input is argv,
// one argument per line. Any
// command line either fails with a one-line error naming a flag, or yields a configuration
// the server can run with (the limits each flag documents hold).
#include "fuzzcheck.h"
#include "serverconfig.h"

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    QStringList arguments{QStringLiteral("qtusd")};
    if (!bytes.isEmpty()) {
        for (const QByteArray &argument : bytes.split('\n'))
            arguments << QString::fromUtf8(argument);
    }
    // No QTUSD_* variables: the input alone decides. A --config file it names is read (a FIFO
    // or a device is refused before it is opened, so none can block).
    const ConfigParseResult result = parseServerConfig(arguments, QStringLiteral("qtusd"), QProcessEnvironment());

    switch (result.outcome) {
    case ConfigParseResult::Outcome::Error:
        // main() prints it as one line after "qtusd: ".
        FUZZ_REQUIRE(!result.text.isEmpty());
        FUZZ_REQUIRE(!result.text.contains(QLatin1Char('\n')));
        return 0;
    case ConfigParseResult::Outcome::ShowHelp:
    case ConfigParseResult::Outcome::ShowVersion:
        FUZZ_REQUIRE(!result.text.isEmpty());
        return 0;
    case ConfigParseResult::Outcome::Run:
        break;
    }
    const ServerConfig &c = result.config;
    FUZZ_REQUIRE(c.basePath.startsWith(QLatin1Char('/')) && c.basePath.endsWith(QLatin1Char('/')));
    FUZZ_REQUIRE(!c.basePath.contains(QLatin1String("/../")) && !c.basePath.contains(QLatin1String("/./")));
    FUZZ_REQUIRE(!c.dir.isEmpty());
    FUZZ_REQUIRE(c.maxSize >= 0);
    FUZZ_REQUIRE(c.expireAfter.count() > 0 && c.hookTimeout.count() > 0);
    for (const Duration d : {c.cleanupInterval, c.keepCompleted, c.orphanGrace, c.shutdownTimeout, c.idleTimeout, c.readTimeout})
        FUZZ_REQUIRE(d.count() >= 0);
    FUZZ_REQUIRE(c.maxHeaderSize >= 1024 && c.maxHeaderSize <= 1024 * 1024);
    FUZZ_REQUIRE(c.maxConnections >= 1);
    for (const QString &origin : c.corsOrigins)
        FUZZ_REQUIRE(!origin.isEmpty() && !origin.contains(QLatin1Char(',')));
    FUZZ_REQUIRE(c.baseUrl.isEmpty() || c.baseUrl.endsWith(QLatin1Char('/')));
    // A hook is run as program + arguments: a set hook must name a program.
    for (const QStringList *hook : {&c.hookPreCreate, &c.hookPostFinish})
        FUZZ_REQUIRE(hook->isEmpty() || !hook->constFirst().isEmpty());
    FUZZ_REQUIRE(c.tlsCert.isEmpty() == c.tlsKey.isEmpty());
    return 0;
}

#include "serverconfig.h"

#include "configsources.h"
#include "optiondocs.h"

#include <cstdio>

namespace qtus {

namespace {

unsigned programOf(const QString &programName)
{
    return programName == QLatin1String("qtus-admin") ? ForQtusAdmin : ForQtusd;
}

// What no single option can check: options that need or exclude each other.
QString checkCombinations(const ServerConfig &c)
{
    if (!c.hooksHttp.isEmpty() && (!c.hooksDir.isEmpty() || !c.hookPreCreate.isEmpty() || !c.hookPostFinish.isEmpty()))
        return QStringLiteral("--hooks-http cannot be combined with --hooks-dir, --hook-pre-create or --hook-post-finish: one kind of hook at a time");
    if (c.corsAllowCredentials && (c.corsOrigins.isEmpty() || c.corsOrigins.contains(QStringLiteral("*"))))
        return QStringLiteral("--cors-allow-credentials needs --cors-origins to list the origins: browsers refuse credentials with '*'");
    if (c.tlsCert.isEmpty() != c.tlsKey.isEmpty())
        return QStringLiteral("--tls-cert and --tls-key go together: give both or neither");
    if (!c.s3Endpoint.isEmpty() && c.s3Bucket.isEmpty())
        return QStringLiteral("--s3-endpoint needs --s3-bucket");
    if (c.s3Endpoint.isEmpty() && (!c.s3Bucket.isEmpty() || !c.s3Prefix.isEmpty() || !c.s3CredentialsFile.isEmpty()))
        return QStringLiteral("--s3-bucket, --s3-prefix and --s3-credentials-file need --s3-endpoint");
    return {};
}

// Stores each value in `config` through the option table; the first refusal, naming where
// the value was set.
QString applyValues(const OptionValues &values, unsigned program, ServerConfig &config)
{
    for (const OptionSpec &spec : optionTable()) {
        const auto it = values.byName.find(spec.longName());
        if (!(spec.programs & program) || it == values.byName.end() || spec.longName() == QLatin1String("config"))
            continue;
        const OptionValue &set = it->second;
        if (!spec.apply)  // qtus-admin's --token-file without --connect: main() takes the remote mode's
            return QStringLiteral("%1 goes with --connect only").arg(set.origin);
        const QString value = spec.repeatable() ? set.values.join(QLatin1Char(',')) : set.values.constFirst();
        const QString why = spec.apply(config, value);
        if (!why.isEmpty())
            return QStringLiteral("%1: invalid value '%2': %3").arg(set.origin, value, why);
    }
    return {};
}

} // namespace

ConfigParseResult parseServerConfig(const QStringList &arguments, const QString &programName, const QProcessEnvironment &environment)
{
    ConfigParseResult result;
    auto error = [&result](const QString &text) {
        result.outcome = ConfigParseResult::Outcome::Error;
        result.text = text;
        return result;
    };
    const unsigned program = programOf(programName);
    const OptionValues commandLine = readCommandLine(arguments, program);
    if (!commandLine.error.isEmpty())
        return error(commandLine.error);
    if (commandLine.has("help")) {
        result.outcome = ConfigParseResult::Outcome::ShowHelp;
        result.text = helpText(program, programName);
        return result;
    }
    if (commandLine.has("version")) {
        result.outcome = ConfigParseResult::Outcome::ShowVersion;
        result.text = QStringLiteral("%1 %2").arg(programName, QLatin1String(QTUS_VERSION));
        return result;
    }
    const OptionValues variables = readEnvironment(environment, program);
    if (!variables.error.isEmpty())
        return error(variables.error);
    OptionValues file;
    const OptionValues &configSource = commandLine.has("config") ? commandLine : variables;
    if (configSource.has("config")) {
        file = readConfigFile(configSource.byName.at(QStringLiteral("config")).values.constFirst(), program);
        if (!file.error.isEmpty())
            return error(file.error);
    }

    // Every value of every source is checked, also one a higher source overrides: a bad line
    // would break the next start without the flag that hides it.
    for (const OptionValues *source : {&commandLine, &variables, &std::as_const(file)}) {
        ServerConfig scratch;
        const QString why = applyValues(*source, program, scratch);
        if (!why.isEmpty())
            return error(why);
    }
    const QString why = applyValues(mergeSources(commandLine, variables, file), program, result.config);
    if (!why.isEmpty())
        return error(why);
    const QString conflict = checkCombinations(result.config);
    if (!conflict.isEmpty())
        return error(conflict);
    return result;
}

ConfigParseResult parseServerConfig(const QStringList &arguments, const QString &programName)
{
    return parseServerConfig(arguments, programName, QProcessEnvironment::systemEnvironment());
}

std::optional<int> takeCommandLine(int argc, char *argv[], const QString &programName, ServerConfig *config)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const ConfigParseResult parsed = parseServerConfig(arguments, programName);
    switch (parsed.outcome) {
    case ConfigParseResult::Outcome::ShowHelp:
    case ConfigParseResult::Outcome::ShowVersion:
        std::fprintf(stdout, "%s\n", qPrintable(parsed.text.trimmed()));
        return 0;
    case ConfigParseResult::Outcome::Error:
        std::fprintf(stderr, "%s: %s\n", qPrintable(programName), qPrintable(parsed.text));
        return 2;
    case ConfigParseResult::Outcome::Run:
        break;
    }
    *config = parsed.config;
    return std::nullopt;
}

} // namespace qtus

#include "configsources.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>

namespace qtus {

namespace {

OptionValues failure(const QString &error)
{
    OptionValues result;
    result.error = error;
    return result;
}

QString badFlagWord(const QString &where, const QString &value)
{
    return QStringLiteral("%1: invalid value '%2': expected true/false, yes/no, on/off or 1/0").arg(where, value);
}

} // namespace

OptionValues readCommandLine(const QStringList &arguments, unsigned program)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    for (const OptionSpec &spec : optionTable()) {
        if (!(spec.programs & program) || !(spec.sources & FromCommandLine))
            continue;
        QStringList names;
        if (spec.shortName)
            names << QString(QLatin1Char(spec.shortName));
        names << spec.longName();
        parser.addOption(QCommandLineOption(names, QLatin1String(spec.help), QLatin1String(spec.valueName)));
    }
    if (!parser.parse(arguments))
        return failure(parser.errorText() + QStringLiteral(" Try --help."));
    if (!parser.positionalArguments().isEmpty())
        return failure(QStringLiteral("unexpected argument '%1'. Try --help.").arg(parser.positionalArguments().constFirst()));

    OptionValues result;
    for (const QString &name : parser.optionNames()) {  // each time an option is given
        const OptionSpec *spec = findOption(name, program);
        OptionValue &value = result.byName[spec->longName()];
        if (!value.values.isEmpty() && !spec->repeatable())
            return failure(QStringLiteral("--%1 is given more than once; it takes one value (only lists such as --cors-origins may repeat)")
                               .arg(spec->longName()));
        value.origin = QStringLiteral("--") + spec->longName();
        // Qt gives all the values of an option at once; take them on its first appearance.
        if (value.values.isEmpty())
            value.values = spec->isFlag() ? QStringList{QStringLiteral("true")} : parser.values(spec->longName());
    }
    return result;
}

OptionValues readEnvironment(const QProcessEnvironment &environment, unsigned program)
{
    OptionValues result;
    QStringList unknown;
    QStringList keys = environment.keys();
    keys.sort();
    for (const QString &key : std::as_const(keys)) {
        if (!key.startsWith(QLatin1String(environmentPrefix)))
            continue;
        const OptionSpec *spec = nullptr;
        for (const OptionSpec &candidate : optionTable()) {
            if ((candidate.programs & program) && (candidate.sources & FromEnvironment) && environmentName(candidate) == key)
                spec = &candidate;
        }
        if (!spec) {
            unknown << key;
            continue;
        }
        QString value = environment.value(key);
        if (spec->isFlag()) {
            const auto on = parseFlagWord(value);
            if (!on)
                return failure(badFlagWord(key, value));
            value = *on ? QStringLiteral("true") : QStringLiteral("false");
        }
        result.byName[spec->longName()] = OptionValue{{value}, key};
    }
    if (unknown.size() == 1)
        return failure(QStringLiteral("%1: unknown option '%2'")
                           .arg(unknown.constFirst(), unknown.constFirst().mid(int(qstrlen(environmentPrefix))).toLower().replace(QLatin1Char('_'), QLatin1Char('-'))));
    if (!unknown.isEmpty())
        return failure(QStringLiteral("unknown options in the environment: %1").arg(unknown.join(QStringLiteral(", "))));
    return result;
}

OptionValues readConfigFile(const QString &path, unsigned program)
{
    const QFileInfo info(path);
    // Not a FIFO or a device: opening one could block, or never end.
    if (info.exists() && !info.isFile())
        return failure(QStringLiteral("%1: cannot read the config file: not a regular file").arg(path));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure(QStringLiteral("%1: cannot read the config file: %2").arg(path, file.errorString()));
    const QByteArray bytes = file.read(maxConfigFileSize + 1);
    if (bytes.size() > maxConfigFileSize)
        return failure(QStringLiteral("%1: the config file is larger than %2 MiB, the most read").arg(path).arg(maxConfigFileSize / 1024 / 1024));

    OptionValues result;
    std::map<QString, int> firstLine;
    const QList<QByteArray> lines = bytes.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString where = QStringLiteral("%1:%2").arg(path).arg(i + 1);
        const QString line = QString::fromUtf8(lines.at(i)).trimmed();  // also drops a CR before the LF
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        if (equals < 0)
            return failure(QStringLiteral("%1: expected 'key = value', got '%2'").arg(where, line));
        const QString key = line.left(equals).trimmed();
        QString value = line.mid(equals + 1).trimmed();
        const OptionSpec *spec = findOption(key, program);
        if (!spec || key.size() == 1)  // short names (-h) are not keys
            return failure(QStringLiteral("%1: unknown option '%2'%3")
                               .arg(where, key, key.startsWith(QLatin1Char('-')) ? QStringLiteral(" (keys are option names without dashes)") : QString()));
        if (!(spec->sources & FromFile))
            return failure(QStringLiteral("%1: '%2' cannot be set in a config file").arg(where, key));
        if (spec->isFlag()) {
            const auto on = parseFlagWord(value);
            if (!on)
                return failure(badFlagWord(QStringLiteral("%1: %2").arg(where, key), value));
            value = *on ? QStringLiteral("true") : QStringLiteral("false");
        }
        const auto [first, isNew] = firstLine.emplace(key, int(i + 1));
        if (!isNew && !spec->repeatable())
            return failure(QStringLiteral("%1: '%2' is set again (first on line %3); it takes one value").arg(where, key).arg(first->second));
        OptionValue &entry = result.byName[key];
        if (isNew)
            entry.origin = QStringLiteral("%1: %2").arg(where, key);
        entry.values << value;
    }
    return result;
}

OptionValues mergeSources(const OptionValues &commandLine, const OptionValues &environment, const OptionValues &file)
{
    OptionValues merged = commandLine;
    for (const OptionValues *lower : {&environment, &file}) {
        for (const auto &[name, value] : lower->byName)
            merged.byName.emplace(name, value);  // keeps what a higher source set
    }
    return merged;
}

} // namespace qtus

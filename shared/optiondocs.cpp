#include "optiondocs.h"

#include "configsources.h"
#include "optiontable.h"

#include <QStringList>

namespace qtus {

namespace {

// Words of `text` in lines of at most `width` characters (a longer word gets its own line).
QStringList wrap(const QString &text, qsizetype width)
{
    QStringList lines;
    QString line;
    for (const QString &word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        if (!line.isEmpty() && line.size() + 1 + word.size() > width) {
            lines << line;
            line.clear();
        }
        line += (line.isEmpty() ? QString() : QStringLiteral(" ")) + word;
    }
    if (!line.isEmpty())
        lines << line;
    return lines;
}

QString summary(unsigned program)
{
    return program == ForQtusAdmin
        ? QStringLiteral("the tus upload server with an admin window, or a window on a qtusd elsewhere")
        : QStringLiteral("a resumable-upload server for the tus 1.0.0 protocol");
}

QString withDefault(const OptionSpec &spec)
{
    QString text = QLatin1String(spec.help);
    if (spec.defaultText && !spec.isFlag())
        text += QStringLiteral(" Default: %1.").arg(QLatin1String(spec.defaultText));
    return text;
}

// How the three sources combine, for --help and the man pages' CONFIGURATION section.
const char *const sourcesText =
    "The server's options may also be set in a --config file, as 'key = value' lines whose keys are "
    "the long option names ('#' starts a comment line; a flag takes true/false, yes/no, on/off or "
    "1/0), or as environment variables QTUSD_<OPTION> (upper case, '-' as '_': QTUSD_MAX_SIZE=10G; "
    "QTUSD_CONFIG names the config file). The command line wins over the environment, which wins "
    "over the file. An option given twice is an error, except the lists (--cors-origins, "
    "--hooks-enabled-events, --hooks-forward-headers), whose values add up.";

const char *const durationsText =
    "Durations are numbers with units d, h, m, s and ms, largest first: 90s, 10m, 1h30m, 2d, 500ms. "
    "A bare number is refused, except 0. Sizes are bytes with an optional K, M, G or T (powers of 1024): 512M, 10G.";

// roff: a backslash is \e, a minus sign \-, and a line may not start with a control character.
QString roff(const QString &text)
{
    QString out = text;
    out.replace(QLatin1Char('\\'), QLatin1String("\\e")).replace(QLatin1Char('-'), QLatin1String("\\-"));
    if (out.startsWith(QLatin1Char('.')) || out.startsWith(QLatin1Char('\'')))
        out.prepend(QLatin1String("\\&"));
    return out;
}

QString roffParagraphs(const QStringList &paragraphs)
{
    QStringList out;
    for (const QString &p : paragraphs)
        out << roff(p);
    return out.join(QLatin1String("\n.PP\n")) + QLatin1Char('\n');
}

} // namespace

QString helpText(unsigned program, const QString &programName)
{
    QString out = QStringLiteral("Usage: %1 [options]\n%1: %2.\n\nOptions:\n").arg(programName, summary(program));
    constexpr qsizetype column = 34;
    for (const OptionSpec &spec : optionTable()) {
        if (!(spec.programs & program))
            continue;
        QString names = spec.shortName ? QStringLiteral("-%1, ").arg(QLatin1Char(spec.shortName)) : QString();
        names += QStringLiteral("--") + spec.longName();
        if (spec.valueName)
            names += QStringLiteral(" <%1>").arg(QLatin1String(spec.valueName));
        const QStringList lines = wrap(withDefault(spec), 80 - column);
        QString first = QStringLiteral("  ") + names;
        if (first.size() >= column) {
            out += first + QLatin1Char('\n');
            first.clear();
        }
        for (const QString &line : lines) {
            out += (first.isEmpty() ? QString(column, QLatin1Char(' ')) : first.leftJustified(column)) + line + QLatin1Char('\n');
            first.clear();
        }
    }
    for (const char *paragraph : {sourcesText, durationsText})
        out += QLatin1Char('\n') + wrap(QLatin1String(paragraph), 80).join(QLatin1Char('\n')) + QLatin1Char('\n');
    return out;
}

QString manPage(unsigned program)
{
    const bool admin = program == ForQtusAdmin;
    const QString name = admin ? QStringLiteral("qtus-admin") : QStringLiteral("qtusd");
    QString out = QStringLiteral(".TH %1 1 \"\" \"qtus %2\" \"User Commands\"\n").arg(roff(name.toUpper()), QLatin1String(QTUS_VERSION));
    out += QStringLiteral(".SH NAME\n%1 \\- %2\n").arg(roff(name), roff(summary(program)));
    out += QStringLiteral(".SH SYNOPSIS\n.B %1\n[\\fB\\-\\-config\\fR \\fIpath\\fR] [\\fIoption\\fR ...]\n").arg(roff(name));
    if (admin)
        out += QStringLiteral(".br\n.B qtus\\-admin\n\\fB\\-\\-connect\\fR \\fIurl\\fR [\\fB\\-\\-token\\-file\\fR \\fIpath\\fR]\n");
    out += QStringLiteral(".SH DESCRIPTION\n");
    out += roffParagraphs(admin ? QStringList{
        QStringLiteral("qtus-admin runs the same upload server as qtusd(1), in-process, with a window listing the uploads: "
                       "their state and progress, with actions to terminate them and to run a cleanup pass. It takes "
                       "the same options as qtusd. Closing the window, SIGTERM or SIGINT stop the server the graceful way."),
        QStringLiteral("With --connect, it opens the same window on a qtusd elsewhere, over that server's admin API "
                       "(qtusd --admin-listen); nothing runs in this process then."),
    } : QStringList{
        QStringLiteral("qtusd receives uploads over HTTP with the tus 1.0.0 resumable-upload protocol (creation, "
                       "termination, checksum, concatenation, expiration), stores them in a directory, and runs hooks "
                       "on their events. It logs to stderr."),
        QStringLiteral("SIGTERM or SIGINT stop it the graceful way: no new requests, uploads in flight may finish "
                       "within --shutdown-timeout. A second signal stops it at once, keeping what arrived."),
    });
    out += QStringLiteral(".SH OPTIONS\n");
    for (const OptionSpec &spec : optionTable()) {
        if (!(spec.programs & program))
            continue;
        out += QStringLiteral(".TP\n");
        if (spec.shortName)
            out += QStringLiteral("\\fB\\-%1\\fR, ").arg(QLatin1Char(spec.shortName));
        out += QStringLiteral("\\fB\\-\\-%1\\fR").arg(roff(spec.longName()));
        if (spec.valueName)
            out += QStringLiteral(" \\fI%1\\fR").arg(roff(QLatin1String(spec.valueName)));
        out += QLatin1Char('\n') + roff(withDefault(spec)) + QLatin1Char('\n');
    }
    out += QStringLiteral(".SH CONFIGURATION\n") + roffParagraphs({QLatin1String(sourcesText),
        QStringLiteral("A config file is read whole, up to %1 MiB; an unknown key, a bad value or an unknown "
                       "QTUSD_ variable stops the program with exit status 2, naming the file and the line or the "
                       "variable.").arg(maxConfigFileSize / 1024 / 1024),
        QLatin1String(durationsText)});
    out += QStringLiteral(".SH ENVIRONMENT\n.TP\n.B QTUSD_\\fIOPTION\\fR\nAn option's value, as above.\n");
    if (admin)
        out += QStringLiteral(".TP\n.B QTUS_ADMIN_TOKEN\n%1\n").arg(roff(QStringLiteral("With --connect and no --token-file: the admin API's token.")));
    out += QStringLiteral(".SH EXIT STATUS\n") + roffParagraphs({QStringLiteral(
        "0 after a stop by signal (or the window closed), --help or --version; 1 when the server cannot start "
        "(the directory, the port, a second server on the directory), with the reason on stderr; 2 for a bad "
        "command line, config file or QTUSD_ variable.")});
    out += QStringLiteral(".SH FILES\n.TP\n.I /etc/qtus/qtusd.conf\n%1\n")
               .arg(roff(QStringLiteral("The packaged config file, read by the systemd unit's --config; every option is listed in it.")));
    out += QStringLiteral(".SH SEE ALSO\n%1\n").arg(admin ? QStringLiteral("\\fBqtusd\\fR(1)") : QStringLiteral("\\fBqtus\\-admin\\fR(1)"));
    return out;
}

QString sampleConfig(const QHash<QString, QString> &setValues)
{
    QString out = QStringLiteral(
        "# qtusd's configuration, read with --config (man qtusd).\n"
        "#\n");
    for (const QString &line : wrap(QLatin1String(sourcesText), 76))
        out += QStringLiteral("# %1\n").arg(line);
    out += QStringLiteral("#\n# Every option is here with its help and its default, commented out.\n");
    for (const OptionSpec &spec : optionTable()) {
        if (!(spec.programs & ForQtusd) || !(spec.sources & FromFile))
            continue;
        out += QLatin1Char('\n');
        QString help = QLatin1String(spec.help);
        if (!spec.defaultText)
            help += QStringLiteral(" Unset by default.");
        for (const QString &line : wrap(help, 76))
            out += QStringLiteral("# %1\n").arg(line);
        const QString defaultLine = QStringLiteral("#%1 = %2").arg(spec.longName(), QLatin1String(spec.defaultText)).trimmed();
        if (setValues.contains(spec.longName()))
            out += QStringLiteral("%1\n%2 = %3\n").arg(defaultLine, spec.longName(), setValues.value(spec.longName()));
        else
            out += defaultLine + QLatin1Char('\n');
    }
    return out;
}

} // namespace qtus

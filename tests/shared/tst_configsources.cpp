// Where a setting comes from (issue 16): a --config file, QTUSD_* variables and the command
// line, with the command line over the environment over the file; and the one-line errors
// naming the file and line, or the variable. Real files in a temporary directory.
#include "configsources.h"
#include "serverconfig.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace qtus;
using Outcome = ConfigParseResult::Outcome;

namespace {

// A config setting read back as text, so one table covers numbers, durations, flags and lists.
QString field(const ServerConfig &c, const QString &name)
{
    if (name == QLatin1String("max-size"))
        return QString::number(c.maxSize);
    if (name == QLatin1String("port"))
        return QString::number(c.port);
    if (name == QLatin1String("dir"))
        return c.dir;
    if (name == QLatin1String("expire-after"))
        return QString::number(c.expireAfter.count());
    if (name == QLatin1String("behind-proxy"))
        return c.behindProxy ? QStringLiteral("true") : QStringLiteral("false");
    if (name == QLatin1String("cors-origins"))
        return c.corsOrigins.join(QLatin1Char(' '));
    if (name == QLatin1String("log-level"))
        return QString::number(int(c.logLevel));
    return QStringLiteral("<no such field in the test>");
}

} // namespace

class tst_ConfigSources : public QObject
{
    Q_OBJECT
private slots:
    void init() { QVERIFY(dir.isValid()); }
    void precedence_data();
    void precedence();
    void configFromVariableAndFlag();
    void fileErrors_data();
    void fileErrors();
    void overriddenBadValueIsStillAnError();
    void fileTooLarge();
    void fileNotRegular();
    void environmentErrors_data();
    void environmentErrors();
    void processEnvironment();
    void helpIgnoresABrokenConfig();

private:
    QString writeFile(const QByteArray &contents, const QString &name = QStringLiteral("qtusd.conf"))
    {
        const QString path = dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(contents) != contents.size())
            return {};
        return path;
    }
    ConfigParseResult parse(const QByteArray &file, const QStringList &variables, const QStringList &flags)
    {
        QStringList arguments{QStringLiteral("qtusd")};
        if (!file.isNull())
            arguments << QStringLiteral("--config") << writeFile(file);
        QProcessEnvironment env;
        for (const QString &variable : variables)
            env.insert(variable.section(QLatin1Char('='), 0, 0), variable.section(QLatin1Char('='), 1));
        return parseServerConfig(arguments + flags, QStringLiteral("qtusd"), env);
    }
    QTemporaryDir dir;
};

// One setting from nowhere, the file, the environment, the command line, or several of them:
// the effective value, and which source it came from.
void tst_ConfigSources::precedence_data()
{
    QTest::addColumn<QByteArray>("file");  // null: no --config
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("expected");

    const QByteArray none;
    const QStringList no;
    QTest::addRow("default") << none << no << no << "max-size" << "0";
    QTest::addRow("file") << QByteArray("max-size = 1K\n") << no << no << "max-size" << "1024";
    QTest::addRow("environment") << none << QStringList{"QTUSD_MAX_SIZE=10G"} << no << "max-size" << "10737418240";
    QTest::addRow("flag") << none << no << QStringList{"--max-size", "3K"} << "max-size" << "3072";
    QTest::addRow("environment over file") << QByteArray("max-size = 1K\n") << QStringList{"QTUSD_MAX_SIZE=2K"} << no << "max-size" << "2048";
    QTest::addRow("flag over file") << QByteArray("max-size = 1K\n") << no << QStringList{"--max-size=3K"} << "max-size" << "3072";
    QTest::addRow("flag over environment") << none << QStringList{"QTUSD_MAX_SIZE=2K"} << QStringList{"--max-size", "3K"} << "max-size" << "3072";
    QTest::addRow("flag over both") << QByteArray("max-size = 1K\n") << QStringList{"QTUSD_MAX_SIZE=2K"} << QStringList{"--max-size", "3K"}
                                    << "max-size" << "3072";
    QTest::addRow("flag over file, next to others") << QByteArray("max-size = 1K\nport = 5\n") << no
                                                    << QStringList{"--port", "6"} << "port" << "6";
    QTest::addRow("others keep the file's") << QByteArray("max-size = 1K\nport = 5\n") << QStringList{"QTUSD_MAX_SIZE=2K"} << no
                                            << "port" << "5";
    QTest::addRow("duration in a file") << QByteArray("expire-after = 1h30m\n") << no << no << "expire-after" << "5400000";
    QTest::addRow("duration in a variable") << none << QStringList{"QTUSD_EXPIRE_AFTER=2d"} << no << "expire-after" << "172800000";
    QTest::addRow("flag: yes in the file") << QByteArray("behind-proxy = yes\n") << no << no << "behind-proxy" << "true";
    QTest::addRow("flag: ON in a variable") << none << QStringList{"QTUSD_BEHIND_PROXY=ON"} << no << "behind-proxy" << "true";
    QTest::addRow("flag: the variable turns the file's off") << QByteArray("behind-proxy = true\n") << QStringList{"QTUSD_BEHIND_PROXY=0"} << no
                                                              << "behind-proxy" << "false";
    QTest::addRow("flag: the command line turns it on") << QByteArray("behind-proxy = off\n") << QStringList{"QTUSD_BEHIND_PROXY=no"}
                                                        << QStringList{"--behind-proxy"} << "behind-proxy" << "true";
    QTest::addRow("list: lines add up") << QByteArray("cors-origins = https://a.example\ncors-origins = https://b.example\n") << no << no
                                        << "cors-origins" << "https://a.example https://b.example";
    QTest::addRow("list: a variable replaces the file's")
        << QByteArray("cors-origins = https://a.example\ncors-origins = https://b.example\n") << QStringList{"QTUSD_CORS_ORIGINS=https://c.example"}
        << no << "cors-origins" << "https://c.example";
    QTest::addRow("list: flags replace the variable's") << none << QStringList{"QTUSD_CORS_ORIGINS=https://c.example"}
                                                        << QStringList{"--cors-origins", "https://d.example", "--cors-origins", "https://e.example"}
                                                        << "cors-origins" << "https://d.example https://e.example";
    QTest::addRow("comments, blanks, CRLF and spaces") << QByteArray("# a comment\r\n\r\n   # indented comment\r\n\tlog-level\t=  debug  \r\n")
                                                       << no << no << "log-level" << QString::number(int(LogLevel::Debug));
    QTest::addRow("a value with '=' and '#'") << QByteArray("dir = /srv/a=b#c\n") << no << no << "dir" << "/srv/a=b#c";
    QTest::addRow("empty file") << QByteArray("") << no << no << "port" << "1080";
}

void tst_ConfigSources::precedence()
{
    QFETCH(QByteArray, file);
    QFETCH(QStringList, variables);
    QFETCH(QStringList, flags);
    QFETCH(QString, option);
    QFETCH(QString, expected);
    const ConfigParseResult r = parse(file, variables, flags);
    QVERIFY2(r.outcome == Outcome::Run, qPrintable(r.text));
    QCOMPARE(field(r.config, option), expected);
}

// QTUSD_CONFIG names the file when --config does not; --config wins over it.
void tst_ConfigSources::configFromVariableAndFlag()
{
    const QString first = writeFile("port = 1111\n", QStringLiteral("first.conf"));
    const QString second = writeFile("port = 2222\n", QStringLiteral("second.conf"));
    QProcessEnvironment env;
    env.insert(QStringLiteral("QTUSD_CONFIG"), first);
    ConfigParseResult r = parseServerConfig({QStringLiteral("qtusd")}, QStringLiteral("qtusd"), env);
    QCOMPARE(r.outcome, Outcome::Run);
    QCOMPARE(r.config.port, quint16(1111));
    r = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--config"), second}, QStringLiteral("qtusd"), env);
    QCOMPARE(r.outcome, Outcome::Run);
    QCOMPARE(r.config.port, quint16(2222));
    // One config file: --config is a single-valued option.
    r = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--config"), first, QStringLiteral("--config"), second},
                          QStringLiteral("qtusd"), env);
    QCOMPARE(r.outcome, Outcome::Error);
}

// "%1" is the file's path.
void tst_ConfigSources::fileErrors_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("expected");
    QTest::addRow("unknown key") << QByteArray("port = 1\n\n# x\nbogus = 1\n") << "%1:4: unknown option 'bogus'";
    QTest::addRow("key with dashes") << QByteArray("--port = 1\n") << "%1:1: unknown option '--port' (keys are option names without dashes)";
    QTest::addRow("short name") << QByteArray("h = true\n") << "%1:1: unknown option 'h'";
    QTest::addRow("no equals sign") << QByteArray("port 1\n") << "%1:1: expected 'key = value', got 'port 1'";
    QTest::addRow("bad value") << QByteArray("port = 1\nport2 = 1\n") << "%1:2: unknown option 'port2'";
    QTest::addRow("out of range") << QByteArray("# x\nport = 70000\n") << "%1:2: port: invalid value '70000': expected 0 to 65535";
    QTest::addRow("bare duration") << QByteArray("hook-timeout = 30\n") << "%1:1: hook-timeout: invalid value '30': needs a unit, e.g. 30s";
    QTest::addRow("repeated") << QByteArray("port = 1\nmax-size = 1\nport = 2\n") << "%1:3: 'port' is set again (first on line 1); it takes one value";
    QTest::addRow("flag word") << QByteArray("behind-proxy = maybe\n")
                               << "%1:1: behind-proxy: invalid value 'maybe': expected true/false, yes/no, on/off or 1/0";
    QTest::addRow("help in a file") << QByteArray("help = true\n") << "%1:1: 'help' cannot be set in a config file";
    QTest::addRow("config in a file") << QByteArray("config = other.conf\n") << "%1:1: 'config' cannot be set in a config file";
    QTest::addRow("qtus-admin's option") << QByteArray("connect = http://127.0.0.1:1/\n") << "%1:1: unknown option 'connect'";
    QTest::addRow("empty value") << QByteArray("dir =\n") << "%1:1: dir: invalid value '': empty path";
    QTest::addRow("tls half") << QByteArray("tls-cert = /etc/ssl/c.pem\n") << "--tls-cert and --tls-key go together: give both or neither";
}

void tst_ConfigSources::fileErrors()
{
    QFETCH(QByteArray, file);
    QFETCH(QString, expected);
    const ConfigParseResult r = parse(file, {}, {});
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.text, expected.arg(dir.filePath(QStringLiteral("qtusd.conf"))));
}

// A bad line is reported even when the command line overrides it: it would break the next
// start without the flag.
void tst_ConfigSources::overriddenBadValueIsStillAnError()
{
    ConfigParseResult r = parse("port = 70000\n", {"QTUSD_PORT=1"}, {"--port", "2"});
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.text, dir.filePath(QStringLiteral("qtusd.conf")) + QStringLiteral(":1: port: invalid value '70000': expected 0 to 65535"));
    r = parse("port = 1\n", {"QTUSD_PORT=70000"}, {"--port", "2"});
    QCOMPARE(r.text, QStringLiteral("QTUSD_PORT: invalid value '70000': expected 0 to 65535"));
}

void tst_ConfigSources::fileTooLarge()
{
    QByteArray big("port = 1\n");
    big += QByteArray(maxConfigFileSize - big.size(), '#');
    QCOMPARE(parse(big, {}, {}).outcome, Outcome::Run);  // exactly the bound: read
    const ConfigParseResult r = parse(big + '\n', {}, {});
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.text, dir.filePath(QStringLiteral("qtusd.conf")) + QStringLiteral(": the config file is larger than 1 MiB, the most read"));
}

void tst_ConfigSources::fileNotRegular()
{
    const QString path = dir.path();
    const ConfigParseResult r = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--config"), path}, QStringLiteral("qtusd"),
                                                  QProcessEnvironment());
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.text, path + QStringLiteral(": cannot read the config file: not a regular file"));
    const QString missing = dir.filePath(QStringLiteral("missing.conf"));
    const ConfigParseResult m = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--config"), missing}, QStringLiteral("qtusd"),
                                                  QProcessEnvironment());
    QCOMPARE(m.text, missing + QStringLiteral(": cannot read the config file: No such file or directory"));
}

void tst_ConfigSources::environmentErrors_data()
{
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<QString>("expected");
    QTest::addRow("bad size") << QStringList{"QTUSD_MAX_SIZE=lots"} << "QTUSD_MAX_SIZE: invalid value 'lots': expected bytes such as 500M or 2G";
    QTest::addRow("bare duration") << QStringList{"QTUSD_EXPIRE_AFTER=5"} << "QTUSD_EXPIRE_AFTER: invalid value '5': needs a unit, e.g. 5s";
    QTest::addRow("flag word") << QStringList{"QTUSD_DISABLE_DOWNLOAD=enabled"}
                               << "QTUSD_DISABLE_DOWNLOAD: invalid value 'enabled': expected true/false, yes/no, on/off or 1/0";
    QTest::addRow("unknown") << QStringList{"QTUSD_BOGUS=1"} << "QTUSD_BOGUS: unknown option 'bogus'";
    QTest::addRow("two unknown") << QStringList{"QTUSD_NOPE=1", "QTUSD_BOGUS=1", "QTUSD_PORT=1"}
                                 << "unknown options in the environment: QTUSD_BOGUS, QTUSD_NOPE";
    QTest::addRow("not settable there") << QStringList{"QTUSD_HELP=1"} << "QTUSD_HELP: unknown option 'help'";
    QTest::addRow("lower case is not the name") << QStringList{"QTUSD_max_size=1"} << "QTUSD_max_size: unknown option 'max-size'";
    QTest::addRow("missing config") << QStringList{"QTUSD_CONFIG=/nonexistent/qtusd.conf"}
                                    << "/nonexistent/qtusd.conf: cannot read the config file: No such file or directory";
}

void tst_ConfigSources::environmentErrors()
{
    QFETCH(QStringList, variables);
    QFETCH(QString, expected);
    const ConfigParseResult r = parse(QByteArray(), variables, {});
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.text, expected);
}

// The two-argument parser reads the process's own environment, as qtusd does.
void tst_ConfigSources::processEnvironment()
{
    const QByteArray name("QTUSD_MAX_SIZE");
    const bool wasSet = qEnvironmentVariableIsSet(name.constData());
    const QByteArray before = qgetenv(name.constData());
    const auto restore = qScopeGuard([&] {
        if (wasSet)
            qputenv(name.constData(), before);
        else
            qunsetenv(name.constData());
    });
    qputenv(name.constData(), "3K");
    ConfigParseResult r = parseServerConfig({QStringLiteral("qtusd")}, QStringLiteral("qtusd"));
    QCOMPARE(r.outcome, Outcome::Run);
    QCOMPARE(r.config.maxSize, qint64(3072));
    r = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--max-size"), QStringLiteral("1K")}, QStringLiteral("qtusd"));
    QCOMPARE(r.config.maxSize, qint64(1024));
}

// --help and --version answer even when the config or the environment is broken.
void tst_ConfigSources::helpIgnoresABrokenConfig()
{
    QCOMPARE(parse("bogus = 1\n", {"QTUSD_BOGUS=1"}, {"--help"}).outcome, Outcome::ShowHelp);
    QCOMPARE(parse("bogus = 1\n", {"QTUSD_BOGUS=1"}, {"--version"}).outcome, Outcome::ShowVersion);
}

QTEST_GUILESS_MAIN(tst_ConfigSources)
#include "tst_configsources.moc"

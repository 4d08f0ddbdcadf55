// The command line qtusd and qtus-admin share: defaults, every flag, and one clear error line
// naming the flag for every bad value.
#include "serverconfig.h"

#include <QTest>

using namespace qtus;
using Outcome = ConfigParseResult::Outcome;

namespace {

// The command line alone: the test runner's environment does not leak in.
ConfigParseResult parse(const QStringList &flags)
{
    return parseServerConfig(QStringList{QStringLiteral("qtusd")} + flags, QStringLiteral("qtusd"), QProcessEnvironment());
}

} // namespace

class tst_ServerConfig : public QObject
{
    Q_OBJECT
private slots:
    void defaults();
    void flags_data();
    void flags();
    void repeatedSingleValuedOptionIsAnError_data();
    void repeatedSingleValuedOptionIsAnError();
    void repeatedListOptionAddsUp();
    void unknownOptionSaysTryHelp();
    void badValues_data();
    void badValues();
    void help();
    void version();
    void adminOptions();
};

void tst_ServerConfig::defaults()
{
    const ConfigParseResult r = parse({});
    QCOMPARE(r.outcome, Outcome::Run);
    QVERIFY(r.text.isEmpty());
    const ServerConfig &c = r.config;
    QCOMPARE(c.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(c.port, quint16(1080));
    QCOMPARE(c.basePath, QStringLiteral("/files/"));
    QCOMPARE(c.dir, QStringLiteral("./uploads"));
    QCOMPARE(c.maxSize, qint64(0));
    QCOMPARE(c.expireAfter, Duration(std::chrono::hours(24)));
    QCOMPARE(c.cleanupInterval, Duration(std::chrono::minutes(10)));
    QCOMPARE(c.keepCompleted, Duration(0));
    QCOMPARE(c.fsync, FsyncPolicy::Always);
}

// Each row sets one flag; the column "field" says which value of the config to read back,
// rendered as text so one table covers strings, numbers, durations and the fsync policy.
void tst_ServerConfig::flags_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("expected");

    QTest::addRow("host IPv4") << QStringList{"--host", "0.0.0.0"} << "host" << "0.0.0.0";
    QTest::addRow("host IPv6") << QStringList{"--host", "::1"} << "host" << "::1";
    QTest::addRow("host localhost") << QStringList{"--host", "localhost"} << "host" << "localhost";
    QTest::addRow("host with =") << QStringList{"--host=10.1.2.3"} << "host" << "10.1.2.3";
    QTest::addRow("port") << QStringList{"--port", "8080"} << "port" << "8080";
    QTest::addRow("port 0 picks a free port") << QStringList{"--port", "0"} << "port" << "0";
    QTest::addRow("port 65535") << QStringList{"--port", "65535"} << "port" << "65535";
    QTest::addRow("single-dash long option") << QStringList{"-port", "81"} << "port" << "81";
    QTest::addRow("base-path") << QStringList{"--base-path", "/uploads/"} << "basePath" << "/uploads/";
    QTest::addRow("base-path gains slash") << QStringList{"--base-path", "/api/tus"} << "basePath" << "/api/tus/";
    QTest::addRow("base-path root") << QStringList{"--base-path", "/"} << "basePath" << "/";
    QTest::addRow("dir") << QStringList{"--dir", "/var/lib/qtus"} << "dir" << "/var/lib/qtus";
    QTest::addRow("max-size bytes") << QStringList{"--max-size", "1000"} << "maxSize" << "1000";
    QTest::addRow("max-size K") << QStringList{"--max-size", "4K"} << "maxSize" << "4096";
    QTest::addRow("max-size G") << QStringList{"--max-size", "2G"} << "maxSize" << "2147483648";
    QTest::addRow("max-size 0 unlimited") << QStringList{"--max-size", "0"} << "maxSize" << "0";
    QTest::addRow("expire-after s") << QStringList{"--expire-after", "90s"} << "expireAfter" << "90000";
    QTest::addRow("expire-after d") << QStringList{"--expire-after", "7d"} << "expireAfter" << "604800000";
    QTest::addRow("expire-after 1h30m") << QStringList{"--expire-after", "1h30m"} << "expireAfter" << "5400000";
    QTest::addRow("orphan-grace 500ms") << QStringList{"--orphan-grace", "500ms"} << "orphanGrace" << "500";
    QTest::addRow("cleanup-interval") << QStringList{"--cleanup-interval", "30s"} << "cleanupInterval" << "30000";
    QTest::addRow("cleanup-interval 0") << QStringList{"--cleanup-interval", "0"} << "cleanupInterval" << "0";
    QTest::addRow("keep-completed") << QStringList{"--keep-completed", "24h"} << "keepCompleted" << "86400000";
    QTest::addRow("orphan-grace") << QStringList{"--orphan-grace", "10m"} << "orphanGrace" << "600000";
    QTest::addRow("shutdown-timeout") << QStringList{"--shutdown-timeout", "2s"} << "shutdownTimeout" << "2000";
    QTest::addRow("fsync never") << QStringList{"--fsync", "never"} << "fsync" << "never";
    QTest::addRow("fsync always") << QStringList{"--fsync", "always"} << "fsync" << "always";
}

void tst_ServerConfig::flags()
{
    QFETCH(QStringList, args);
    QFETCH(QString, field);
    QFETCH(QString, expected);
    const ConfigParseResult r = parse(args);
    QCOMPARE(r.outcome, Outcome::Run);
    QVERIFY2(r.text.isEmpty(), qPrintable(r.text));
    const ServerConfig &c = r.config;
    const ServerConfig d;  // every other field keeps its default
    QString actual;
    if (field == QLatin1String("host"))
        actual = c.host;
    else if (field == QLatin1String("port"))
        actual = QString::number(c.port);
    else if (field == QLatin1String("basePath"))
        actual = c.basePath;
    else if (field == QLatin1String("dir"))
        actual = c.dir;
    else if (field == QLatin1String("maxSize"))
        actual = QString::number(c.maxSize);
    else if (field == QLatin1String("expireAfter"))
        actual = QString::number(c.expireAfter.count());
    else if (field == QLatin1String("cleanupInterval"))
        actual = QString::number(c.cleanupInterval.count());
    else if (field == QLatin1String("keepCompleted"))
        actual = QString::number(c.keepCompleted.count());
    else if (field == QLatin1String("orphanGrace"))
        actual = QString::number(c.orphanGrace.count());
    else if (field == QLatin1String("shutdownTimeout"))
        actual = QString::number(c.shutdownTimeout.count());
    else if (field == QLatin1String("fsync"))
        actual = c.fsync == FsyncPolicy::Always ? QStringLiteral("always") : QStringLiteral("never");
    else
        QFAIL("unknown field in test data");
    QCOMPARE(actual, expected);
    if (field != QLatin1String("port"))
        QCOMPARE(c.port, d.port);
    if (field != QLatin1String("dir"))
        QCOMPARE(c.dir, d.dir);
    if (field != QLatin1String("maxSize"))
        QCOMPARE(c.maxSize, d.maxSize);
}

// Issue 16: "--max-size 1G --max-size 10G" used to keep the last one silently.
void tst_ServerConfig::repeatedSingleValuedOptionIsAnError_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("named");
    QTest::addRow("port twice") << QStringList{"--port", "81", "--port", "82"} << "--port";
    QTest::addRow("same value twice") << QStringList{"--max-size", "1G", "--max-size=1G"} << "--max-size";
    QTest::addRow("single dash and double") << QStringList{"-fsync", "never", "--fsync", "always"} << "--fsync";
    QTest::addRow("flag twice") << QStringList{"--behind-proxy", "--behind-proxy"} << "--behind-proxy";
    QTest::addRow("duration twice") << QStringList{"--expire-after", "1h", "--port", "1", "--expire-after", "2h"} << "--expire-after";
}

void tst_ServerConfig::repeatedSingleValuedOptionIsAnError()
{
    QFETCH(QStringList, args);
    QFETCH(QString, named);
    const ConfigParseResult r = parse(args);
    QCOMPARE(r.outcome, Outcome::Error);
    QVERIFY2(r.text.startsWith(named + QLatin1String(" is given more than once")), qPrintable(r.text));
}

// The list options may repeat: their values add up, as if comma-separated.
void tst_ServerConfig::repeatedListOptionAddsUp()
{
    const ConfigParseResult r = parse({"--cors-origins", "https://a.example", "--cors-origins=https://b.example,https://c.example",
                                       "--hooks-enabled-events", "pre-create", "--hooks-enabled-events", "post-finish"});
    QCOMPARE(r.outcome, Outcome::Run);
    QCOMPARE(r.config.corsOrigins, QStringList({"https://a.example", "https://b.example", "https://c.example"}));
    QCOMPARE(r.config.hooksEnabledEvents, QStringList({"pre-create", "post-finish"}));
    // 'none' is a whole value, not an origin to add to others.
    QCOMPARE(parse({"--cors-origins", "none", "--cors-origins", "https://a.example"}).outcome, Outcome::Error);
}

// Issue 16: an unknown option printed Qt's "Unknown option 'bogus'." and nothing more.
void tst_ServerConfig::unknownOptionSaysTryHelp()
{
    for (const QStringList &args : {QStringList{"--bogus"}, QStringList{"--port"}, QStringList{"extra"}}) {
        const ConfigParseResult r = parse(args);
        QCOMPARE(r.outcome, Outcome::Error);
        QVERIFY2(r.text.endsWith(QLatin1String("Try --help.")), qPrintable(r.text));
    }
    QCOMPARE(parse({"--bogus"}).text, QStringLiteral("Unknown option 'bogus'. Try --help."));
    // qtusd has no --connect: that is qtus-admin's.
    QVERIFY(parse({"--connect", "http://127.0.0.1:1/"}).text.startsWith(QLatin1String("Unknown option 'connect'")));
}

void tst_ServerConfig::badValues_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("named");  // what the one-line error must mention

    QTest::addRow("port too large") << QStringList{"--port", "70000"} << "--port";
    QTest::addRow("port negative") << QStringList{"--port=-1"} << "--port";
    QTest::addRow("port not a number") << QStringList{"--port", "http"} << "--port";
    QTest::addRow("port empty") << QStringList{"--port="} << "--port";
    QTest::addRow("host name") << QStringList{"--host", "example.com"} << "--host";
    QTest::addRow("host garbage") << QStringList{"--host", "1.2.3.4.5"} << "--host";
    QTest::addRow("max-size unknown unit") << QStringList{"--max-size", "5X"} << "--max-size";
    QTest::addRow("max-size negative") << QStringList{"--max-size=-5"} << "--max-size";
    QTest::addRow("max-size fraction") << QStringList{"--max-size", "1.5G"} << "--max-size";
    QTest::addRow("expire-after negative") << QStringList{"--expire-after", "-1"} << "--expire-after";
    QTest::addRow("expire-after zero") << QStringList{"--expire-after", "0"} << "--expire-after";
    QTest::addRow("expire-after unit") << QStringList{"--expire-after", "2w"} << "--expire-after";
    QTest::addRow("expire-after bare number") << QStringList{"--expire-after", "5"} << "needs a unit, e.g. 5s";
    QTest::addRow("hook-timeout bare number") << QStringList{"--hook-timeout", "30"} << "--hook-timeout";
    QTest::addRow("tls-cert without key") << QStringList{"--tls-cert", "cert.pem"} << "--tls-key";
    QTest::addRow("tls-key without cert") << QStringList{"--tls-key", "key.pem"} << "--tls-cert";
    QTest::addRow("flag with a value") << QStringList{"--behind-proxy=false"} << "behind-proxy";
    QTest::addRow("cleanup-interval bad") << QStringList{"--cleanup-interval", "soon"} << "--cleanup-interval";
    QTest::addRow("keep-completed bad") << QStringList{"--keep-completed", "-1d"} << "--keep-completed";
    QTest::addRow("fsync sometimes") << QStringList{"--fsync", "sometimes"} << "--fsync";
    QTest::addRow("fsync upper case") << QStringList{"--fsync", "ALWAYS"} << "--fsync";
    QTest::addRow("base-path relative") << QStringList{"--base-path", "files/"} << "--base-path";
    QTest::addRow("base-path dot-dot") << QStringList{"--base-path", "/a/../b/"} << "--base-path";
    QTest::addRow("base-path dot") << QStringList{"--base-path", "/a/./b/"} << "--base-path";
    QTest::addRow("base-path query") << QStringList{"--base-path", "/files?x=1"} << "--base-path";
    QTest::addRow("dir empty") << QStringList{"--dir="} << "--dir";
    QTest::addRow("unknown flag") << QStringList{"--bogus"} << "bogus";
    QTest::addRow("missing value") << QStringList{"--port"} << "--port";
    QTest::addRow("positional argument") << QStringList{"extra"} << "extra";
}

void tst_ServerConfig::badValues()
{
    QFETCH(QStringList, args);
    QFETCH(QString, named);
    const ConfigParseResult r = parse(args);
    QCOMPARE(r.outcome, Outcome::Error);
    QVERIFY2(r.text.contains(named), qPrintable(r.text));
    QVERIFY2(!r.text.trimmed().contains(QLatin1Char('\n')), qPrintable(r.text));  // one line
}

void tst_ServerConfig::help()
{
    for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("-h")}) {
        const ConfigParseResult r = parse({flag});
        QCOMPARE(r.outcome, Outcome::ShowHelp);
        for (const char *name : {"--host", "--port", "--base-path", "--dir", "--max-size", "--expire-after",
                                 "--cleanup-interval", "--keep-completed", "--fsync", "--version"})
            QVERIFY2(r.text.contains(QLatin1String(name)), name);
    }
    // Help wins over a bad value elsewhere on the line only if it parses; a bad flag is an error.
    QCOMPARE(parse({"--help", "--bogus"}).outcome, Outcome::Error);
}

void tst_ServerConfig::version()
{
    const ConfigParseResult r = parse({"--version"});
    QCOMPARE(r.outcome, Outcome::ShowVersion);
    QVERIFY2(r.text.startsWith(QLatin1String("qtusd ")), qPrintable(r.text));
    QCOMPARE(r.text, QStringLiteral("qtusd ") + QLatin1String(QTUS_VERSION));
    QVERIFY(!r.text.contains(QLatin1Char('\n')));
    QCOMPARE(parseServerConfig({"qtus-admin", "--version"}, QStringLiteral("qtus-admin")).text.section(QLatin1Char(' '), 0, 0),
             QStringLiteral("qtus-admin"));
}

// qtus-admin has qtusd's options plus --connect and --token-file (its remote mode, which its
// main() takes before this parser); qtusd has neither.
void tst_ServerConfig::adminOptions()
{
    const auto admin = [](const QStringList &flags) {
        return parseServerConfig(QStringList{QStringLiteral("qtus-admin")} + flags, QStringLiteral("qtus-admin"), QProcessEnvironment());
    };
    const ConfigParseResult help = admin({"--help"});
    QCOMPARE(help.outcome, Outcome::ShowHelp);
    QVERIFY(help.text.startsWith(QLatin1String("Usage: qtus-admin [options]")));
    QVERIFY(help.text.contains(QLatin1String("--connect <url>")) && help.text.contains(QLatin1String("--token-file <path>")));
    QVERIFY(!parse({"--help"}).text.contains(QLatin1String("--connect")));
    QCOMPARE(admin({"--token-file", "t"}).text, QStringLiteral("--token-file goes with --connect only"));
    QCOMPARE(admin({"--port", "81"}).config.port, quint16(81));
}

QTEST_GUILESS_MAIN(tst_ServerConfig)
#include "tst_serverconfig.moc"

// The man pages and the sample qtusd.conf that the build generates (the qtus_docs target) list
// every option of the table, the sample config's defaults are the server's, and man renders
// the pages without a warning: the documents cannot drift from the parser.
#include "optiondocs.h"
#include "optiontable.h"
#include "serverconfig.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace qtus;

namespace {

QString generated(const char *name)
{
    QFile file(QStringLiteral(QTUS_DOC_DIR "/") + QLatin1String(name));
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// How the man page writes --name: every '-' a roff minus sign.
QString manSpelling(const OptionSpec &spec)
{
    return QStringLiteral("\\fB\\-\\-%1\\fR").arg(spec.longName().replace(QLatin1Char('-'), QLatin1String("\\-")));
}

} // namespace

class tst_OptionDocs : public QObject
{
    Q_OBJECT
private slots:
    void manPagesListEveryOption_data();
    void manPagesListEveryOption();
    void sampleConfigListsEveryOption();
    void sampleConfigDefaultsAreTheServers();
    void helpListsEveryOption();
    void manRendersWithoutWarnings_data();
    void manRendersWithoutWarnings();
};

void tst_OptionDocs::manPagesListEveryOption_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<unsigned>("program");
    QTest::addRow("qtusd.1") << "qtusd.1" << unsigned(ForQtusd);
    QTest::addRow("qtus-admin.1") << "qtus-admin.1" << unsigned(ForQtusAdmin);
}

void tst_OptionDocs::manPagesListEveryOption()
{
    QFETCH(QString, file);
    QFETCH(unsigned, program);
    const QString page = generated(file.toLatin1().constData());
    QVERIFY2(!page.isEmpty(), "not generated: build the qtus_docs target");
    QVERIFY(page.startsWith(QLatin1String(".TH ")));
    QCOMPARE(page, manPage(program));  // what the build wrote is what the table says now
    int listed = 0;
    for (const OptionSpec &spec : optionTable()) {
        const bool has = page.contains(QStringLiteral(".TP\n") + manSpelling(spec))
            || page.contains(QStringLiteral(".TP\n\\fB\\-%1\\fR, ").arg(QLatin1Char(spec.shortName)) + manSpelling(spec));
        QVERIFY2(has == bool(spec.programs & program), spec.name);
        listed += has;
    }
    QCOMPARE(page.count(QLatin1String("\n.TP\n\\fB\\-")), listed);  // and no option the table lacks
}

void tst_OptionDocs::sampleConfigListsEveryOption()
{
    const QString conf = generated("qtusd.conf");
    QVERIFY2(!conf.isEmpty(), "not generated: build the qtus_docs target");
    static const QRegularExpression setting(QStringLiteral("^#?([a-z0-9-]+) =(.*)$"), QRegularExpression::MultilineOption);
    QStringList keys;
    for (auto it = setting.globalMatch(conf); it.hasNext();)
        keys << it.next().captured(1);
    keys.removeDuplicates();
    QStringList expected;
    for (const OptionSpec &spec : optionTable()) {
        if ((spec.programs & ForQtusd) && (spec.sources & FromFile))
            expected << spec.longName();
    }
    QCOMPARE(keys, expected);
    // The one setting the package makes: its own upload directory.
    QVERIFY(conf.contains(QLatin1String("\ndir = /var/lib/qtus/uploads\n")));
    QCOMPARE(conf.count(QRegularExpression(QStringLiteral("^[a-z]"), QRegularExpression::MultilineOption)), 1);
}

// Every "#key = default" line uncommented: the server's own defaults, and the file parses.
void tst_OptionDocs::sampleConfigDefaultsAreTheServers()
{
    QString conf = generated("qtusd.conf");
    QVERIFY(!conf.isEmpty());
    conf.replace(QRegularExpression(QStringLiteral("^#(?!dir )([a-z-]+ = .+)$"), QRegularExpression::MultilineOption),
                 QStringLiteral("\\1"));
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("qtusd.conf")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(conf.toUtf8());
    file.close();
    const ConfigParseResult r = parseServerConfig({QStringLiteral("qtusd"), QStringLiteral("--config"), file.fileName()},
                                                  QStringLiteral("qtusd"), QProcessEnvironment());
    QVERIFY2(r.outcome == ConfigParseResult::Outcome::Run, qPrintable(r.text));
    const ServerConfig &c = r.config;
    const ServerConfig d;
    QCOMPARE(c.dir, QStringLiteral("/var/lib/qtus/uploads"));
    QCOMPARE(c.host, d.host);
    QCOMPARE(c.port, d.port);
    QCOMPARE(c.basePath, d.basePath);
    QCOMPARE(c.maxSize, d.maxSize);
    for (const auto &[got, want] : {std::pair{c.expireAfter, d.expireAfter}, {c.cleanupInterval, d.cleanupInterval},
                                    {c.keepCompleted, d.keepCompleted}, {c.orphanGrace, d.orphanGrace},
                                    {c.shutdownTimeout, d.shutdownTimeout}, {c.idleTimeout, d.idleTimeout},
                                    {c.readTimeout, d.readTimeout}, {c.releaseStalledAfter, d.releaseStalledAfter},
                                    {c.hookTimeout, d.hookTimeout}, {c.hooksHttpTimeout, d.hooksHttpTimeout},
                                    {c.hooksProgressInterval, d.hooksProgressInterval}})
        QCOMPARE(got.count(), want.count());
    QCOMPARE(c.fsync, d.fsync);
    QCOMPARE(c.maxHeaderSize, d.maxHeaderSize);
    QCOMPARE(c.maxConnections, d.maxConnections);
    QCOMPARE(c.corsOrigins, d.corsOrigins);
    QCOMPARE(c.corsAllowCredentials, d.corsAllowCredentials);
    QCOMPARE(c.behindProxy, d.behindProxy);
    QCOMPARE(c.disableDownload, d.disableDownload);
    QCOMPARE(c.logFormat, d.logFormat);
    QCOMPARE(c.logLevel, d.logLevel);
    QCOMPARE(c.accessLog, d.accessLog);
}

void tst_OptionDocs::helpListsEveryOption()
{
    for (const unsigned program : {unsigned(ForQtusd), unsigned(ForQtusAdmin)}) {
        const QString help = helpText(program, QStringLiteral("prog"));
        for (const OptionSpec &spec : optionTable()) {
            const bool has = help.contains(QRegularExpression(QStringLiteral("\n  (-., )?--%1[ \n]").arg(spec.longName())));
            QVERIFY2(has == bool(spec.programs & program), spec.name);
        }
    }
}

void tst_OptionDocs::manRendersWithoutWarnings_data()
{
    manPagesListEveryOption_data();
}

void tst_OptionDocs::manRendersWithoutWarnings()
{
    QFETCH(QString, file);
    const QString man = QStandardPaths::findExecutable(QStringLiteral("man"));
    if (man.isEmpty())
        QSKIP("man (man-db) is not installed");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MANWIDTH"), QStringLiteral("80"));
    p.setProcessEnvironment(env);
    p.start(man, {QStringLiteral("--warnings"), QStringLiteral("-l"), QStringLiteral(QTUS_DOC_DIR "/") + file});
    QVERIFY(p.waitForFinished(30000));
    const QByteArray warnings = p.readAllStandardError();
    QVERIFY2(warnings.isEmpty(), warnings.constData());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains("--expire-after"));
}

QTEST_GUILESS_MAIN(tst_OptionDocs)
#include "tst_optiondocs.moc"

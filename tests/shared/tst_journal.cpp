// The journal's side of the logs: which syslog priority each level's line carries ("<N>",
// as systemd reads it off a line on a service's stderr), and when stderr counts as the
// journal (JOURNAL_STREAM names exactly that stream). tst_service checks the same end to
// end, on qtusd's real stderr.
#include "logging.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace qtus;

class tst_Journal : public QObject
{
    Q_OBJECT
private slots:
    void priorities_data();
    void priorities();
    void streamNamedByJournalStream_data();
    void streamNamedByJournalStream();
};

void tst_Journal::priorities_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("priority");
    // syslog(3): LOG_CRIT 2, LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7.
    QTest::addRow("debug") << int(QtDebugMsg) << 7;
    QTest::addRow("info") << int(QtInfoMsg) << 6;
    QTest::addRow("warning") << int(QtWarningMsg) << 4;
    QTest::addRow("critical is an error") << int(QtCriticalMsg) << 3;
    QTest::addRow("fatal") << int(QtFatalMsg) << 2;
}

void tst_Journal::priorities()
{
    QFETCH(int, type);
    QFETCH(int, priority);
    QCOMPARE(syslogPriority(QtMsgType(type)), priority);
}

void tst_Journal::streamNamedByJournalStream_data()
{
    QTest::addColumn<QString>("variable");  // %1 device, %2 inode of the open file
    QTest::addColumn<bool>("journal");
    QTest::addRow("this stream") << "%1:%2" << true;
    QTest::addRow("another inode") << "%1:1%2" << false;
    QTest::addRow("another device") << "1%1:%2" << false;
    QTest::addRow("unset") << "" << false;
    QTest::addRow("no colon") << "%1%2" << false;
    QTest::addRow("no device") << ":%2" << false;
    QTest::addRow("not numbers") << "%1:x%2" << false;
}

void tst_Journal::streamNamedByJournalStream()
{
    QFETCH(QString, variable);
    QFETCH(bool, journal);
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("stream")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    struct stat st = {};
    QCOMPARE(::fstat(file.handle(), &st), 0);
    const QString value = QString(variable)
                              .replace(QLatin1String("%1"), QString::number(qulonglong(st.st_dev)))
                              .replace(QLatin1String("%2"), QString::number(qulonglong(st.st_ino)));
    QCOMPARE(isJournalStream(value.toLatin1(), file.handle()), journal);
}

QTEST_GUILESS_MAIN(tst_Journal)
#include "tst_journal.moc"

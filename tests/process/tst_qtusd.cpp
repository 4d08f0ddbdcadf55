// The qtusd executable as a user runs it: the startup line, exit codes for bad flags,
// an unusable directory and a taken port, and a clean exit on SIGTERM.
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class tst_Qtusd : public QObject
{
    Q_OBJECT
private slots:
    void printsListenLineAndStopsOnSigterm();
    void badFlagsExitWithStatus2_data();
    void badFlagsExitWithStatus2();
    void unusableDirectoryExitsWithStatus1();
    void takenPortExitsWithStatus1();
    void helpAndVersion();

private:
    static QString binary() { return QStringLiteral(QTUSD_PATH); }
};

void tst_Qtusd::printsListenLineAndStopsOnSigterm()
{
    QTemporaryDir dir;
    QProcess p;
    p.start(binary(), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), dir.filePath(QStringLiteral("u")),
                       QStringLiteral("--base-path"), QStringLiteral("/uploads")});
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(p.canReadLine(), 10000);
    const QString line = QString::fromUtf8(p.readLine()).trimmed();
    static const QRegularExpression expected(QStringLiteral("^qtusd listening on http://127\\.0\\.0\\.1:(\\d+)/uploads/$"));
    const auto match = expected.match(line);
    QVERIFY2(match.hasMatch(), qPrintable(line));
    QVERIFY(match.captured(1).toInt() > 0);
    QVERIFY(QDir(dir.filePath(QStringLiteral("u"))).exists());  // created if missing
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(p.readAllStandardOutput(), QByteArray());  // exactly one line on stdout
}

void tst_Qtusd::badFlagsExitWithStatus2_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("named");
    QTest::addRow("port out of range") << QStringList{"--port", "70000"} << "--port";
    QTest::addRow("size with bad unit") << QStringList{"--max-size", "5X"} << "--max-size";
    QTest::addRow("negative duration") << QStringList{"--expire-after", "-1"} << "--expire-after";
    QTest::addRow("fsync value") << QStringList{"--fsync", "sometimes"} << "--fsync";
    QTest::addRow("unknown flag") << QStringList{"--frobnicate"} << "frobnicate";
    QTest::addRow("missing value") << QStringList{"--port"} << "port";
    QTest::addRow("host not an address") << QStringList{"--host", "not a host"} << "--host";
    QTest::addRow("base path") << QStringList{"--base-path", "files/../x"} << "--base-path";
}

void tst_Qtusd::badFlagsExitWithStatus2()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, named);
    QProcess p;
    p.start(binary(), arguments);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(err.count(QLatin1Char('\n')), 1);  // one line
    QVERIFY2(err.contains(named), qPrintable(err));
    QVERIFY(p.readAllStandardOutput().isEmpty());
}

void tst_Qtusd::unusableDirectoryExitsWithStatus1()
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    QProcess p;
    // A directory below a regular file can never be created, even by root.
    p.start(binary(), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), blocker.fileName() + QStringLiteral("/uploads")});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QLatin1String("directory")));
}

void tst_Qtusd::takenPortExitsWithStatus1()
{
    QTcpServer occupant;
    QVERIFY(occupant.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir dir;
    QProcess p;
    p.start(binary(), {QStringLiteral("--port"), QString::number(occupant.serverPort()), QStringLiteral("--dir"), dir.path()});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QString::number(occupant.serverPort())));
}

void tst_Qtusd::helpAndVersion()
{
    QProcess p;
    p.start(binary(), {QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray help = p.readAllStandardOutput();
    for (const char *flag : {"--host", "--port", "--base-path", "--dir", "--max-size", "--expire-after", "--cleanup-interval",
                             "--keep-completed", "--fsync", "--max-header-size", "--idle-timeout", "--read-timeout",
                             "--max-connections"})
        QVERIFY2(help.contains(flag), flag);
    p.start(binary(), {QStringLiteral("--version")});
    QVERIFY(p.waitForFinished(10000));
    QVERIFY(p.readAllStandardOutput().startsWith("qtusd "));
}

QTEST_GUILESS_MAIN(tst_Qtusd)
#include "tst_qtusd.moc"

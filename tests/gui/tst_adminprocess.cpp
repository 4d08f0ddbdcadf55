// The qtus-admin executable as a user or a service manager runs it, on the offscreen
// platform: SIGTERM and SIGINT stop it the way closing its window does (the "stopping"
// line, the graceful stop, the quit that saves the window's layout, exit status 0), never
// by the signal's default death.
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class tst_AdminProcess : public QObject
{
    Q_OBJECT
private slots:
    void signalStopsItLikeClosingTheWindow_data();
    void signalStopsItLikeClosingTheWindow();

private:
    static QString binary() { return QStringLiteral(QTUS_ADMIN_PATH); }
};

void tst_AdminProcess::signalStopsItLikeClosingTheWindow_data()
{
    QTest::addColumn<int>("signal");
    QTest::addRow("SIGTERM") << int(SIGTERM);  // a service manager, kill
    QTest::addRow("SIGINT") << int(SIGINT);    // Ctrl+C in the terminal it was started from
}

void tst_AdminProcess::signalStopsItLikeClosingTheWindow()
{
    QFETCH(int, signal);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    // Closing the window saves its layout: into the temporary directory, not the user's.
    const QString config = dir.filePath(QStringLiteral("config"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), config);
    QProcess admin;
    admin.setProcessEnvironment(env);
    admin.start(binary(), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"),
                           dir.filePath(QStringLiteral("uploads"))});
    QVERIFY(admin.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(admin.canReadLine(), 10000);
    const QString line = QString::fromUtf8(admin.readLine()).trimmed();
    QVERIFY2(line.startsWith(QStringLiteral("qtus-admin listening on http://127.0.0.1:")), qPrintable(line));

    ::kill(pid_t(admin.processId()), signal);
    QVERIFY(admin.waitForFinished(10000));
    QCOMPARE(admin.exitStatus(), QProcess::NormalExit);  // not ended by the signal itself
    QCOMPARE(admin.exitCode(), 0);
    QCOMPARE(admin.readAllStandardOutput(), QByteArray("qtus-admin: stopping\n"));
    QVERIFY(QFile::exists(config + QStringLiteral("/qtus/qtus-admin.conf")));
}

QTEST_GUILESS_MAIN(tst_AdminProcess)
#include "tst_adminprocess.moc"

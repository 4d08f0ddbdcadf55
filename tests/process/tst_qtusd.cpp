// The qtusd executable as a user runs it: the startup line, exit codes for bad flags,
// an unusable directory and a taken port, and a clean exit on SIGTERM.
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
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
    void secondServerOnADirectoryExitsWithStatus1();
    void helpAndVersion();
    void configErrorsExitWithStatus2_data();
    void configErrorsExitWithStatus2();
    void configEnvironmentAndFlagsTogether_data();
    void configEnvironmentAndFlagsTogether();
    void sigtermLetsAnUploadInFlightFinish();
    void secondSigtermCommitsWhatArrived();

private:
    struct Running
    {
        std::unique_ptr<QProcess> process;
        quint16 port = 0;
    };
    static Running startServer(const QString &dir);
    static QByteArray createUpload(quint16 port, qint64 length);
    static QString binary() { return QStringLiteral(QTUSD_PATH); }
    // The runner's environment without QTUSD_* variables, plus `variables`.
    static QProcessEnvironment environment(const QStringList &variables);
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

QProcessEnvironment tst_Qtusd::environment(const QStringList &variables)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &key : env.keys()) {
        if (key.startsWith(QLatin1String("QTUSD_")))
            env.remove(key);
    }
    for (const QString &variable : variables)
        env.insert(variable.section(QLatin1Char('='), 0, 0), variable.section(QLatin1Char('='), 1));
    return env;
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

// Issue 16: a config file or a QTUSD_* variable that qtusd cannot use stops it with status 2
// and one line on stderr naming the file and line, or the variable. "%1" is the config file.
void tst_Qtusd::configErrorsExitWithStatus2_data()
{
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<QString>("expected");
    QTest::addRow("unknown key") << QByteArray("# qtusd\n\nport = 0\nbogus = 1\n") << QStringList()
                                 << "qtusd: %1:4: unknown option 'bogus'";
    QTest::addRow("bad value") << QByteArray("max-size = lots\n") << QStringList()
                               << "qtusd: %1:1: max-size: invalid value 'lots': expected bytes such as 500M or 2G";
    QTest::addRow("bare duration") << QByteArray("\r\nexpire-after = 5\r\n") << QStringList()
                                   << "qtusd: %1:2: expire-after: invalid value '5': needs a unit, e.g. 5s";
    QTest::addRow("bad variable") << QByteArray() << QStringList{"QTUSD_MAX_SIZE=lots"}
                                  << "qtusd: QTUSD_MAX_SIZE: invalid value 'lots': expected bytes such as 500M or 2G";
    QTest::addRow("unknown variable") << QByteArray() << QStringList{"QTUSD_BOGUS=1"} << "qtusd: QTUSD_BOGUS: unknown option 'bogus'";
    QTest::addRow("missing file") << QByteArray("<none>") << QStringList()
                                  << "qtusd: %1: cannot read the config file: No such file or directory";
}

void tst_Qtusd::configErrorsExitWithStatus2()
{
    QFETCH(QByteArray, file);
    QFETCH(QStringList, variables);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("qtusd.conf"));
    if (file != "<none>") {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(file);
    }
    QProcess p;
    p.setProcessEnvironment(environment(variables));
    p.start(binary(), {QStringLiteral("--config"), path, QStringLiteral("--dir"), dir.filePath(QStringLiteral("u"))});
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    QCOMPARE(QString::fromUtf8(p.readAllStandardError()), expected.arg(path) + QLatin1Char('\n'));
    QVERIFY(p.readAllStandardOutput().isEmpty());
}

// The base path shows in the startup line, so it tells which source won.
void tst_Qtusd::configEnvironmentAndFlagsTogether_data()
{
    QTest::addColumn<QStringList>("variables");
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("basePath");
    QTest::addRow("file") << QStringList() << QStringList() << "/from-file/";
    QTest::addRow("environment over file") << QStringList{"QTUSD_BASE_PATH=/from-env/"} << QStringList() << "/from-env/";
    QTest::addRow("command line over both") << QStringList{"QTUSD_BASE_PATH=/from-env/"} << QStringList{"--base-path", "/from-flag/"}
                                            << "/from-flag/";
}

void tst_Qtusd::configEnvironmentAndFlagsTogether()
{
    QFETCH(QStringList, variables);
    QFETCH(QStringList, flags);
    QFETCH(QString, basePath);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("qtusd.conf"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("port = 0\nbase-path = /from-file/\ndir = " + dir.filePath(QStringLiteral("u")).toUtf8() + "\nexpire-after = 1h30m\n");
    f.close();
    QProcess p;
    p.setProcessEnvironment(environment(variables));
    p.start(binary(), QStringList{QStringLiteral("--config"), path} + flags);
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(p.canReadLine() || p.state() != QProcess::Running, 10000);
    const QString line = QString::fromUtf8(p.readLine()).trimmed();
    QVERIFY2(line.startsWith(QLatin1String("qtusd listening on http://127.0.0.1:")) && line.endsWith(basePath),
             qPrintable(line + QString::fromUtf8(p.readAllStandardError())));
    QVERIFY(QDir(dir.filePath(QStringLiteral("u"))).exists());
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
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

void tst_Qtusd::secondServerOnADirectoryExitsWithStatus1()
{
    // Two servers on one directory would each keep their own index and locks and accept the
    // same offset twice: the second one refuses to start, naming the directory and the pid.
    QTemporaryDir dir;
    Running first = startServer(dir.path());
    QVERIFY(first.port != 0);
    QProcess second;
    second.start(binary(), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), dir.path()});
    QVERIFY(second.waitForFinished(10000));
    QCOMPARE(second.exitCode(), 1);
    const QString err = QString::fromUtf8(second.readAllStandardError());
    QVERIFY2(err.contains(dir.path()), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("pid %1").arg(first.process->processId())), qPrintable(err));
    QVERIFY(second.readAllStandardOutput().isEmpty());  // never said it was listening
    QVERIFY(!createUpload(first.port, 10).isEmpty());   // the first one serves on
    // Once the first one is gone, however it went, the directory is free again.
    first.process->kill();
    QVERIFY(first.process->waitForFinished(10000));
    Running third = startServer(dir.path());
    QVERIFY(third.port != 0);
    ::kill(pid_t(third.process->processId()), SIGTERM);
    QVERIFY(third.process->waitForFinished(10000));
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

tst_Qtusd::Running tst_Qtusd::startServer(const QString &dir)
{
    Running r;
    r.process = std::make_unique<QProcess>();
    r.process->start(binary(), {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), dir,
                                QStringLiteral("--shutdown-timeout"), QStringLiteral("30s")});
    if (!r.process->waitForStarted() || !QTest::qWaitFor([&] { return r.process->canReadLine(); }, 10000))
        return r;
    const QByteArray line = r.process->readLine().trimmed();
    r.port = quint16(line.mid(line.lastIndexOf(':') + 1).split('/').first().toUInt());
    return r;
}

QByteArray tst_Qtusd::createUpload(quint16 port, qint64 length)
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(5000))
        return {};
    s.write("POST /files/ HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Length: " + QByteArray::number(length)
            + "\r\nContent-Length: 0\r\n\r\n");
    QByteArray response;
    while (!response.contains("\r\n\r\n") && s.waitForReadyRead(5000))
        response += s.readAll();
    const qsizetype at = response.indexOf("/files/");
    return at < 0 ? QByteArray() : response.mid(at, 7 + 32);
}

static QByteArray patchHead(const QByteArray &path, qint64 offset, qint64 length)
{
    return "PATCH " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: " + QByteArray::number(offset)
        + "\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: " + QByteArray::number(length) + "\r\n\r\n";
}

void tst_Qtusd::sigtermLetsAnUploadInFlightFinish()
{
    QTemporaryDir dir;
    Running server = startServer(dir.path());
    QVERIFY(server.port);
    const QByteArray path = createUpload(server.port, 200000);
    QVERIFY(!path.isEmpty());
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, server.port);
    QVERIFY(s.waitForConnected(5000));
    s.write(patchHead(path, 0, 200000) + QByteArray(100000, 'a'));
    QVERIFY(s.waitForBytesWritten(5000));
    const QString data = dir.filePath(QString::fromLatin1(path.mid(7)));
    QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(data).size(), qint64(100000), 10000);  // the upload is in flight
    ::kill(pid_t(server.process->processId()), SIGTERM);
    QTest::qWait(200);  // on purpose: the server must keep waiting for the rest of the body
    QCOMPARE(server.process->state(), QProcess::Running);
    s.write(QByteArray(100000, 'b'));
    QByteArray response;
    while (!response.contains("\r\n\r\n") && s.waitForReadyRead(10000))
        response += s.readAll();
    QVERIFY2(response.startsWith("HTTP/1.1 204"), response.constData());
    QVERIFY(response.contains("Upload-Offset: 200000"));
    QVERIFY(server.process->waitForFinished(10000));
    QCOMPARE(server.process->exitCode(), 0);
    QCOMPARE(QFileInfo(data).size(), qint64(200000));
}

void tst_Qtusd::secondSigtermCommitsWhatArrived()
{
    QTemporaryDir dir;
    Running server = startServer(dir.path());
    QVERIFY(server.port);
    const QByteArray path = createUpload(server.port, 200000);
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, server.port);
    QVERIFY(s.waitForConnected(5000));
    s.write(patchHead(path, 0, 200000) + QByteArray(70000, 'a'));
    QVERIFY(s.waitForBytesWritten(5000));
    const QString data = dir.filePath(QString::fromLatin1(path.mid(7)));
    QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(data).size(), qint64(70000), 10000);  // the bytes reached the server
    ::kill(pid_t(server.process->processId()), SIGTERM);
    QTest::qWait(100);  // on purpose: the first signal starts the graceful wait
    ::kill(pid_t(server.process->processId()), SIGTERM);
    QVERIFY(server.process->waitForFinished(5000));
    QCOMPARE(server.process->exitCode(), 0);

    Running again = startServer(dir.path());
    QVERIFY(again.port);
    QTcpSocket head;
    head.connectToHost(QHostAddress::LocalHost, again.port);
    QVERIFY(head.waitForConnected(5000));
    head.write("HEAD " + path + " HTTP/1.1\r\nHost: x\r\nTus-Resumable: 1.0.0\r\n\r\n");
    QByteArray response;
    while (!response.contains("\r\n\r\n") && head.waitForReadyRead(5000))
        response += head.readAll();
    QVERIFY2(response.contains("Upload-Offset: 70000"), response.constData());
    ::kill(pid_t(again.process->processId()), SIGTERM);
    QVERIFY(again.process->waitForFinished(10000));
}

QTEST_GUILESS_MAIN(tst_Qtusd)
#include "tst_qtusd.moc"

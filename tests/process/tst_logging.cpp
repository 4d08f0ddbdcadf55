// qtusd's logs as a service manager sees them (stderr): a timestamp and a level on every
// text line, one JSON object per line with --log-format json, one access line per request
// (method, path, status, bytes, duration, remote address; never a header value) unless
// --access-log off, and --log-level to quieten or to see more.
#include "qtusdprocess.h"

#include <QJsonArray>
#include <QRegularExpression>

class tst_Logging : public QObject
{
    Q_OBJECT
private slots:
    void textLinesHaveTimeAndLevel();
    void jsonLinesWithAccessFields();
    void accessLogOff();
    void levelWarningIsQuiet();

private:
    // Runs qtusd with flags, makes an upload with metadata, stops it; its stderr lines.
    static QList<QByteArray> run(const QStringList &flags);
};

QList<QByteArray> tst_Logging::run(const QStringList &flags)
{
    QtusdProcess qtusd;
    if (!qtusd.start(flags, false))
        return {};
    const QUrl upload = qtusd.createUpload(5, "secret-name.txt");
    if (!upload.isValid() || qtusd.patch(upload, 0, "hello") != 204)
        return {};
    ::kill(pid_t(qtusd.process.processId()), SIGTERM);
    if (!qtusd.process.waitForFinished(10000))
        return {};
    QList<QByteArray> lines = qtusd.process.readAllStandardError().split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

void tst_Logging::textLinesHaveTimeAndLevel()
{
    const QList<QByteArray> lines = run({});
    QVERIFY(!lines.isEmpty());
    static const QRegularExpression prefix(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (debug|info|warning|error) +\\S+: "));
    for (const QByteArray &line : lines)
        QVERIFY2(prefix.match(QString::fromUtf8(line)).hasMatch(), line.constData());
    const auto access = std::find_if(lines.cbegin(), lines.cend(), [](const QByteArray &l) { return l.contains("qtus.access: PATCH /files/"); });
    QVERIFY(access != lines.cend());
    QVERIFY2(access->contains(" 204 ") && access->contains("bytesIn=5") && access->contains("remote=127.0.0.1"), access->constData());
}

void tst_Logging::jsonLinesWithAccessFields()
{
    const QList<QByteArray> lines = run({QStringLiteral("--log-format"), QStringLiteral("json")});
    QVERIFY(!lines.isEmpty());
    int accessLines = 0;
    for (const QByteArray &line : lines) {
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(line, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, line.constData());
        for (const char *key : {"time", "level", "category", "message"})
            QVERIFY2(o.contains(QLatin1String(key)), line.constData());
        if (o.value(QLatin1String("category")).toString() != QLatin1String("qtus.access"))
            continue;
        ++accessLines;
        QVERIFY(o.value(QLatin1String("status")).toInt() >= 200);
        QVERIFY(o.value(QLatin1String("durationMs")).isDouble());
        QCOMPARE(o.value(QLatin1String("remote")).toString(), QStringLiteral("127.0.0.1"));
        QVERIFY(o.value(QLatin1String("path")).toString().startsWith(QLatin1String("/files/")));
    }
    QCOMPARE(accessLines, 2);  // the POST and the PATCH
    for (const QByteArray &line : lines) {
        QVERIFY2(!line.contains("secret-name") && !line.contains(QByteArray("secret-name.txt").toBase64()),
                 line.constData());  // metadata values never reach the log
    }
}

void tst_Logging::accessLogOff()
{
    const QList<QByteArray> lines = run({QStringLiteral("--access-log"), QStringLiteral("off")});
    QVERIFY(!lines.isEmpty());
    for (const QByteArray &line : lines)
        QVERIFY2(!line.contains("qtus.access"), line.constData());
}

void tst_Logging::levelWarningIsQuiet()
{
    QtusdProcess qtusd;
    QVERIFY(qtusd.start({QStringLiteral("--log-level"), QStringLiteral("warning")}, false));
    QVERIFY(qtusd.createUpload(5).isValid());
    ::kill(pid_t(qtusd.process.processId()), SIGTERM);
    QVERIFY(qtusd.process.waitForFinished(10000));
    const QByteArray err = qtusd.process.readAllStandardError();
    QVERIFY2(!err.contains(" info "), err.constData());  // no info lines, access ones included
}

QTEST_GUILESS_MAIN(tst_Logging)
#include "tst_logging.moc"

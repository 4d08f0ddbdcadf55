// Byte sizes and durations as the command line takes them.
#include "units.h"

#include <QTest>

using namespace qtus;

class tst_Units : public QObject
{
    Q_OBJECT
private slots:
    void byteSize_data();
    void byteSize();
    void duration_data();
    void duration();
    void durationErrorNamesTheUnit();
    void formatDuration();
};

void tst_Units::byteSize_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("bytes");
    QTest::addRow("plain") << "1234" << true << qint64(1234);
    QTest::addRow("zero") << "0" << true << qint64(0);
    QTest::addRow("K") << "4K" << true << qint64(4096);
    QTest::addRow("M") << "500M" << true << qint64(500) * 1024 * 1024;
    QTest::addRow("GiB") << "2GiB" << true << (qint64(2) << 30);
    QTest::addRow("lower g") << "2g" << true << (qint64(2) << 30);
    QTest::addRow("T") << "1T" << true << (qint64(1) << 40);
    QTest::addRow("negative") << "-1" << false << qint64(0);
    QTest::addRow("empty") << "" << false << qint64(0);
    QTest::addRow("unknown unit") << "5X" << false << qint64(0);
    QTest::addRow("fraction") << "1.5G" << false << qint64(0);
    QTest::addRow("overflow") << "9999999999T" << false << qint64(0);
    QTest::addRow("past int64") << "9223372036854775808" << false << qint64(0);
    // Found by fuzz_headervalues: more than 19 digits were refused even when they are
    // leading zeros (rule C1 bounds the value, not the spelling).
    QTest::addRow("zero-padded past 19 digits") << "0000000000000000000004K" << true << qint64(4096);
    QTest::addRow("zero-padded past int64") << "00009223372036854775808" << false << qint64(0);
    // fuzz_units' ASCII invariant: QString::toLower() maps the Kelvin sign (U+212A) to 'k'.
    QTest::addRow("Kelvin sign is not K") << QStringLiteral("5\u212A") << false << qint64(0);
}

void tst_Units::byteSize()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qint64, bytes);
    const auto parsed = parseByteSize(text);
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(*parsed, bytes);
}

void tst_Units::duration_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<qint64>("ms");
    QTest::addRow("seconds") << "90s" << true << qint64(90000);
    QTest::addRow("bare number refused") << "90" << false << qint64(0);
    QTest::addRow("bare 5 refused") << "5" << false << qint64(0);
    QTest::addRow("hours and minutes") << "1h30m" << true << qint64(5400000);
    QTest::addRow("two days") << "2d" << true << qint64(2) * 86400000;
    QTest::addRow("every unit") << "1d2h3m4s5ms" << true << qint64(93784005);
    QTest::addRow("spaced components") << "2d 12h" << true << qint64(216000000);
    QTest::addRow("upper case") << "90S" << true << qint64(90000);
    QTest::addRow("units out of order") << "30m1h" << false << qint64(0);
    QTest::addRow("unit twice") << "1m1m" << false << qint64(0);
    QTest::addRow("trailing number") << "1h30" << false << qint64(0);
    QTest::addRow("min is not m") << "5min" << false << qint64(0);
    QTest::addRow("long s is not s") << QStringLiteral("5\u017F") << false << qint64(0);
    QTest::addRow("sum overflow") << "106751991167d300000000h" << false << qint64(0);
    QTest::addRow("minutes") << "10m" << true << qint64(600000);
    QTest::addRow("hours") << "24h" << true << qint64(86400000);
    QTest::addRow("days") << "7d" << true << qint64(7) * 86400000;
    QTest::addRow("millis") << "250ms" << true << qint64(250);
    QTest::addRow("zero") << "0" << true << qint64(0);
    QTest::addRow("negative") << "-5m" << false << qint64(0);
    QTest::addRow("unit only") << "h" << false << qint64(0);
    QTest::addRow("weeks unsupported") << "2w" << false << qint64(0);
    QTest::addRow("overflow") << "999999999999999d" << false << qint64(0);
    QTest::addRow("zero-padded past 19 digits") << "0000000000000000000090s" << true << qint64(90000);
}

void tst_Units::duration()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QFETCH(qint64, ms);
    const auto parsed = parseDuration(text);
    QCOMPARE(parsed.has_value(), valid);
    if (valid)
        QCOMPARE(parsed->count(), ms);
}

void tst_Units::durationErrorNamesTheUnit()
{
    QString why;
    QVERIFY(!parseDuration(u"5", &why));
    QCOMPARE(why, QStringLiteral("needs a unit, e.g. 5s"));
    QVERIFY(!parseDuration(u"soon", &why));
    QVERIFY2(why.contains(QLatin1String("1h30m")), qPrintable(why));
}

void tst_Units::formatDuration()
{
    QCOMPARE(qtus::formatDuration(std::chrono::seconds(90)), QStringLiteral("1m 30s"));
    QCOMPARE(qtus::formatDuration(std::chrono::hours(26)), QStringLiteral("1d 2h"));
    QCOMPARE(qtus::formatDuration(Duration(0)), QStringLiteral("0s"));
}

QTEST_GUILESS_MAIN(tst_Units)
#include "tst_units.moc"

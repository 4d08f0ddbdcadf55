// The Upload-Metadata header (rule CR3): what parses, what is rejected, and that values are
// bytes that round-trip unchanged.
#include "uploadmetadata.h"

#include <QTest>

using namespace qtus;

using Entries = QList<UploadMetadata::Entry>;

class tst_UploadMetadata : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void binaryValuesRoundTrip_data();
    void binaryValuesRoundTrip();
    void toHeaderRoundTrip();
    void value();
    void fileName_data();
    void fileName();
};

void tst_UploadMetadata::parse_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<Entries>("entries");

    // "hello" = aGVsbG8=, "world.txt" = d29ybGQudHh0, "a" = YQ==
    QTest::addRow("CR3 absent header") << QByteArray() << true << Entries{};
    QTest::addRow("CR3 blank header") << QByteArray("   ") << true << Entries{};
    QTest::addRow("CR3 one pair") << QByteArray("greeting aGVsbG8=") << true
                                  << Entries{{"greeting", "hello"}};
    QTest::addRow("CR3 two pairs keep order")
        << QByteArray("filename d29ybGQudHh0,greeting aGVsbG8=") << true
        << Entries{{"filename", "world.txt"}, {"greeting", "hello"}};
    QTest::addRow("CR3 spaces around commas") << QByteArray("a YQ== , b YQ==") << true
                                              << Entries{{"a", "a"}, {"b", "a"}};
    QTest::addRow("CR3 empty value without space") << QByteArray("is_confidential") << true
                                                   << Entries{{"is_confidential", ""}};
    QTest::addRow("CR3 empty value with space") << QByteArray("is_confidential ,a YQ==") << true
                                                << Entries{{"is_confidential", ""}, {"a", "a"}};
    QTest::addRow("CR3 empty value then pair") << QByteArray("flag,a YQ==") << true
                                               << Entries{{"flag", ""}, {"a", "a"}};
    QTest::addRow("CR3 key with punctuation") << QByteArray("x-file.name_1 YQ==") << true
                                              << Entries{{"x-file.name_1", "a"}};
    // Keys SHOULD be ASCII, but CR3 only forbids empty keys, spaces, commas and duplicates.
    QTest::addRow("CR3 UTF-8 key") << QByteArray("n\xc3\xa4me YQ==") << true
                                   << Entries{{"n\xc3\xa4me", "a"}};

    QTest::addRow("CR3 bad base64 character") << QByteArray("a Y!==") << false << Entries{};
    QTest::addRow("CR3 base64url is not base64") << QByteArray("a _-8=") << false << Entries{};
    QTest::addRow("CR3 missing padding") << QByteArray("a YQ") << false << Entries{};
    QTest::addRow("CR3 missing one pad") << QByteArray("a YWI") << false << Entries{};
    // A space before a pair is optional whitespace after the comma, so an empty key shows
    // up as an empty pair.
    QTest::addRow("CR3 empty key between commas") << QByteArray("a YQ==,,b YQ==") << false << Entries{};
    QTest::addRow("CR3 empty key first") << QByteArray(",a YQ==") << false << Entries{};
    QTest::addRow("CR3 trailing comma") << QByteArray("a YQ==,") << false << Entries{};
    QTest::addRow("CR3 duplicate key") << QByteArray("a YQ==,a YWI=") << false << Entries{};
    QTest::addRow("CR3 duplicate key, empty values") << QByteArray("a,a") << false << Entries{};
    QTest::addRow("CR3 two spaces") << QByteArray("a  YQ==") << false << Entries{};
    QTest::addRow("CR3 three words") << QByteArray("a YQ== YQ==") << false << Entries{};
    QTest::addRow("CR3 tab in key") << QByteArray("a\tb YQ==") << false << Entries{};
    QTest::addRow("CR3 control byte in key") << QByteArray("a\x01 YQ==") << false << Entries{};
}

void tst_UploadMetadata::parse()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    QFETCH(Entries, entries);
    const auto parsed = UploadMetadata::parse(header);
    QCOMPARE(parsed.has_value(), valid);
    if (valid && parsed)
        QCOMPARE(parsed->entries(), entries);
}

void tst_UploadMetadata::binaryValuesRoundTrip_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addRow("CR3 latin-1 byte") << QByteArray("caf\xe9");
    QTest::addRow("CR3 invalid UTF-8 sequence") << QByteArray("\xff\xfe\xc3\x28", 4);
    QTest::addRow("CR3 NUL bytes") << QByteArray("\0a\0", 3);
    QByteArray all(256, '\0');
    for (int i = 0; i < 256; ++i)
        all[i] = char(i);
    QTest::addRow("CR3 every byte value") << all;
    QTest::addRow("CR3 UTF-8 text") << QByteArray("\xe6\x97\xa5\xe6\x9c\xac.txt");
}

void tst_UploadMetadata::binaryValuesRoundTrip()
{
    QFETCH(QByteArray, value);
    const QByteArray header = "blob " + value.toBase64() + ",other YQ==";
    const auto parsed = UploadMetadata::parse(header);
    QVERIFY(parsed);
    QCOMPARE(parsed->value("blob"), std::optional<QByteArray>(value));
    // Encoding again gives back the exact bytes the client sent.
    QCOMPARE(parsed->toHeader(), header);
    const auto again = UploadMetadata::parse(parsed->toHeader());
    QVERIFY(again);
    QCOMPARE(again->entries(), parsed->entries());
}

void tst_UploadMetadata::toHeaderRoundTrip()
{
    const Entries entries{{"filename", "report.pdf"}, {"empty", ""}, {"type", "application/pdf"}};
    const UploadMetadata metadata = UploadMetadata::fromEntries(entries);
    const QByteArray header = metadata.toHeader();
    QCOMPARE(header, QByteArray("filename cmVwb3J0LnBkZg==,empty,type YXBwbGljYXRpb24vcGRm"));
    const auto parsed = UploadMetadata::parse(header);
    QVERIFY(parsed);
    QCOMPARE(parsed->entries(), entries);
}

void tst_UploadMetadata::value()
{
    const auto parsed = UploadMetadata::parse("a YQ==,empty");
    QVERIFY(parsed);
    QCOMPARE(parsed->value("a"), std::optional<QByteArray>("a"));
    QCOMPARE(parsed->value("empty"), std::optional<QByteArray>(QByteArray()));
    QVERIFY(!parsed->value("missing"));
    QVERIFY(!parsed->value("A"));  // keys are case-sensitive
}

void tst_UploadMetadata::fileName_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("fileName");
    const QByteArray report = QByteArray("report.pdf").toBase64();
    const QByteArray other = QByteArray("other.bin").toBase64();
    QTest::addRow("CR3 filename") << "filename " + report << QStringLiteral("report.pdf");
    QTest::addRow("CR3 name") << "name " + report << QStringLiteral("report.pdf");
    QTest::addRow("CR3 filename wins over name")
        << "name " + other + ",filename " + report << QStringLiteral("report.pdf");
    QTest::addRow("CR3 UTF-8 file name")
        << "filename " + QByteArray("r\xc3\xa9sum\xc3\xa9.txt").toBase64() << QStringLiteral(u"résumé.txt");
    QTest::addRow("CR3 neither") << "type " + report << QString();
    QTest::addRow("CR3 no metadata") << QByteArray() << QString();
}

void tst_UploadMetadata::fileName()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, fileName);
    const auto parsed = UploadMetadata::parse(header);
    QVERIFY(parsed);
    QCOMPARE(parsed->fileName(), fileName);
}

QTEST_GUILESS_MAIN(tst_UploadMetadata)
#include "tst_uploadmetadata.moc"

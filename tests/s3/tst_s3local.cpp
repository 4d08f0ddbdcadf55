// The parts of qtus_s3 that need no S3: the XML answers as S3 and RGW write them (s3xml.h),
// credentials from the environment and from a file, what makes a configuration unusable,
// and the file range an UploadPart streams (FileRangeDevice).
#include "filerangedevice.h"
#include "s3config.h"
#include "s3xml.h"

#include <QTemporaryDir>
#include <QTest>

using namespace qtus;

class tst_S3Local : public QObject
{
    Q_OBJECT
private slots:
    void errorDocument();
    void errorWithoutDocument();
    void initiateMultipartUpload();
    void listPartsPage();
    void listObjectsPage();
    void listMultipartUploadsPage();
    void completeAndCopyAnswers();
    void malformedAnswersAreProblems();
    void completeMultipartUploadBody();
    void credentialsFromEnvironment();
    void credentialsFile();
    void credentialsFileErrorsNameNoSecret();
    void configProblems();
    void fileRange();
    void fileRangeBeyondTheFile();

private:
    QString writeFile(const QString &name, const QByteArray &content);
    QTemporaryDir m_dir;
};

QString tst_S3Local::writeFile(const QString &name, const QByteArray &content)
{
    QFile file(m_dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return QString();
    return file.fileName();
}

void tst_S3Local::errorDocument()
{
    const QByteArray body = R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>
<BucketName>b</BucketName><RequestId>tx0001</RequestId><HostId>h</HostId></Error>)";
    const S3Error error = s3xml::parseError(404, body);
    QCOMPARE(error.httpStatus, 404);
    QCOMPARE(error.code, QStringLiteral("NoSuchKey"));
    QCOMPARE(error.message, QStringLiteral("The specified key does not exist."));
    QCOMPARE(error.requestId, QStringLiteral("tx0001"));
    QVERIFY(error.notFound());
    QVERIFY(!error.unreachable);
    QCOMPARE(error.describe(), QStringLiteral("404 NoSuchKey: The specified key does not exist. (request tx0001)"));
    // CompleteMultipartUpload may say 200 and then an error.
    QCOMPARE(s3xml::rootElement(body), QStringLiteral("Error"));
}

void tst_S3Local::errorWithoutDocument()
{
    // Cut at the 64 KiB S3Client keeps of an error: what came before the cut still counts.
    const S3Error cut = s3xml::parseError(503, "<Error><Code>SlowDown</Code><Message>Reduce</Message><Pad>xxxx");
    QCOMPARE(cut.code, QStringLiteral("SlowDown"));
    QCOMPARE(cut.message, QStringLiteral("Reduce"));

    for (const QByteArray &body : {QByteArray(), QByteArray("<html>bad gateway</html>"), QByteArray("\x01\x02")}) {
        const S3Error error = s3xml::parseError(502, body);
        QCOMPARE(error.httpStatus, 502);
        QVERIFY(error.code.isEmpty());
    }
}

void tst_S3Local::initiateMultipartUpload()
{
    QString problem;
    const auto id = s3xml::parseInitiateMultipartUpload(
        R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket>)"
        R"(<Key>k</Key><UploadId>2~abc/+=</UploadId></InitiateMultipartUploadResult>)",
        &problem);
    QVERIFY2(id, qPrintable(problem));
    QCOMPARE(*id, QStringLiteral("2~abc/+="));
}

void tst_S3Local::listPartsPage()
{
    QString problem;
    const auto page = s3xml::parseListParts(R"(<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Bucket>b</Bucket><Key>k</Key><UploadId>u</UploadId><Owner><ID>o</ID></Owner>
<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>
<MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>
<Part><LastModified>2024-01-01T00:00:00.000Z</LastModified><PartNumber>1</PartNumber>
<ETag>&quot;aa&quot;</ETag><Size>5242880</Size></Part>
<Part><PartNumber>2</PartNumber><ETag>bb</ETag><Size>7</Size></Part></ListPartsResult>)",
                                            &problem);
    QVERIFY2(page, qPrintable(problem));
    QVERIFY(page->truncated);
    QCOMPARE(page->nextPartNumberMarker, 2);
    QCOMPARE(page->parts.size(), 2);
    QCOMPARE(page->parts[0].number, 1);
    QCOMPARE(page->parts[0].size, qint64(5242880));
    QCOMPARE(page->parts[0].etag, QByteArray("\"aa\""));
    QCOMPARE(page->parts[1].etag, QByteArray("\"bb\""));  // quoted, as CompleteMultipartUpload wants
    QCOMPARE(S3PartList{page->parts}.totalSize(), qint64(5242887));
}

void tst_S3Local::listObjectsPage()
{
    QString problem;
    const auto page = s3xml::parseListObjectsV2(R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Name>b</Name><Prefix>p/</Prefix><KeyCount>1</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
<Contents><Key>p/a &amp; b</Key><LastModified>2024-05-06T07:08:09.123Z</LastModified>
<ETag>"e"</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>)",
                                                &problem);
    QVERIFY2(page, qPrintable(problem));
    QVERIFY(page->truncated);
    QCOMPARE(page->nextContinuationToken, QStringLiteral("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="));
    QCOMPARE(page->objects.size(), 1);
    QCOMPARE(page->objects[0].key, QStringLiteral("p/a & b"));
    QCOMPARE(page->objects[0].size, qint64(12));
    QCOMPARE(page->objects[0].etag, QByteArray("\"e\""));
    QCOMPARE(page->objects[0].lastModified, QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC));

    const auto empty = s3xml::parseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>", &problem);
    QVERIFY(empty);
    QVERIFY(empty->objects.isEmpty());
    QVERIFY(!empty->truncated);
}

void tst_S3Local::listMultipartUploadsPage()
{
    QString problem;
    const auto page = s3xml::parseListMultipartUploads(R"(<ListMultipartUploadsResult>
<Bucket>b</Bucket><NextKeyMarker>k2</NextKeyMarker><NextUploadIdMarker>u2</NextUploadIdMarker>
<IsTruncated>true</IsTruncated>
<Upload><Key>k1</Key><UploadId>u1</UploadId><Initiator><ID>i</ID></Initiator>
<Initiated>2024-01-02T03:04:05.000Z</Initiated></Upload>
<Upload><Key>k2</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>)",
                                                        &problem);
    QVERIFY2(page, qPrintable(problem));
    QVERIFY(page->truncated);
    QCOMPARE(page->nextKeyMarker, QStringLiteral("k2"));
    QCOMPARE(page->nextUploadIdMarker, QStringLiteral("u2"));
    QCOMPARE(page->uploads.size(), 2);
    QCOMPARE(page->uploads[0].uploadId, QStringLiteral("u1"));
    QCOMPARE(page->uploads[0].initiated, QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC));
}

void tst_S3Local::completeAndCopyAnswers()
{
    QString problem;
    // RGW: an empty ETag. Not an error: HeadObject has the object's.
    const auto completed = s3xml::parseCompleteMultipartUpload(
        "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag></ETag>"
        "</CompleteMultipartUploadResult>",
        &problem);
    QVERIFY2(completed, qPrintable(problem));
    QVERIFY(completed->isEmpty());
    // RGW: an ETag without quotes.
    const auto copied = s3xml::parseCopyPartResult(
        "<CopyPartResult><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>abc</ETag></CopyPartResult>",
        &problem);
    QVERIFY2(copied, qPrintable(problem));
    QCOMPARE(*copied, QByteArray("\"abc\""));
}

void tst_S3Local::malformedAnswersAreProblems()
{
    QString problem;
    QVERIFY(!s3xml::parseInitiateMultipartUpload("", &problem));
    QVERIFY(problem.contains(QLatin1String("no body")));
    QVERIFY(!s3xml::parseInitiateMultipartUpload("<InitiateMultipartUploadResult><UploadId>u", &problem));
    QVERIFY(problem.contains(QLatin1String("malformed")));
    QVERIFY(!s3xml::parseInitiateMultipartUpload("<Error><Code>X</Code></Error>", &problem));
    QVERIFY(problem.contains(QLatin1String("<Error>")));
    QVERIFY(!s3xml::parseInitiateMultipartUpload("<InitiateMultipartUploadResult/>", &problem));
    QVERIFY(!s3xml::parseListParts("<ListPartsResult><Part><PartNumber>x</PartNumber><Size>1</Size></Part></ListPartsResult>", &problem));
    QVERIFY(!s3xml::parseListParts("<ListPartsResult><Part><PartNumber>1</PartNumber><Size>-1</Size></Part></ListPartsResult>", &problem));
    // Truncated without a way on would list the same page for ever.
    QVERIFY(!s3xml::parseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", &problem));
    QVERIFY(!s3xml::parseListMultipartUploads("<ListMultipartUploadsResult><Upload><Key>k</Key></Upload></ListMultipartUploadsResult>", &problem));
}

void tst_S3Local::completeMultipartUploadBody()
{
    const QByteArray body = s3xml::completeMultipartUploadBody({{1, 5, "\"a\""}, {2, 1, "\"b\""}});
    QVERIFY2(body.contains("<Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part>"
                           "<Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>"),
             body.constData());
    QVERIFY(body.contains("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"));
}

void tst_S3Local::credentialsFromEnvironment()
{
    QProcessEnvironment environment;
    QVERIFY(!qtus::credentialsFromEnvironment(environment));
    environment.insert(QStringLiteral("AWS_ACCESS_KEY_ID"), QStringLiteral("AK"));
    QVERIFY(!qtus::credentialsFromEnvironment(environment));  // a key without its secret is nothing
    environment.insert(QStringLiteral("AWS_SECRET_ACCESS_KEY"), QStringLiteral("SK"));
    environment.insert(QStringLiteral("AWS_SESSION_TOKEN"), QStringLiteral("T"));
    const auto credentials = qtus::credentialsFromEnvironment(environment);
    QVERIFY(credentials);
    QCOMPARE(credentials->accessKey, QByteArray("AK"));
    QCOMPARE(credentials->secretKey, QByteArray("SK"));
    QCOMPARE(credentials->sessionToken, QByteArray("T"));
}

void tst_S3Local::credentialsFile()
{
    const QString path = writeFile(QStringLiteral("credentials"), R"(# written by hand
[other]
aws_access_key_id = OTHER
aws_secret_access_key = other-secret

[default]
AWS_ACCESS_KEY_ID=AKIA1
 aws_secret_access_key = wJalr/K7MDENG=
; a comment
region = ignored
)");
    QString error;
    const auto defaults = credentialsFromFile(path, &error);
    QVERIFY2(defaults, qPrintable(error));
    QCOMPARE(defaults->accessKey, QByteArray("AKIA1"));
    QCOMPARE(defaults->secretKey, QByteArray("wJalr/K7MDENG="));  // '=' inside the value stays
    QVERIFY(defaults->sessionToken.isEmpty());
    const auto other = credentialsFromFile(path, &error, QStringLiteral("other"));
    QVERIFY2(other, qPrintable(error));
    QCOMPARE(other->accessKey, QByteArray("OTHER"));
}

void tst_S3Local::credentialsFileErrorsNameNoSecret()
{
    QString error;
    QVERIFY(!credentialsFromFile(m_dir.filePath(QStringLiteral("absent")), &error));
    QVERIFY(error.contains(QLatin1String("absent")));

    const QString noSection = writeFile(QStringLiteral("nosection"), "[other]\naws_access_key_id = A\n");
    QVERIFY(!credentialsFromFile(noSection, &error));
    QVERIFY2(error.contains(QLatin1String("no [default] section")), qPrintable(error));

    const QString noSecret = writeFile(QStringLiteral("nosecret"), "[default]\naws_access_key_id = A\n");
    QVERIFY(!credentialsFromFile(noSecret, &error));
    QVERIFY2(error.contains(QLatin1String("aws_secret_access_key")), qPrintable(error));

    // A line without '=' may be a pasted secret: the error names the line, not its text.
    const QString pasted = writeFile(QStringLiteral("pasted"), "[default]\naws_access_key_id = A\nSUPERSECRET\n");
    QVERIFY(!credentialsFromFile(pasted, &error));
    QVERIFY2(error.contains(QLatin1String(":3:")), qPrintable(error));
    QVERIFY(!error.contains(QLatin1String("SUPERSECRET")));
}

void tst_S3Local::configProblems()
{
    S3Config config;
    config.endpoint = QUrl(QStringLiteral("http://127.0.0.1:7480"));
    config.bucket = QStringLiteral("b");
    config.credentials = {"AK", "SK", {}};
    QCOMPARE(config.problem(), QString());
    S3Config bad = config;
    bad.endpoint = QUrl(QStringLiteral("ftp://h"));
    QVERIFY(!bad.problem().isEmpty());
    bad.endpoint = QUrl(QStringLiteral("http://h/prefix"));
    QVERIFY(!bad.problem().isEmpty());
    bad = config;
    bad.bucket = QStringLiteral("a/b");
    QVERIFY(!bad.problem().isEmpty());
    bad = config;
    bad.credentials.secretKey.clear();
    QVERIFY(!bad.problem().isEmpty());
    QVERIFY(!bad.problem().contains(QLatin1String("SK")));
}

void tst_S3Local::fileRange()
{
    QByteArray content;
    for (int i = 0; i < 1000; ++i)
        content += char(i);
    const QString path = writeFile(QStringLiteral("range"), content);
    FileRangeDevice range(path, 100, 300);
    QVERIFY2(range.open(QIODevice::ReadOnly), qPrintable(range.errorString()));
    QVERIFY(!range.isSequential());
    QCOMPARE(range.size(), qint64(300));
    QCOMPARE(range.read(10), content.mid(100, 10));
    QCOMPARE(range.readAll(), content.mid(110, 290));
    QVERIFY(range.atEnd());
    QCOMPARE(range.read(1), QByteArray());
    // QNAM seeks back to 0 when it sends the body again.
    QVERIFY(range.seek(0));
    QCOMPARE(range.readAll(), content.mid(100, 300));
    QVERIFY(!range.seek(301));
    QVERIFY(!range.open(QIODevice::WriteOnly));
}

void tst_S3Local::fileRangeBeyondTheFile()
{
    const QString path = writeFile(QStringLiteral("short"), QByteArray(100, 'x'));
    FileRangeDevice beyond(path, 50, 51);
    QVERIFY(!beyond.open(QIODevice::ReadOnly));
    QVERIFY2(beyond.errorString().contains(QLatin1String("fewer")), qPrintable(beyond.errorString()));
    FileRangeDevice exact(path, 50, 50);
    QVERIFY(exact.open(QIODevice::ReadOnly));
    FileRangeDevice missing(m_dir.filePath(QStringLiteral("missing")), 0, 1);
    QVERIFY(!missing.open(QIODevice::ReadOnly));
}

QTEST_GUILESS_MAIN(tst_S3Local)
#include "tst_s3local.moc"

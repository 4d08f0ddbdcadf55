#include "s3xml.h"

#include <QHash>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

namespace qtus::s3xml {

namespace {

using Fields = QHash<QString, QString>;

// S3's answers are flat: a root whose children hold text, and repeated records (<Part>,
// <Contents>, <Upload>) whose children hold text. Deeper elements (<Owner><ID>) are skipped.
struct FlatDocument
{
    QString root;
    Fields fields;
    QList<Fields> records;
};

// What was read before any error stays in *doc; false and *problem when the body is not
// one whole XML document.
bool readFlat(const QByteArray &body, QStringView recordName, FlatDocument *doc, QString *problem)
{
    QXmlStreamReader xml(body);
    if (!xml.readNextStartElement()) {
        *problem = body.isEmpty() ? QStringLiteral("the answer has no body")
                                  : QStringLiteral("the answer is not XML: ") + xml.errorString();
        return false;
    }
    doc->root = xml.name().toString();
    while (xml.readNextStartElement()) {
        const QString name = xml.name().toString();
        if (name == recordName) {
            Fields record;
            while (xml.readNextStartElement()) {
                const QString field = xml.name().toString();
                record.insert(field, xml.readElementText(QXmlStreamReader::SkipChildElements));
            }
            doc->records.append(record);
        } else {
            const QString text = xml.readElementText(QXmlStreamReader::SkipChildElements);
            if (!xml.hasError())
                doc->fields.insert(name, text);
        }
    }
    if (xml.hasError()) {
        *problem = QStringLiteral("malformed XML answer: ") + xml.errorString();
        return false;
    }
    return true;
}

std::optional<FlatDocument> readRoot(const QByteArray &body, QStringView root, QStringView recordName,
                                     QString *problem)
{
    FlatDocument doc;
    if (!readFlat(body, recordName, &doc, problem))
        return std::nullopt;
    if (doc.root != root) {
        *problem = QStringLiteral("expected <%1>, the answer is <%2>").arg(root, doc.root);
        return std::nullopt;
    }
    return doc;
}

bool isTrue(const QString &text)
{
    return text.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0;
}

// S3 quotes ETags; RGW's CopyPartResult does not. Quoted, as CompleteMultipartUpload wants.
QByteArray quoted(const QString &etag)
{
    const QByteArray bytes = etag.toUtf8();
    if (bytes.isEmpty() || bytes.startsWith('"'))
        return bytes;
    return '"' + bytes + '"';
}

QDateTime isoDate(const QString &text)
{
    QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    return time.isValid() ? time.toUTC() : QDateTime();
}

} // namespace

QString rootElement(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    return xml.readNextStartElement() ? xml.name().toString() : QString();
}

S3Error parseError(int httpStatus, const QByteArray &body)
{
    S3Error error;
    error.httpStatus = httpStatus;
    QString problem;
    FlatDocument doc;
    readFlat(body, u"", &doc, &problem);  // what came before a cut (at maxErrorBody) counts
    if (doc.root == QLatin1String("Error")) {
        error.code = doc.fields.value(QStringLiteral("Code"));
        error.message = doc.fields.value(QStringLiteral("Message"));
        error.requestId = doc.fields.value(QStringLiteral("RequestId"));
    }
    return error;
}

std::optional<QString> parseInitiateMultipartUpload(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"InitiateMultipartUploadResult", u"", problem);
    if (!doc)
        return std::nullopt;
    const QString id = doc->fields.value(QStringLiteral("UploadId"));
    if (id.isEmpty()) {
        *problem = QStringLiteral("the answer names no UploadId");
        return std::nullopt;
    }
    return id;
}

std::optional<QByteArray> parseCopyPartResult(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"CopyPartResult", u"", problem);
    if (!doc)
        return std::nullopt;
    const QString etag = doc->fields.value(QStringLiteral("ETag"));
    if (etag.isEmpty()) {
        *problem = QStringLiteral("the answer names no ETag");
        return std::nullopt;
    }
    return quoted(etag);
}

std::optional<QByteArray> parseCompleteMultipartUpload(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"CompleteMultipartUploadResult", u"", problem);
    if (!doc)
        return std::nullopt;
    return doc->fields.value(QStringLiteral("ETag")).toUtf8();  // RGW sends <ETag></ETag>
}

std::optional<PartsPage> parseListParts(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"ListPartsResult", u"Part", problem);
    if (!doc)
        return std::nullopt;
    PartsPage page;
    page.truncated = isTrue(doc->fields.value(QStringLiteral("IsTruncated")));
    page.nextPartNumberMarker = doc->fields.value(QStringLiteral("NextPartNumberMarker")).toInt();
    for (const Fields &record : doc->records) {
        S3Part part;
        bool numberOk = false;
        bool sizeOk = false;
        part.number = record.value(QStringLiteral("PartNumber")).toInt(&numberOk);
        part.size = record.value(QStringLiteral("Size")).toLongLong(&sizeOk);
        part.etag = quoted(record.value(QStringLiteral("ETag")));
        if (!numberOk || !sizeOk || part.number < 1 || part.size < 0) {
            *problem = QStringLiteral("a <Part> without a valid PartNumber and Size");
            return std::nullopt;
        }
        page.parts.append(part);
    }
    return page;
}

std::optional<S3ObjectPage> parseListObjectsV2(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"ListBucketResult", u"Contents", problem);
    if (!doc)
        return std::nullopt;
    S3ObjectPage page;
    page.truncated = isTrue(doc->fields.value(QStringLiteral("IsTruncated")));
    page.nextContinuationToken = doc->fields.value(QStringLiteral("NextContinuationToken"));
    if (page.truncated && page.nextContinuationToken.isEmpty()) {
        *problem = QStringLiteral("a truncated listing without NextContinuationToken");
        return std::nullopt;
    }
    for (const Fields &record : doc->records) {
        S3ObjectInfo object;
        bool sizeOk = false;
        object.key = record.value(QStringLiteral("Key"));
        object.size = record.value(QStringLiteral("Size")).toLongLong(&sizeOk);
        object.etag = record.value(QStringLiteral("ETag")).toUtf8();
        object.lastModified = isoDate(record.value(QStringLiteral("LastModified")));
        if (object.key.isEmpty() || !sizeOk) {
            *problem = QStringLiteral("a <Contents> without Key or Size");
            return std::nullopt;
        }
        page.objects.append(object);
    }
    return page;
}

std::optional<S3UploadPage> parseListMultipartUploads(const QByteArray &body, QString *problem)
{
    const auto doc = readRoot(body, u"ListMultipartUploadsResult", u"Upload", problem);
    if (!doc)
        return std::nullopt;
    S3UploadPage page;
    page.truncated = isTrue(doc->fields.value(QStringLiteral("IsTruncated")));
    page.nextKeyMarker = doc->fields.value(QStringLiteral("NextKeyMarker"));
    page.nextUploadIdMarker = doc->fields.value(QStringLiteral("NextUploadIdMarker"));
    for (const Fields &record : doc->records) {
        S3MultipartUpload upload;
        upload.key = record.value(QStringLiteral("Key"));
        upload.uploadId = record.value(QStringLiteral("UploadId"));
        upload.initiated = isoDate(record.value(QStringLiteral("Initiated")));
        if (upload.key.isEmpty() || upload.uploadId.isEmpty()) {
            *problem = QStringLiteral("an <Upload> without Key or UploadId");
            return std::nullopt;
        }
        page.uploads.append(upload);
    }
    return page;
}

QByteArray completeMultipartUploadBody(const QList<S3Part> &parts)
{
    QByteArray body;
    QXmlStreamWriter xml(&body);
    xml.writeStartDocument();
    xml.writeStartElement(QStringLiteral("CompleteMultipartUpload"));
    xml.writeDefaultNamespace(QStringLiteral("http://s3.amazonaws.com/doc/2006-03-01/"));
    for (const S3Part &part : parts) {
        xml.writeStartElement(QStringLiteral("Part"));
        xml.writeTextElement(QStringLiteral("PartNumber"), QString::number(part.number));
        xml.writeTextElement(QStringLiteral("ETag"), QString::fromUtf8(part.etag));
        xml.writeEndElement();
    }
    xml.writeEndElement();
    xml.writeEndDocument();
    return body;
}

} // namespace qtus::s3xml

// S3Client's operations: each fills in a Call and reads its answer's value.
#include "filerangedevice.h"
#include "s3client.h"
#include "s3xml.h"

#include <QMetaObject>
#include <QNetworkReply>

namespace qtus {

namespace {

const QByteArray octetStream = QByteArrayLiteral("application/octet-stream");

// S3 lets an upload have this many parts; ListParts never has to page further.
constexpr int maxParts = 10000;

template <typename T>
S3Result<T> failed(const S3Error &error)
{
    return S3Result<T>{error, T{}};
}

template <typename T>
S3Result<T> failed(int status, const QString &message)
{
    return failed<T>(S3Error{status, QString(), message, QString(), false});
}

// The value an XML answer holds, or why there is none.
// Answer is S3Client::Answer (private to the client, so deduced here).
template <typename T, typename Answer, typename Parse>
S3Result<T> parsed(const std::optional<S3Error> &error, const Answer &answer, Parse parse)
{
    if (error)
        return failed<T>(*error);
    QString problem;
    std::optional<T> value = parse(answer.body, &problem);
    if (!value)
        return failed<T>(answer.status, problem);
    return S3Result<T>{std::nullopt, std::move(*value)};
}

template <typename Answer>
S3Result<QByteArray> etagHeader(const std::optional<S3Error> &error, const Answer &answer)
{
    if (error)
        return failed<QByteArray>(*error);
    const QByteArray etag = answer.reply->rawHeader("ETag");
    if (etag.isEmpty())
        return failed<QByteArray>(answer.status, QStringLiteral("the answer has no ETag"));
    return S3Result<QByteArray>{std::nullopt, etag};
}

S3Status status(const std::optional<S3Error> &error)
{
    return error ? failed<std::monostate>(*error) : S3Status{};
}

QByteArray number(qint64 value)
{
    return QByteArray::number(value);
}

// QNAM puts a Content-Type of its own on a POST without one, after we signed none.
QByteArray contentTypeOr(const QByteArray &contentType)
{
    return contentType.isEmpty() ? octetStream : contentType;
}

} // namespace

void S3Client::createBucket(QObject *context, Callback<std::monostate> done)
{
    exchange({"PUT", QString(), {}, {}, {}, nullptr}, context,
             [done = std::move(done)](const auto &error, const Answer &) { done(status(error)); });
}

void S3Client::createMultipartUpload(const QString &key, const QByteArray &contentType, QObject *context,
                                     Callback<QString> done)
{
    exchange({"POST", key, {{"uploads", ""}}, {{"content-type", contentTypeOr(contentType)}}, {}, nullptr}, context,
             [done = std::move(done)](const auto &error, const Answer &answer) {
                 done(parsed<QString>(error, answer, s3xml::parseInitiateMultipartUpload));
             });
}

void S3Client::uploadPart(const QString &key, const QString &uploadId, int partNumber, const QString &path,
                          qint64 offset, qint64 length, QObject *context, Callback<QByteArray> done)
{
    auto *body = new FileRangeDevice(path, offset, length, this);
    if (!body->open(QIODevice::ReadOnly)) {
        const QString problem = body->errorString();
        delete body;
        // Later, as every answer comes: the caller's state is not in the middle of a call.
        QMetaObject::invokeMethod(
            context ? context : this, [done = std::move(done), problem] { done(failed<QByteArray>(0, problem)); },
            Qt::QueuedConnection);
        return;
    }
    Call call{"PUT", key, {{"partNumber", number(partNumber)}, {"uploadId", uploadId.toUtf8()}},
              {{"content-type", octetStream}}, {}, body};
    exchange(std::move(call), context,
             [done = std::move(done)](const auto &error, const Answer &answer) { done(etagHeader(error, answer)); });
}

void S3Client::uploadPartCopy(const QString &key, const QString &uploadId, int partNumber, const QString &sourceKey,
                              std::optional<S3ByteRange> range, QObject *context, Callback<QByteArray> done)
{
    Call call{"PUT", key, {{"partNumber", number(partNumber)}, {"uploadId", uploadId.toUtf8()}},
              {{"x-amz-copy-source", sigv4::objectPath(m_config.bucket, sourceKey)}}, {}, nullptr};
    if (range)
        call.headers.append({"x-amz-copy-source-range", range->headerValue()});
    exchange(std::move(call), context, [done = std::move(done)](const auto &error, const Answer &answer) {
        done(parsed<QByteArray>(error, answer, s3xml::parseCopyPartResult));
    });
}

void S3Client::listParts(const QString &key, const QString &uploadId, QObject *context, Callback<S3PartList> done)
{
    listPartsFrom(key, uploadId, 0, S3PartList{}, context, std::move(done));
}

void S3Client::listPartsFrom(const QString &key, const QString &uploadId, int marker, S3PartList soFar,
                             QObject *context, Callback<S3PartList> done)
{
    Call call{"GET", key, {{"uploadId", uploadId.toUtf8()}, {"max-parts", "1000"}}, {}, {}, nullptr};
    if (marker > 0)
        call.query.append({"part-number-marker", number(marker)});
    exchange(std::move(call), context,
             [this, key, uploadId, marker, soFar = std::move(soFar), context, done = std::move(done)](
                 const auto &error, const Answer &answer) mutable {
                 auto page = parsed<s3xml::PartsPage>(error, answer, s3xml::parseListParts);
                 if (!page.ok())
                     return done(failed<S3PartList>(*page.error));
                 soFar.parts += page.value.parts;
                 if (!page.value.truncated)
                     return done(S3Result<S3PartList>{std::nullopt, std::move(soFar)});
                 // Each page must move on, and an upload has at most 10,000 parts.
                 if (page.value.nextPartNumberMarker <= marker || soFar.parts.size() >= maxParts)
                     return done(failed<S3PartList>(answer.status, QStringLiteral("ListParts does not end")));
                 listPartsFrom(key, uploadId, page.value.nextPartNumberMarker, std::move(soFar), context,
                               std::move(done));
             });
}

void S3Client::completeMultipartUpload(const QString &key, const QString &uploadId, const QList<S3Part> &parts,
                                       QObject *context, Callback<QByteArray> done)
{
    exchange({"POST", key, {{"uploadId", uploadId.toUtf8()}}, {{"content-type", "application/xml"}},
              s3xml::completeMultipartUploadBody(parts), nullptr},
             context, [done = std::move(done)](const auto &error, const Answer &answer) {
                 done(parsed<QByteArray>(error, answer, s3xml::parseCompleteMultipartUpload));
             });
}

void S3Client::abortMultipartUpload(const QString &key, const QString &uploadId, QObject *context,
                                    Callback<std::monostate> done)
{
    exchange({"DELETE", key, {{"uploadId", uploadId.toUtf8()}}, {}, {}, nullptr}, context,
             [done = std::move(done)](const auto &error, const Answer &) { done(status(error)); });
}

void S3Client::listMultipartUploads(const QString &prefix, const QString &keyMarker, const QString &uploadIdMarker,
                                    int maxUploads, QObject *context, Callback<S3UploadPage> done)
{
    Call call{"GET", QString(), {{"uploads", ""}, {"max-uploads", number(maxUploads)}}, {}, {}, nullptr};
    if (!prefix.isEmpty())
        call.query.append({"prefix", prefix.toUtf8()});
    if (!keyMarker.isEmpty())
        call.query.append({"key-marker", keyMarker.toUtf8()});
    if (!uploadIdMarker.isEmpty())
        call.query.append({"upload-id-marker", uploadIdMarker.toUtf8()});
    exchange(std::move(call), context, [done = std::move(done)](const auto &error, const Answer &answer) {
        done(parsed<S3UploadPage>(error, answer, s3xml::parseListMultipartUploads));
    });
}

void S3Client::putObject(const QString &key, const QByteArray &body, const QByteArray &contentType,
                         QObject *context, Callback<QByteArray> done)
{
    exchange({"PUT", key, {}, {{"content-type", contentTypeOr(contentType)}}, body, nullptr}, context,
             [done = std::move(done)](const auto &error, const Answer &answer) { done(etagHeader(error, answer)); });
}

void S3Client::headObject(const QString &key, QObject *context, Callback<S3ObjectInfo> done)
{
    exchange({"HEAD", key, {}, {}, {}, nullptr}, context,
             [key, done = std::move(done)](const auto &error, const Answer &answer) {
                 if (error)
                     return done(failed<S3ObjectInfo>(*error));
                 S3ObjectInfo info;
                 info.key = key;
                 const QVariant length = answer.reply->header(QNetworkRequest::ContentLengthHeader);
                 info.size = length.isValid() ? length.toLongLong() : -1;
                 info.etag = answer.reply->rawHeader("ETag");
                 info.contentType = answer.reply->rawHeader("Content-Type");
                 info.lastModified = answer.reply->header(QNetworkRequest::LastModifiedHeader).toDateTime().toUTC();
                 done(S3Result<S3ObjectInfo>{std::nullopt, info});
             });
}

void S3Client::deleteObject(const QString &key, QObject *context, Callback<std::monostate> done)
{
    exchange({"DELETE", key, {}, {}, {}, nullptr}, context,
             [done = std::move(done)](const auto &error, const Answer &) { done(status(error)); });
}

void S3Client::listObjects(const QString &prefix, const QString &continuationToken, int maxKeys, QObject *context,
                           Callback<S3ObjectPage> done)
{
    Call call{"GET", QString(), {{"list-type", "2"}, {"max-keys", number(maxKeys)}}, {}, {}, nullptr};
    if (!prefix.isEmpty())
        call.query.append({"prefix", prefix.toUtf8()});
    if (!continuationToken.isEmpty())
        call.query.append({"continuation-token", continuationToken.toUtf8()});
    exchange(std::move(call), context, [done = std::move(done)](const auto &error, const Answer &answer) {
        done(parsed<S3ObjectPage>(error, answer, s3xml::parseListObjectsV2));
    });
}

} // namespace qtus

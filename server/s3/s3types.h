#pragma once
// What S3Client's operations answer: an S3Error when they fail, else the values S3 returned.
//
// Threads: any (plain values).
#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>
#include <variant>

namespace qtus {

struct S3Error
{
    int httpStatus = 0;        // 0 when no HTTP answer came
    QString code;              // S3's <Code> (NoSuchKey, EntityTooSmall, SignatureDoesNotMatch...)
    QString message;           // S3's <Message>, or what went wrong on the way
    QString requestId;         // S3's <RequestId>, for the logs
    // No answer, or none whole: connection refused or reset, name not found, TLS failure,
    // nothing moved for the transfer timeout. The store is down, not the request wrong: a
    // server answers its own client 503.
    bool unreachable = false;

    bool notFound() const { return httpStatus == 404; }
    // One line for a log: "404 NoSuchKey: The specified key does not exist. (request tx00...)"
    QString describe() const;
};

template <typename T>
struct S3Result
{
    std::optional<S3Error> error;
    T value{};  // meaningful when ok()

    bool ok() const { return !error.has_value(); }
};

using S3Status = S3Result<std::monostate>;  // operations that answer nothing but success

// One part of a multipart upload. etag is as S3 sends it, quotes included, which is how
// CompleteMultipartUpload wants it back.
struct S3Part
{
    int number = 0;
    qint64 size = 0;
    QByteArray etag;
};

struct S3PartList
{
    QList<S3Part> parts;  // by part number

    qint64 totalSize() const;  // what a resumed upload's offset is
};

struct S3ObjectInfo
{
    QString key;
    qint64 size = -1;
    QByteArray etag;
    QByteArray contentType;  // HeadObject and GetObject only
    QDateTime lastModified;
};

// One page of ListObjectsV2; ask again with nextContinuationToken while truncated.
struct S3ObjectPage
{
    QList<S3ObjectInfo> objects;
    bool truncated = false;
    QString nextContinuationToken;
};

struct S3MultipartUpload
{
    QString key;
    QString uploadId;
    QDateTime initiated;
};

// One page of ListMultipartUploads; ask again with both markers while truncated.
struct S3UploadPage
{
    QList<S3MultipartUpload> uploads;
    bool truncated = false;
    QString nextKeyMarker;
    QString nextUploadIdMarker;
};

// Bytes first..last of an object, both included; last -1 for "to the end".
struct S3ByteRange
{
    qint64 first = 0;
    qint64 last = -1;

    QByteArray headerValue() const;  // "bytes=0-9", "bytes=5-"
};

} // namespace qtus

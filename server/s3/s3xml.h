#pragma once
// The XML of S3's answers, read with QXmlStreamReader, and the one document qtus sends
// (CompleteMultipartUpload). Pure functions over bodies S3Client has already bounded; names
// are matched without namespace, as S3 and RGW differ in whether they declare one.
//
// Threads: any (pure).
#include "s3types.h"

namespace qtus::s3xml {

// The root element's name, "" if body is not XML. CompleteMultipartUpload and UploadPartCopy
// may answer 200 and an <Error> document.
QString rootElement(const QByteArray &body);

// An <Error> document's Code, Message and RequestId; with only the status when the body is
// empty (HEAD) or not S3's. Never fails.
S3Error parseError(int httpStatus, const QByteArray &body);

// Each parser returns nullopt and sets *problem when the document is not what S3 sends.
std::optional<QString> parseInitiateMultipartUpload(const QByteArray &body, QString *problem);  // UploadId
std::optional<QByteArray> parseCopyPartResult(const QByteArray &body, QString *problem);        // ETag
std::optional<QByteArray> parseCompleteMultipartUpload(const QByteArray &body, QString *problem);  // ETag, may be empty (RGW)

struct PartsPage
{
    QList<S3Part> parts;
    bool truncated = false;
    int nextPartNumberMarker = 0;
};
std::optional<PartsPage> parseListParts(const QByteArray &body, QString *problem);
std::optional<S3ObjectPage> parseListObjectsV2(const QByteArray &body, QString *problem);
std::optional<S3UploadPage> parseListMultipartUploads(const QByteArray &body, QString *problem);

QByteArray completeMultipartUploadBody(const QList<S3Part> &parts);

} // namespace qtus::s3xml

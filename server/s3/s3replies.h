#pragma once
// How S3Client and S3ObjectReader read an answer: the bounds on what they buffer, and the
// one judgement of whether a finished reply failed. Internal to qtus_s3.
//
// Threads: the thread of the reply.
#include "s3types.h"

#include <chrono>

class QNetworkReply;

namespace qtus::s3replies {

// The largest 2xx answer buffered whole: XML documents. A ListObjectsV2 page of 1,000 keys
// of up to 1 KiB each, with their ETags and dates, stays under 2 MiB.
inline constexpr qint64 maxAnswer = 4 * 1024 * 1024;
// The part of an error answer kept (to read its Code and Message); the rest is drained.
inline constexpr qint64 maxErrorBody = 64 * 1024;
// How much of an object a GetObject reply holds when its reader reads slower than S3 sends.
inline constexpr qint64 readBuffer = 1024 * 1024;

// nullopt when the finished reply is a success: a 2xx answer that came whole and is not an
// <Error> document (CompleteMultipartUpload and UploadPartCopy may send one under 200).
// body is what was kept of the answer.
std::optional<S3Error> failure(QNetworkReply *reply, const QByteArray &body,
                               std::chrono::milliseconds transferTimeout);

bool isSuccess(int httpStatus);
int statusOf(QNetworkReply *reply);

} // namespace qtus::s3replies

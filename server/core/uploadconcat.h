#pragma once
// The concatenation extension's header (rules CC1–CC4): "Upload-Concat: partial" or
// "Upload-Concat: final;<url> <url> ...". A final upload may only name uploads of this
// server: each URL (absolute, or a path) must lie under the base path and end in a
// well-formed id, so no URL can lead to a file outside the store.
#include "tuserror.h"
#include "uploadinfo.h"

#include <QStringList>
#include <optional>

namespace qtus {

struct UploadConcat
{
    enum class Kind { None, Partial, Final };
    Kind kind = Kind::None;
    QStringList partIds;  // for Final, in order
};

// The most partial uploads one final may name. Assembling a final copies every part's bytes:
// without a bound, one small request naming a large part hundreds of times wrote gigabytes.
// A part may also be named only once. tus-js-client's parallelUploads uses a handful.
constexpr int maxConcatParts = 128;

// paths: the URL paths uploads are known under (the base path, and --base-url's path).
// Refuses more than maxConcatParts parts, and a part named twice.
std::optional<TusError> parseUploadConcat(const QByteArray &header, const QByteArrayList &paths, UploadConcat *out);

// The Upload-Concat value HEAD echoes for a partial or final upload (rule CC3); empty otherwise.
QByteArray uploadConcatHeader(const UploadInfo &info, const QByteArray &basePath);

} // namespace qtus

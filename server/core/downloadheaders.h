#pragma once
// Header values for downloads of completed uploads: the Range request header (one byte
// range, RFC 9110 section 14) and Content-Type / Content-Disposition derived from the
// client's metadata, which is untrusted: anything unusual becomes a safe default.
#include <QByteArray>
#include <QString>

namespace qtus {

struct ByteRange
{
    enum class Kind { Whole, Partial, Unsatisfiable };
    Kind kind = Kind::Whole;
    qint64 start = 0;
    qint64 length = 0;
};

// size: the file's length. A missing, malformed or multi-range header means the whole file.
ByteRange parseRange(const QByteArray &header, qint64 size);

// "type/subtype" from metadata, or application/octet-stream when it is not a plain media type.
QByteArray safeContentType(const QByteArray &type);

// attachment; filename="ascii-only"; filename*=UTF-8''percent-encoded (RFC 6266)
QByteArray contentDisposition(const QString &fileName);

} // namespace qtus

// TusHandler, the GET of a completed upload (--downloads): type, disposition, ranges, and
// the headers that keep a browser from running what was uploaded. Split from tushandler.cpp
// by responsibility.
#include "tushandler.h"

#include "downloadheaders.h"
#include "tushandlerinternal.h"
#include "uploadmetadata.h"

namespace qtus {

using namespace handlerdetail;

TusResponse TusHandler::download(const TusRequest &request, const QString &id) const
{
    const auto info = m_store.find(id);
    if (!info || !info->isComplete())
        return errorResponse(TusError::NotFound);  // only completed uploads are downloads
    const auto metadata = UploadMetadata::parse(info->metadataHeader);
    QByteArray type;
    if (metadata)
        type = metadata->value("filetype").value_or(metadata->value("type").value_or(QByteArray()));
    TusResponse r;
    r.status = 200;
    r.setHeader("Content-Type", safeContentType(type));
    r.setHeader("Content-Disposition", contentDisposition(info->fileName()));
    r.setHeader("Accept-Ranges", "bytes");
    r.setHeader("Cache-Control", "no-store");
    // The bytes are whatever a client uploaded: a browser must not sniff them into HTML or
    // script, and an HTML or SVG upload opened from this origin runs sandboxed.
    r.setHeader("X-Content-Type-Options", "nosniff");
    r.setHeader("Content-Security-Policy", "sandbox");
    const ByteRange range = parseRange(request.header("Range"), info->size);
    if (range.kind == ByteRange::Kind::Unsatisfiable) {
        TusResponse refused = errorResponse(TusError::RangeNotSatisfiable);
        refused.setHeader("Content-Range", "bytes */" + QByteArray::number(info->size));
        return refused;
    }
    if (range.kind == ByteRange::Kind::Partial) {
        r.status = 206;
        r.setHeader("Content-Range", "bytes " + QByteArray::number(range.start) + '-'
                                         + QByteArray::number(range.start + range.length - 1) + '/'
                                         + QByteArray::number(info->size));
    }
    if (range.length > 0) {  // an empty upload's bytes need no file (nor may it have one)
        r.bodyReader = m_store.openContent(id, range.start, range.length);
        r.bodyLength = range.length;
    }
    return finalize(std::move(r));
}

} // namespace qtus

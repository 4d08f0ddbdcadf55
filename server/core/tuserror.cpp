#include "tuserror.h"

namespace qtus {

TusErrorDescription describe(TusError error)
{
    switch (error) {
    case TusError::NotFound: return {404, "upload not found"};
    case TusError::Gone: return {410, "upload expired"};
    case TusError::MethodNotAllowed: return {405, "method not allowed"};
    case TusError::VersionMissing: return {412, "missing Tus-Resumable header"};
    case TusError::VersionUnsupported: return {412, "unsupported tus version"};
    case TusError::UnsupportedMediaType: return {415, "Content-Type must be application/offset+octet-stream"};
    case TusError::OffsetMissing: return {400, "missing Upload-Offset header"};
    case TusError::OffsetInvalid: return {400, "invalid Upload-Offset header"};
    case TusError::OffsetMismatch: return {409, "Upload-Offset does not match the upload's offset"};
    case TusError::LengthInvalid: return {400, "invalid Upload-Length header"};
    case TusError::LengthAndDeferBoth: return {400, "Upload-Length and Upload-Defer-Length are mutually exclusive"};
    case TusError::LengthAndDeferNeither: return {400, "missing Upload-Length or Upload-Defer-Length header"};
    case TusError::DeferLengthInvalid: return {400, "Upload-Defer-Length must be 1"};
    case TusError::LengthAlreadySet: return {400, "Upload-Length cannot be changed once set"};
    case TusError::LengthBelowOffset: return {400, "Upload-Length is smaller than the bytes already received"};
    case TusError::MetadataInvalid: return {400, "invalid Upload-Metadata header"};
    case TusError::UploadTooLarge: return {413, "upload exceeds the maximum size"};
    case TusError::BodyTooLarge: return {413, "request body exceeds the maximum size"};
    case TusError::BodyExceedsLength: return {400, "request body exceeds the upload's length"};
    case TusError::ContentLengthInvalid: return {400, "invalid Content-Length header"};
    case TusError::Locked: return {423, "upload is being written by another request"};
    case TusError::StorageFull: return {507, "no space left on the upload storage"};
    case TusError::StorageFailure: return {500, "I/O error on the upload storage"};
    case TusError::ChecksumMismatch: return {460, "Checksum Mismatch"};
    case TusError::ChecksumAlgorithmUnsupported: return {400, "unsupported checksum algorithm"};
    case TusError::ChecksumInvalid: return {400, "invalid Upload-Checksum header"};
    case TusError::ConcatInvalid: return {400, "invalid Upload-Concat header"};
    case TusError::ConcatPartForeign: return {400, "partial upload URL does not name an upload of this server"};
    case TusError::ConcatPartUnknown: return {400, "partial upload not found"};
    case TusError::ConcatPartNotPartial: return {400, "upload is not a partial upload"};
    case TusError::ConcatPartIncomplete: return {400, "partial upload is not complete"};
    case TusError::ConcatPartRepeated: return {400, "a partial upload is named more than once"};
    case TusError::ConcatTooManyParts: return {400, "a final upload may name at most 128 partial uploads"};
    case TusError::ConcatFinalWithLength: return {400, "a final upload takes its length from its partial uploads"};
    case TusError::ConcatFinalPatch: return {403, "final uploads cannot be patched"};
    case TusError::RangeNotSatisfiable: return {416, "requested range not satisfiable"};
    case TusError::HookRefused: return {403, "upload refused"};
    case TusError::HookUnavailable: return {503, "upload cannot be accepted right now"};
    case TusError::UploadExists: return {409, "an upload with this id exists"};
    case TusError::StorageUnavailable: return {503, "storage unreachable, try again"};
    case TusError::LockUnavailable: return {503, "upload locks unavailable, try again"};
    case TusError::ExtensionUnsupported: return {400, "this server's storage does not support that extension"};
    case TusError::RequestLineTooLong: return {414, "request line too long"};
    case TusError::HeaderTooLarge: return {431, "request header fields too large"};
    case TusError::MalformedRequestLine: return {400, "malformed request line"};
    case TusError::UnsupportedHttpVersion: return {400, "only HTTP/1.0 and HTTP/1.1 are supported"};
    case TusError::MalformedHeader: return {400, "malformed header field"};
    case TusError::MissingHost: return {400, "missing Host header"};
    case TusError::DuplicateHost: return {400, "more than one Host header"};
    case TusError::BareLineFeed: return {400, "line ends must be CRLF"};
    case TusError::MalformedPath: return {400, "percent-escapes, dot-segments and empty segments are not allowed in the path"};
    case TusError::ConflictingContentLength: return {400, "conflicting Content-Length headers"};
    case TusError::LengthWithTransferEncoding: return {400, "Content-Length together with Transfer-Encoding"};
    case TusError::UnsupportedTransferEncoding: return {400, "unsupported Transfer-Encoding"};
    case TusError::MalformedChunk: return {400, "malformed chunked body"};
    case TusError::UnexpectedBody: return {400, "this request takes no body"};
    case TusError::TooManyConnections: return {503, "too many connections"};
    }
    return {500, "internal error"};
}

QByteArray statusReasonPhrase(int status)
{
    // Literals: static data, no allocation per response.
    switch (status) {
    case 100: return QByteArrayLiteral("Continue");
    case 200: return QByteArrayLiteral("OK");
    case 201: return QByteArrayLiteral("Created");
    case 204: return QByteArrayLiteral("No Content");
    case 206: return QByteArrayLiteral("Partial Content");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 403: return QByteArrayLiteral("Forbidden");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 409: return QByteArrayLiteral("Conflict");
    case 410: return QByteArrayLiteral("Gone");
    case 412: return QByteArrayLiteral("Precondition Failed");
    case 413: return QByteArrayLiteral("Content Too Large");
    case 414: return QByteArrayLiteral("URI Too Long");
    case 415: return QByteArrayLiteral("Unsupported Media Type");
    case 416: return QByteArrayLiteral("Range Not Satisfiable");
    case 423: return QByteArrayLiteral("Locked");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 460: return QByteArrayLiteral("Checksum Mismatch");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 503: return QByteArrayLiteral("Service Unavailable");
    case 507: return QByteArrayLiteral("Insufficient Storage");
    }
    return {};
}

} // namespace qtus

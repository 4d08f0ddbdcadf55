#pragma once
// Every way a tus request can fail, and the one table that maps each to its HTTP status
// and the short plain-text reason sent to the client.
#include <QByteArray>

namespace qtus {

enum class TusError {
    NotFound,
    Gone,
    MethodNotAllowed,
    VersionMissing,
    VersionUnsupported,
    UnsupportedMediaType,
    OffsetMissing,
    OffsetInvalid,
    OffsetMismatch,
    LengthInvalid,
    LengthAndDeferBoth,
    LengthAndDeferNeither,
    DeferLengthInvalid,
    LengthAlreadySet,
    LengthBelowOffset,
    MetadataInvalid,
    UploadTooLarge,
    BodyTooLarge,
    BodyExceedsLength,
    ContentLengthInvalid,
    Locked,
    StorageFull,
    StorageFailure,
    ChecksumMismatch,
    ChecksumAlgorithmUnsupported,
    ChecksumInvalid,
    ConcatInvalid,
    ConcatPartForeign,
    ConcatPartUnknown,
    ConcatPartNotPartial,
    ConcatPartIncomplete,
    ConcatPartRepeated,
    ConcatTooManyParts,
    ConcatFinalWithLength,
    ConcatFinalPatch,
    RangeNotSatisfiable,
    HookRefused,
    HookUnavailable,
    UploadExists,
    ExtensionUnsupported,
    LockUnavailable,
    StorageUnavailable,    // a remote store (S3) cannot be reached       // the shared upload locks (Redis) cannot be reached  // a header of an extension the store cannot do (uploadstore.h)
    // HTTP framing, answered by the streaming intake before a request reaches the handler
    RequestLineTooLong,
    HeaderTooLarge,
    MalformedRequestLine,
    UnsupportedHttpVersion,
    MalformedHeader,
    MissingHost,
    DuplicateHost,
    BareLineFeed,
    MalformedPath,
    ConflictingContentLength,
    LengthWithTransferEncoding,
    UnsupportedTransferEncoding,
    MalformedChunk,
    UnexpectedBody,
    TooManyConnections,
};

struct TusErrorDescription
{
    int status;
    const char *reason;
};

TusErrorDescription describe(TusError error);

// The standard reason phrase for a status line ("Conflict"), or "" if unknown.
QByteArray statusReasonPhrase(int status);

} // namespace qtus

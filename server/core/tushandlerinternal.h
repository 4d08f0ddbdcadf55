#pragma once
// Small pieces both halves of TusHandler (tushandler.cpp, tushandlercreation.cpp) use.
#include "tuserror.h"
#include "uploadwriter.h"

#include <QByteArray>

namespace qtus::handlerdetail {

inline TusError storeError(StoreStatus status)
{
    switch (status) {
    case StoreStatus::NotFound: return TusError::NotFound;
    case StoreStatus::LimitExceeded: return TusError::BodyExceedsLength;
    case StoreStatus::Full: return TusError::StorageFull;
    case StoreStatus::ChecksumMismatch: return TusError::ChecksumMismatch;
    case StoreStatus::Exists: return TusError::UploadExists;
    case StoreStatus::Unavailable: return TusError::StorageUnavailable;
    case StoreStatus::Ok:
    case StoreStatus::IoError: break;
    }
    return TusError::StorageFailure;
}

inline bool isOffsetContentType(const QByteArray &value)
{
    // Parameters are not part of the media type ("application/offset+octet-stream; x=y").
    const QByteArray type = value.split(';').constFirst().trimmed();
    return type.compare("application/offset+octet-stream", Qt::CaseInsensitive) == 0;
}

} // namespace qtus::handlerdetail

// TusHandler, part two: creating uploads (rules CR1-CR6, CWU1, DL1's creation side, and the
// final uploads of the concatenation extension). Split from tushandler.cpp by responsibility.
#include "tushandler.h"

#include "headervalues.h"
#include "logging.h"
#include "racepoints.h"
#include "tushandlerinternal.h"
#include "uploadconcat.h"
#include "uploadmetadata.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace qtus {

using namespace handlerdetail;

std::optional<TusError> TusHandler::planCreation(const TusRequest &head, qint64 contentLength, UploadInfo *planned,
                                                 UploadConcat *concat) const
{
    UploadInfo &info = *planned;
    if (head.hasHeader("Upload-Concat")) {
        if (!m_capabilities.concatenation)
            return TusError::ExtensionUnsupported;
        if (const auto error = parseUploadConcat(head.header("Upload-Concat"), {m_basePath, m_publicPath}, concat))
            return error;
        if (concat->kind == UploadConcat::Kind::Final) {
            info.isFinal = true;  // createFinal() checks the rest
            return std::nullopt;
        }
        info.isPartial = true;  // rule CC1
    }
    const bool hasLength = head.hasHeader("Upload-Length");
    const bool hasDefer = head.hasHeader("Upload-Defer-Length");
    if (hasLength && hasDefer)
        return TusError::LengthAndDeferBoth;  // rule CR2
    if (!hasLength && !hasDefer)
        return TusError::LengthAndDeferNeither;
    if (hasDefer) {
        if (!m_capabilities.deferredLength)
            return TusError::ExtensionUnsupported;
        if (head.header("Upload-Defer-Length").trimmed() != "1")
            return TusError::DeferLengthInvalid;
        info.sizeIsDeferred = true;
    } else {
        const auto length = parseNonNegativeInteger(head.header("Upload-Length").trimmed());
        if (!length)
            return TusError::LengthInvalid;  // rule C1
        if (m_maxSize > 0 && *length > m_maxSize)
            return TusError::UploadTooLarge;  // rule CR4
        info.size = *length;
    }
    if (head.hasHeader("Upload-Metadata")) {
        const QByteArray metadata = head.header("Upload-Metadata");
        if (!UploadMetadata::parse(metadata))
            return TusError::MetadataInvalid;  // rule CR3
        info.metadataHeader = metadata.trimmed();
    }
    if (contentLength != 0) {  // rule CWU1
        if (!isOffsetContentType(head.header("Content-Type")))
            return TusError::UnsupportedMediaType;
        if (contentLength > 0 && !info.sizeIsDeferred && contentLength > info.size)
            return TusError::BodyExceedsLength;
        if (contentLength > 0 && info.sizeIsDeferred && m_maxSize > 0 && contentLength > m_maxSize)
            return TusError::BodyTooLarge;
    }
    return std::nullopt;
}


BodyDecision TusHandler::startCreation(const TusRequest &head, qint64 contentLength, const HookApproval *approval)
{
    BodyDecision decision;
    auto fail = [&decision](TusError error) {
        decision.response = errorResponse(error);
        return std::move(decision);
    };
    UploadInfo info;
    UploadConcat concat;
    if (const auto error = planCreation(head, contentLength, &info, &concat))
        return fail(*error);
    if (m_blocking.contains(HookType::PreCreate)) {
        // The hook decides every creation, plain, partial and final alike. Without its
        // approval nothing is created: the caller gets the planned upload to ask it about.
        if (!approval || approval->type() != HookType::PreCreate) {
            info.id = newUploadId();
            decision.preCreate = info;
            return decision;
        }
        // The id the hook was told, or the one it chose (ChangeFileInfo; already checked to
        // be of the one form), and its metadata when it set some.
        info.id = approval->uploadId();
        if (approval->metadata())
            info.metadataHeader = *approval->metadata();
    }
    if (concat.kind == UploadConcat::Kind::Final) {
        decision.response = createFinal(head, concat, contentLength, info);
        return decision;
    }
    const bool withBody = contentLength != 0;
    // An id given by a hook is taken as it is: one that exists already is a conflict, never
    // an overwrite.
    const StoreStatus created = m_store.create(info, approval ? IdChoice::Exact : IdChoice::NewIfTaken);
    if (created != StoreStatus::Ok)
        return fail(storeError(created));
    qCDebug(lcHttp).noquote() << "created upload" << info.id;
    tell(HookType::PostCreate, info, head);
    if (info.isComplete())
        tell(HookType::PostFinish, info, head);  // a length of 0: complete at once

    TusResponse &r = decision.body.success;
    r.status = 201;  // rule CR5
    r.setHeader("Location", location(head, info.id));
    if (!withBody) {
        r.setHeader("Upload-Offset", "0");
        addExpiry(r, info);
        decision.response = finalize(std::move(r));
        return decision;
    }
    UploadLock lock = m_locks.tryLock(info.id);  // nobody else knows the id yet
    if (!lock.isHeld()) {  // the shared locks are unreachable: answered without Location, so it goes
        m_store.remove(info.id, nullptr, RemovalReason::Removed);
        return fail(lockFailure(lock));
    }
    const StoreStatus opened = m_store.openWriter(std::move(lock), m_maxSize, &decision.body.writer);
    if (opened != StoreStatus::Ok)
        return fail(storeError(opened));
    decision.body.uploadSize = info.sizeIsDeferred ? -1 : info.size;
    if (m_events) {
        decision.body.request = head;
        decision.body.request.body.clear();
    }
    return decision;
}


TusResponse TusHandler::createFinal(const TusRequest &head, const UploadConcat &concat, qint64 contentLength,
                                    const UploadInfo &planned)
{
    if (head.hasHeader("Upload-Length") || head.hasHeader("Upload-Defer-Length"))
        return errorResponse(TusError::ConcatFinalWithLength);
    if (contentLength != 0)
        return errorResponse(TusError::UnexpectedBody);
    UploadInfo info;
    info.id = planned.id;
    info.isFinal = true;
    if (head.hasHeader("Upload-Metadata")) {
        if (!UploadMetadata::parse(head.header("Upload-Metadata")))
            return errorResponse(TusError::MetadataInvalid);
        info.metadataHeader = head.header("Upload-Metadata").trimmed();
    }
    if (!planned.metadataHeader.isEmpty())
        info.metadataHeader = planned.metadataHeader;  // set by the pre-create hook
    // Hold every part's lock while its bytes are copied, so no DELETE or cleanup pass
    // removes a part half-way.
    std::vector<UploadLock> partLocks;
    QList<qint64> lengths;
    for (const QString &id : concat.partIds) {
        const auto part = m_store.find(id);
        if (!part)
            return errorResponse(TusError::ConcatPartUnknown);  // rule CC4
        if (!part->isPartial)
            return errorResponse(TusError::ConcatPartNotPartial);
        if (!part->isComplete())
            return errorResponse(TusError::ConcatPartIncomplete);
        if (part->size > std::numeric_limits<qint64>::max() - info.size)
            return errorResponse(TusError::UploadTooLarge);
        UploadLock lock = m_locks.tryLock(id);  // parts are named once (parseUploadConcat)
        if (!lock.isHeld())
            return errorResponse(lockFailure(lock));
        partLocks.push_back(std::move(lock));
        info.size += part->size;
        lengths << part->size;
        info.partialUploads << id;
    }
    if (m_maxSize > 0 && info.size > m_maxSize)
        return errorResponse(TusError::UploadTooLarge);
    const IdChoice idChoice = m_blocking.contains(HookType::PreCreate) ? IdChoice::Exact : IdChoice::NewIfTaken;
    if (const StoreStatus created = m_store.create(info, idChoice); created != StoreStatus::Ok)
        return errorResponse(storeError(created));
    if (info.size > 0) {
        UploadLock lock = m_locks.tryLock(info.id);
        if (!lock.isHeld()) {
            m_store.remove(info.id, nullptr, RemovalReason::Removed);
            return errorResponse(lockFailure(lock));
        }
        UploadWriter writer;
        StoreStatus status = m_store.openWriter(std::move(lock), m_maxSize, &writer);
        for (int i = 0; status == StoreStatus::Ok && i < concat.partIds.size(); ++i) {
            if (i > 0)
                racePoint(RacePoint::ConcatBetweenParts, concat.partIds[i]);
            status = m_store.appendUpload(writer, concat.partIds[i], lengths[i]);
        }
        if (writer.isOpen()) {
            writer.markBodyComplete();
            const StoreStatus committed = m_store.commit(writer, &info);
            if (status == StoreStatus::Ok)
                status = committed;
        }
        if (status != StoreStatus::Ok) {
            m_store.remove(info.id, nullptr, RemovalReason::Removed);  // a half-assembled final upload helps nobody
            return errorResponse(storeError(status));
        }
    }
    tell(HookType::PostCreate, info, head);
    tell(HookType::PostFinish, info, head);  // a final upload is complete when it exists
    TusResponse r;
    r.status = 201;
    r.setHeader("Location", location(head, info.id));
    r.setHeader("Upload-Offset", QByteArray::number(info.offset));
    return finalize(std::move(r));
}

} // namespace qtus

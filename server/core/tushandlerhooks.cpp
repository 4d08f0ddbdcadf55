// TusHandler, part four: the hooks' side of the protocol (uploadevents.h): which acts wait
// for a blocking hook's approval (pre-finish, pre-terminate; pre-create is in
// tushandlercreation.cpp), termination, the events told where they happen, and StopUpload.
#include "tushandler.h"

#include "tushandlerinternal.h"

namespace qtus {

using namespace handlerdetail;

void TusHandler::setHooks(UploadEvents *events, const QSet<HookType> &blocking)
{
    m_events = events;
    const bool preCreateConfigured = m_blocking.contains(HookType::PreCreate);
    m_blocking = blocking;
    if (preCreateConfigured)
        m_blocking.insert(HookType::PreCreate);  // a configured pre-create never goes unasked
}

void TusHandler::tell(HookType type, const UploadInfo &upload, const TusRequest &request) const
{
    if (m_events && m_events->wants(type))
        m_events->notify(type, upload, HookRequest{request.method, request.target.isEmpty() ? request.path : request.target,
                                                   request.remoteAddress, request.headers});
}

bool TusHandler::needsFinishApproval(const PendingBody &body) const
{
    if (!m_blocking.contains(HookType::PreFinish) || body.uploadSize < 0 || !body.writer.isOpen())
        return false;
    const qint64 end = body.writer.startOffset() + body.writer.written();
    // Completing, not completed already (a PATCH of nothing at the end changes nothing).
    return end >= body.uploadSize && (body.writer.written() > 0 || body.writer.startOffset() < body.uploadSize
                                      || body.success.status == 201);
}

void TusHandler::bodyProgress(PendingBody &body) const
{
    if (!m_events || !m_events->wants(HookType::PostReceive) || !body.writer.isOpen())
        return;
    if (body.progressTold.isValid() && !body.progressTold.hasExpired(m_progressInterval.count()))
        return;
    body.progressTold.start();
    tell(HookType::PostReceive, finishingUpload(body), body.request);
}

UploadInfo TusHandler::finishingUpload(const PendingBody &body) const
{
    UploadInfo info = m_store.find(body.writer.id()).value_or(UploadInfo());
    info.id = body.writer.id();
    info.offset = body.writer.startOffset() + body.writer.written();
    if (body.uploadSize >= 0) {
        info.size = body.uploadSize;
        info.sizeIsDeferred = false;
    }
    return info;
}

TusResponse TusHandler::refuseFinish(PendingBody &body, TusResponse refusal)
{
    // The upload stays as it was before this request: its bytes are not kept, so the next
    // attempt (once the hook agrees) sends them again.
    body.writer.discardAll();
    const QString id = body.writer.id();
    m_store.commit(body.writer);
    if (body.success.status == 201) {
        // A creation with upload answered without Location: nobody could resume it.
        if (UploadLock lock = m_locks.tryLock(id); lock.isHeld())
            m_store.remove(id, nullptr, RemovalReason::Removed);
    }
    if (!refusal.hasHeader("Tus-Resumable"))
        refusal.setHeader("Tus-Resumable", "1.0.0");
    if (!body.origin.isEmpty())
        m_cors.apply(refusal, body.origin);
    return refusal;
}

std::optional<UploadInfo> TusHandler::needsTerminateApproval(const Route &route) const
{
    if (!m_blocking.contains(HookType::PreTerminate) || route.target != Target::Upload || route.method != "DELETE")
        return std::nullopt;
    return m_store.find(route.id);  // unknown: no hook, the DELETE answers 404
}

TusResponse TusHandler::terminate(const TusRequest &request, const QString &id, const HookApproval *approval)
{
    // An expired upload may still be terminated: the client asks for what cleanup would do.
    const auto info = m_store.find(id);
    if (!info)
        return errorResponse(TusError::NotFound);
    if (m_blocking.contains(HookType::PreTerminate)
        && !(approval && approval->type() == HookType::PreTerminate && approval->uploadId() == id))
        return errorResponse(TusError::HookUnavailable);  // fail closed: only the hook may allow it
    UploadLock lock = lockUpload(id);
    if (!lock.isHeld())
        return errorResponse(lockFailure(lock));  // rule T1: never while another request writes
    const StoreStatus status = m_store.remove(id);
    if (status != StoreStatus::Ok)
        return errorResponse(storeError(status));
    tell(HookType::PostTerminate, *info, request);
    TusResponse r;
    r.status = 204;
    return finalize(std::move(r));
}

bool TusHandler::isStopped(const QString &id) const
{
    QMutexLocker guard(&m_stoppedMutex);
    return m_stopped.contains(id);
}

void TusHandler::stopUpload(const QString &id)
{
    {
        QMutexLocker guard(&m_stoppedMutex);
        m_stopped.insert(id);
    }
    // A request writing it is made to let go, whether it stalls or not.
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld() && !lock.isUnavailable() && m_locks.requestRelease(id, UploadLocker::Release::Now))
        lock = m_locks.tryLock(id);
    if (!lock.isHeld())
        return;  // a commit on a worker holds it: it sees the mark when it is done and ends here
    m_store.remove(id, nullptr, RemovalReason::Terminated);
    QMutexLocker guard(&m_stoppedMutex);
    m_stopped.remove(id);  // gone: later requests get 404 from the store
}

} // namespace qtus

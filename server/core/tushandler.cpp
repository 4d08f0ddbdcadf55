#include "tushandler.h"

#include "headervalues.h"
#include "logging.h"
#include "tushandlerinternal.h"
#include "racepoints.h"
#include "uploadconcat.h"

#include <QHash>

#include <algorithm>
#include <limits>
#include <vector>
#include <QUrl>

namespace qtus {

namespace {
constexpr char tusVersion[] = "1.0.0";
} // namespace

using namespace handlerdetail;

TusHandler::TusHandler(const ServerConfig &config, UploadStore &store, UploadLocker &locks, const Clock &clock)
    : m_cors(config.corsOrigins, config.corsAllowCredentials),
      m_behindProxy(config.behindProxy),
      m_baseUrl(config.baseUrl.toLatin1()),
      m_capabilities(store.capabilities()),
      m_downloads(!config.disableDownload && m_capabilities.contentServing),
      m_basePath(config.basePath.toLatin1()),
      m_publicPath(config.baseUrl.isEmpty() ? m_basePath : QUrl(config.baseUrl).path(QUrl::FullyEncoded).toLatin1()),
      m_maxSize(config.maxSize),
      m_expireAfter(config.expireAfter),
      m_progressInterval(config.hooksProgressInterval),
      m_store(store),
      m_locks(locks),
      m_clock(clock)
{
    if (!config.hookPreCreate.isEmpty())
        m_blocking.insert(HookType::PreCreate);  // fail closed even before setHooks()
}

QByteArray TusHandler::extensions() const
{
    QByteArrayList names{"creation", "creation-with-upload"};
    if (m_capabilities.deferredLength)
        names << "creation-defer-length";
    names << "expiration";
    if (m_capabilities.termination)
        names << "termination";
    names << "checksum";
    if (m_capabilities.concatenation)
        names << "concatenation";
    return names.join(',');
}

QByteArray TusHandler::checksumAlgorithms()
{
    return "md5,sha1,sha256,sha512";
}

std::optional<TusError> TusHandler::parseChecksum(const TusRequest &head, ExpectedChecksum *out)
{
    if (!head.hasHeader("Upload-Checksum"))
        return std::nullopt;
    // "<algorithm> <base64 digest>" (rule K2)
    const QList<QByteArray> parts = head.header("Upload-Checksum").trimmed().split(' ');
    if (parts.size() != 2)
        return TusError::ChecksumInvalid;
    static const QHash<QByteArray, QCryptographicHash::Algorithm> algorithms{
        {"md5", QCryptographicHash::Md5},
        {"sha1", QCryptographicHash::Sha1},
        {"sha256", QCryptographicHash::Sha256},
        {"sha512", QCryptographicHash::Sha512},
    };
    const auto algorithm = algorithms.constFind(parts[0].toLower());
    if (algorithm == algorithms.constEnd())
        return TusError::ChecksumAlgorithmUnsupported;
    const auto digest = QByteArray::fromBase64Encoding(parts[1], QByteArray::AbortOnBase64DecodingErrors);
    if (!digest || digest.decoded.size() != QCryptographicHash::hashLength(*algorithm))
        return TusError::ChecksumInvalid;
    *out = ExpectedChecksum{*algorithm, digest.decoded};
    return std::nullopt;
}

TusResponse TusHandler::errorResponse(TusError error)
{
    const TusErrorDescription d = describe(error);
    TusResponse r;
    r.status = d.status;
    r.body = QByteArray(d.reason) + '\n';
    r.setHeader("Content-Type", "text/plain; charset=utf-8");
    if (error == TusError::VersionMissing || error == TusError::VersionUnsupported)
        r.setHeader("Tus-Version", tusVersion);  // rule C4
    return finalize(std::move(r));
}

TusResponse TusHandler::finalize(TusResponse response)
{
    response.setHeader("Tus-Resumable", tusVersion);  // rule C3
    return response;
}

namespace {
// One rule for every spelling of a path (docs/protocol-rules.md): no %-escapes, no "." or
// ".." segments, no empty segments. Each of these names the same resource to one parser and
// another to the next (a proxy, a router, the file system), so none is decoded or
// normalised: the request is refused.
bool isPlainPath(const QByteArray &path)
{
    if (path.contains('%') || path.contains("//"))
        return false;
    qsizetype start = 0;
    while (start < path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        const QByteArrayView segment(path.constData() + start, end - start);
        if (segment == "." || segment == "..")
            return false;
        start = end + 1;
    }
    return true;
}
} // namespace

TusHandler::Route TusHandler::route(const TusRequest &request) const
{
    Route r;
    r.method = request.method;
    if (r.method == "POST") {
        // Rule C7, as tusd has it: only a POST may say it is something else. On any other
        // method the header is ignored, so it can neither turn a read into a write nor send
        // one request down two routes.
        const QByteArray override = request.header("X-HTTP-Method-Override").trimmed();
        if (!override.isEmpty())
            r.method = override.toUpper();
    }
    const QByteArray &path = request.path;
    if (!isPlainPath(path)) {
        r.target = Target::MalformedPath;
    } else if (path == m_basePath || path == m_basePath.chopped(1)) {
        r.target = Target::Collection;
    } else if (path.startsWith(m_basePath)) {
        // Anything but a well-formed id is 404 before the file system is touched.
        const QByteArrayView id = QByteArrayView(path).sliced(m_basePath.size());
        if (isValidUploadId(id)) {
            r.target = Target::Upload;
            r.id = QString::fromLatin1(id);
        }
    }
    return r;
}

bool TusHandler::isFinalConcatenation(const TusRequest &head)
{
    return head.header("Upload-Concat").trimmed().startsWith("final;");
}

UploadLock TusHandler::lockUpload(const QString &id)
{
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld() && !lock.isUnavailable() && m_locks.requestRelease(id))
        lock = m_locks.tryLock(id);
    return lock;
}

const QByteArrayList &TusHandler::allowedMethods(Target target) const
{
    // Built once: every request is checked against one of these.
    static const QByteArrayList collection{"POST", "OPTIONS"};
    static const QByteArrayList withDownloads{"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"};
    static const QByteArrayList upload{"HEAD", "PATCH", "DELETE", "OPTIONS"};
    static const QByteArrayList withDownloadsOnly{"GET", "HEAD", "PATCH", "OPTIONS"};  // no termination
    static const QByteArrayList uploadOnly{"HEAD", "PATCH", "OPTIONS"};
    if (target == Target::Collection)
        return collection;
    if (m_capabilities.termination)
        return m_downloads ? withDownloads : upload;
    return m_downloads ? withDownloadsOnly : uploadOnly;
}

std::optional<TusError> TusHandler::checkVersion(const TusRequest &request) const
{
    const QByteArray version = request.header("Tus-Resumable");
    if (version.isEmpty() && !request.hasHeader("Tus-Resumable"))
        return TusError::VersionMissing;
    if (version.trimmed() != tusVersion)
        return TusError::VersionUnsupported;
    return std::nullopt;
}

std::optional<TusError> TusHandler::findLive(const QString &id, UploadInfo *info) const
{
    UploadInfo found;
    if (const StoreStatus status = m_store.lookup(id, &found); status != StoreStatus::Ok)
        return storeError(status);  // rules H3, P5: NotFound
    if (found.stateAt(m_clock.now(), m_expireAfter) == SessionState::Expired)
        return TusError::Gone;  // rule E3: known to have expired, even before cleanup ran
    *info = found;
    return std::nullopt;
}

TusResponse TusHandler::handle(const TusRequest &request) { return handle(request, route(request)); }

TusResponse TusHandler::handle(const TusRequest &request, const Route &route, const HookApproval *approval)
{
    TusResponse response = dispatch(request, route, approval);
    if (CorsPolicy::isPreflight(request))
        m_cors.applyPreflight(response, request.header("Origin"));
    else
        m_cors.apply(response, request.header("Origin"));
    return response;
}

std::optional<TusResponse> TusHandler::routeError(const Route &r) const
{
    if (r.target == Target::MalformedPath)
        return errorResponse(TusError::MalformedPath);
    if (r.target == Target::None)
        return errorResponse(TusError::NotFound);
    if (!allowedMethods(r.target).contains(r.method)) {
        TusResponse response = errorResponse(TusError::MethodNotAllowed);
        response.setHeader("Allow", allowedMethods(r.target).join(", "));
        return response;
    }
    return std::nullopt;
}

TusResponse TusHandler::dispatch(const TusRequest &request, const Route &r, const HookApproval *approval)
{
    if (auto error = routeError(r))
        return std::move(*error);
    if (r.method == "OPTIONS")
        return options();  // rule O1: ignores Tus-Resumable
    if (r.method == "GET")
        return download(request, r.id);  // browsers and curl send no Tus-Resumable
    if (const auto error = checkVersion(request))
        return errorResponse(*error);
    if (r.method == "HEAD")
        return head(r.id);
    if (r.method == "DELETE")
        return terminate(request, r.id, approval);

    // PATCH or POST: the same path the streaming intake takes, with the body in memory. A
    // creation that needs the pre-create hook cannot be run from here (the hook is
    // asynchronous): it fails closed.
    BodyDecision decision = startRoutedBody(request, r, request.body.size(), nullptr);
    if (decision.response)
        return *decision.response;
    if (decision.preCreate)
        return errorResponse(TusError::HookUnavailable);
    decision.body.writer.append(request.body.constData(), request.body.size());
    decision.body.origin.clear();  // handle() adds the CORS headers itself
    return finishBody(decision.body);
}

TusResponse TusHandler::options() const
{
    TusResponse r;
    r.status = 204;
    r.setHeader("Tus-Version", tusVersion);
    r.setHeader("Tus-Extension", extensions());
    r.setHeader("Tus-Checksum-Algorithm", checksumAlgorithms());  // rule K1  // rules C2, C5
    if (m_maxSize > 0)
        r.setHeader("Tus-Max-Size", QByteArray::number(m_maxSize));  // rule C6
    return finalize(std::move(r));
}

TusResponse TusHandler::head(const QString &id)
{
    // A client that lost its connection mid-PATCH asks for the offset before it resumes: a
    // request stalled on the upload is asked to let go, so the answer counts its bytes.
    if (m_locks.hasReleaseHandlers() && m_locks.isLocked(id))
        m_locks.requestRelease(id);
    UploadInfo info;
    if (const auto error = findLive(id, &info))
        return errorResponse(*error);
    TusResponse r;
    r.headers.reserve(10);  // these, Tus-Resumable and CORS: one allocation, no regrowth
    r.status = 200;  // rule H4: no body
    r.setHeader("Upload-Offset", QByteArray::number(info.offset));  // rule H1
    if (info.sizeIsDeferred)
        r.setHeader("Upload-Defer-Length", "1");  // rules H2, DL1
    else
        r.setHeader("Upload-Length", QByteArray::number(info.size));
    if (!info.metadataHeader.isEmpty())
        r.setHeader("Upload-Metadata", info.metadataHeader);  // rule H6
    r.setHeader("Cache-Control", "no-store");  // rule H5
    if (const QByteArray concat = uploadConcatHeader(info, m_publicPath); !concat.isEmpty())
        r.setHeader("Upload-Concat", concat);  // rule CC3
    addExpiry(r, info);
    return finalize(std::move(r));
}

BodyDecision TusHandler::startBody(const TusRequest &head, qint64 contentLength, const HookApproval *approval)
{
    BodyDecision decision = startRoutedBody(head, route(head), contentLength, approval);
    const QByteArray origin = head.header("Origin");
    if (decision.response)
        m_cors.apply(*decision.response, origin);
    else
        decision.body.origin = origin;
    return decision;
}

BodyDecision TusHandler::startRoutedBody(const TusRequest &head, const Route &r, qint64 contentLength,
                                         const HookApproval *approval)
{
    BodyDecision decision;
    if (!r.takesUploadBody()) {
        decision.response = errorResponse(TusError::MethodNotAllowed);
        return decision;
    }
    if (const auto error = checkVersion(head)) {
        decision.response = errorResponse(*error);
        return decision;
    }
    return r.target == Target::Upload ? startPatch(head, r.id, contentLength) : startCreation(head, contentLength, approval);
}

BodyDecision TusHandler::startPatch(const TusRequest &head, const QString &id, qint64 contentLength)
{
    BodyDecision decision;
    auto fail = [&decision](TusError error) {
        decision.response = errorResponse(error);
        return std::move(decision);
    };
    UploadInfo info;
    if (isStopped(id))
        return fail(TusError::NotFound);  // a post-receive hook ended it; its removal is under way
    if (const auto error = findLive(id, &info))
        return fail(*error);
    if (info.isFinal)
        return fail(TusError::ConcatFinalPatch);  // rule CC2
    if (!isOffsetContentType(head.header("Content-Type")))
        return fail(TusError::UnsupportedMediaType);  // rule P2
    if (!head.hasHeader("Upload-Offset"))
        return fail(TusError::OffsetMissing);
    const auto offset = parseNonNegativeInteger(head.header("Upload-Offset").trimmed());
    if (!offset)
        return fail(TusError::OffsetInvalid);  // rule C1
    if (*offset != info.offset)
        return fail(TusError::OffsetMismatch);  // rule P3
    std::optional<ExpectedChecksum> checksum;
    if (head.hasHeader("Upload-Checksum")) {
        checksum.emplace();
        if (const auto error = parseChecksum(head, &*checksum))
            return fail(*error);
    }

    std::optional<qint64> declaredLength;
    if (head.hasHeader("Upload-Length")) {  // rule DL1
        declaredLength = parseNonNegativeInteger(head.header("Upload-Length").trimmed());
        if (!declaredLength)
            return fail(TusError::LengthInvalid);
        if (!info.sizeIsDeferred && *declaredLength != info.size)
            return fail(TusError::LengthAlreadySet);
        if (m_maxSize > 0 && *declaredLength > m_maxSize)
            return fail(TusError::UploadTooLarge);
        if (*declaredLength < info.offset)
            return fail(TusError::LengthBelowOffset);
    }
    const qint64 length = declaredLength ? *declaredLength : (info.sizeIsDeferred ? -1 : info.size);
    if (contentLength > 0 && length >= 0 && contentLength > length - info.offset)
        return fail(TusError::BodyExceedsLength);  // rule P8: nothing is written
    if (contentLength > 0 && length < 0 && m_maxSize > 0 && contentLength > m_maxSize - info.offset)
        return fail(TusError::BodyTooLarge);

    racePoint(RacePoint::PatchBeforeLock, id);
    UploadLock lock = lockUpload(id);
    if (!lock.isHeld())
        return fail(lockFailure(lock));
    // Another writer may have committed between the check above and the lock.
    UploadInfo locked;
    if (const StoreStatus status = m_store.lookup(id, &locked); status != StoreStatus::Ok)
        return fail(storeError(status));  // gone meanwhile (404), or the store cannot be reached (503)
    if (locked.offset != info.offset)
        return fail(TusError::OffsetMismatch);
    if (declaredLength && info.sizeIsDeferred) {
        const StoreStatus status = m_store.declareLength(id, *declaredLength, &info);
        if (status != StoreStatus::Ok)
            return fail(storeError(status));
    }
    const StoreStatus status = m_store.openWriter(std::move(lock), m_maxSize, &decision.body.writer);
    if (status != StoreStatus::Ok)
        return fail(storeError(status));
    if (checksum)
        decision.body.writer.expectChecksum(checksum->algorithm, checksum->digest);
    decision.body.success.status = 204;  // rule P4
    decision.body.uploadSize = info.sizeIsDeferred ? -1 : info.size;
    if (m_events) {
        decision.body.request = head;
        decision.body.request.body.clear();
    }
    return decision;
}

TusResponse TusHandler::finishBody(PendingBody &body, bool bodyComplete)
{
    if (bodyComplete)
        body.writer.markBodyComplete();
    // pre-finish is the condition of a commit that completes an upload, whoever asks.
    if (needsFinishApproval(body)
        && !(body.finishApproval && body.finishApproval->type() == HookType::PreFinish
             && body.finishApproval->uploadId() == body.writer.id()))
        return refuseFinish(body, errorResponse(TusError::HookUnavailable));
    UploadInfo info;
    const QString id = body.writer.id();
    const qint64 written = body.writer.written();
    const StoreStatus status = m_store.commit(body.writer, &info);
    TusResponse r = std::move(body.success);
    if (status == StoreStatus::Ok) {
        if (isStopped(id)) {
            stopUpload(id);  // it was stopped while this request wrote: the bytes go too
            r = errorResponse(TusError::NotFound);
            if (!body.origin.isEmpty())
                m_cors.apply(r, body.origin);
            return r;
        }
        if (written > 0)
            tell(HookType::PostReceive, info, body.request);
        if (info.completedAt.isValid() && info.completedAt == info.lastActivityAt)
            tell(HookType::PostFinish, info, body.request);  // completed by this commit
    }
    if (status != StoreStatus::Ok) {
        // A creation whose body failed (full disk, I/O error, checksum, too long) is answered
        // without Location, so no client can resume it: remove it rather than let it hold
        // space until it expires.
        if (r.status == 201) {
            if (UploadLock lock = m_locks.tryLock(id); lock.isHeld())
                m_store.remove(id, nullptr, RemovalReason::Removed);
        }
        r = errorResponse(storeError(status));
    } else {
        r.setHeader("Upload-Offset", QByteArray::number(info.offset));
        addExpiry(r, info);  // rule E2
        r = finalize(std::move(r));
    }
    if (!body.origin.isEmpty())
        m_cors.apply(r, body.origin);
    return r;
}

TusResponse TusHandler::failBody(PendingBody &body, TusError error)
{
    if (body.success.status == 201) {
        // A creation: never committed (no completion, no post-finish hook for a file about to
        // go), just closed, which releases its lock, and removed.
        const QString id = body.writer.id();
        body.writer = UploadWriter();
        if (UploadLock lock = m_locks.tryLock(id); lock.isHeld())
            m_store.remove(id, nullptr, RemovalReason::Removed);
    } else {
        finishBody(body, false);
    }
    TusResponse r = errorResponse(error);
    if (!body.origin.isEmpty())
        m_cors.apply(r, body.origin);
    return r;
}

void TusHandler::addExpiry(TusResponse &response, const UploadInfo &info) const
{
    if (!info.isComplete())
        response.setHeader("Upload-Expires", httpDate(info.expiresAt(m_expireAfter)));
}

} // namespace qtus

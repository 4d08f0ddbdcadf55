#pragma once
// The tus 1.0.0 protocol: routes a request by the configured base path, applies every rule
// (ids from docs/protocol-rules.md) and answers with a response value. It knows nothing about
// sockets; the HTTP layer converts.
//
// Requests with a body (PATCH, POST with creation-with-upload) go through two steps so the
// streaming intake can validate the head before reading the body: startBody() checks the
// head and opens a writer, the caller feeds body bytes to it, finishBody() commits and
// answers. handle() does the same for a buffered body, so each rule lives in one place.
//
// Routing is one decision (route()), on the path exactly as sent: a path with a %-escape, a
// dot-segment or an empty segment is 400 whatever layer sees it, so no spelling reaches an
// upload by another route. The blocking hooks (uploadevents.h) are the handler's conditions,
// not the caller's courtesy: with pre-create, pre-finish or pre-terminate configured, a
// creation, the commit that completes an upload, or a termination happens only with the
// hook's HookApproval, whichever entry point the request came through. The other events are
// told to the UploadEvents listener where they happen.
//
// Threads: the event-loop thread calls everything; startBody() for a bodiless creation and
// finishBody() for a whole body also run on storage workers (StorageQueue). Those paths use
// only the store, the locks (both thread-safe) and this object's const configuration.
#include "clock.h"
#include "corspolicy.h"
#include "uploadstore.h"
#include "hookapproval.h"
#include "serverconfig.h"
#include "tuserror.h"
#include "tusmessage.h"
#include "uploadevents.h"
#include "uploadlocks.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QSet>

#include <optional>

namespace qtus {

struct UploadConcat;

// A body on its way into an upload: the caller appends bytes to writer, then calls
// TusHandler::finishBody().
struct PendingBody
{
    UploadWriter writer;
    TusResponse success;  // the answer once the bytes are committed (Upload-Offset is filled in then)
    QByteArray origin;    // the request's Origin, for the CORS headers of the answer
    TusRequest request;   // the request's head, for the hooks (no body)
    qint64 uploadSize = -1;                  // the upload's length when known, to tell a completing commit
    std::optional<HookApproval> finishApproval;  // pre-finish's consent, when it is required
    QElapsedTimer progressTold;              // when post-receive was last told of this body's progress
};

struct BodyDecision
{
    std::optional<TusResponse> response;  // answer now, read no body (an error, or a POST without body)
    // A creation that needs the pre-create hook first: the upload it would create (with its
    // id). Run the hook, then call startBody() again with its approval.
    std::optional<UploadInfo> preCreate;
    PendingBody body;                     // otherwise: stream the body into body.writer
};

class TusHandler
{
public:
    TusHandler(const ServerConfig &config, UploadStore &store, UploadLocker &locks, const Clock &clock);

    // The origin for Location when a request carries no usable Host header.
    void setFallbackOrigin(const QByteArray &origin) { m_fallbackOrigin = origin; }

    // A complete request with its body buffered.
    TusResponse handle(const TusRequest &request);

    enum class Target { None, Collection, Upload, MalformedPath };
    struct Route
    {
        Target target = Target::None;
        QString id;
        QByteArray method;  // X-HTTP-Method-Override applied, on POST only (rule C7)
        bool takesUploadBody() const
        {
            return (target == Target::Upload && method == "PATCH") || (target == Target::Collection && method == "POST");
        }
        bool isCreation() const { return target == Target::Collection && method == "POST"; }
    };
    // The one routing decision: where a request goes and as which method. The intake picks
    // its path (stream a body, stream a download, answer at once) from this, the handler
    // dispatches on the same value.
    Route route(const TusRequest &request) const;
    // The answer when the route alone settles it: 400 for a malformed path, 404 for an unknown
    // one, 405 (with Allow) for a method the target does not take; nullopt otherwise. Has no
    // side effects, so the intake may answer a request it will not read the body of.
    std::optional<TusResponse> routeError(const Route &route) const;
    // approval: pre-terminate's, for a DELETE when that hook is required.
    TusResponse handle(const TusRequest &request, const Route &route, const HookApproval *approval = nullptr);
    // A creation of a final upload (concatenation): its copy runs on its own worker.
    static bool isFinalConcatenation(const TusRequest &head);

    // contentLength: the body's length, or -1 when unknown (chunked). approval: the
    // pre-create hook's, for a creation when the hook is configured (see BodyDecision).
    BodyDecision startBody(const TusRequest &head, qint64 contentLength, const HookApproval *approval = nullptr);
    bool requiresPreCreateApproval() const { return m_blocking.contains(HookType::PreCreate); }

    // The hooks: who is told of events, and which blocking ones must approve. A pre-create
    // command in the configuration always requires approval (fail closed).
    void setHooks(UploadEvents *events, const QSet<HookType> &blocking);
    // pre-finish: whether this body's commit completes its upload and needs the hook first;
    // the upload as it will be then (for the hook's payload).
    bool needsFinishApproval(const PendingBody &body) const;
    UploadInfo finishingUpload(const PendingBody &body) const;
    // The hook refused: none of this request's bytes are kept, the upload stays as it was.
    TusResponse refuseFinish(PendingBody &body, TusResponse refusal);
    // pre-terminate: whether a DELETE of this upload needs the hook first (and the upload).
    std::optional<UploadInfo> needsTerminateApproval(const Route &route) const;
    // A post-receive hook said StopUpload: the upload ends, its bytes go, and a request
    // writing it now is stopped.
    void stopUpload(const QString &id);
    // Bytes of this body were written: post-receive hears of the progress (its offset counts
    // bytes written, not yet durable), at most once per --hooks-progress-interval per body.
    void bodyProgress(PendingBody &body) const;
    // bodyComplete: false when the client went away or the body was cut short; the bytes
    // that arrived are still committed (rule P7), unless a checksum cannot be verified.
    TusResponse finishBody(PendingBody &body, bool bodyComplete = true);
    // The body broke off in a way that makes the request an error (a malformed chunk): what
    // arrived is committed as for a dropped connection (rule P7), and the answer is error.
    // A creation, answered without Location, is removed uncommitted: nobody could resume it.
    TusResponse failBody(PendingBody &body, TusError error);

    static TusResponse errorResponse(TusError error);
    const CorsPolicy &cors() const { return m_cors; }
    // Tus-Extension: every extension this handler serves, which the store's capabilities decide.
    QByteArray extensions() const;
    static QByteArray checksumAlgorithms();

private:
    TusResponse dispatch(const TusRequest &request, const Route &r, const HookApproval *approval);
    BodyDecision startRoutedBody(const TusRequest &head, const Route &r, qint64 contentLength,
                                 const HookApproval *approval);
    // Takes id's lock; a holder stalled mid-body is asked to let go first (UploadLocks).
    UploadLock lockUpload(const QString &id);
    // Why a lock was not had: another request holds it (423), or the locks cannot be asked (503).
    static TusError lockFailure(const UploadLock &lock)
    {
        return lock.isUnavailable() ? TusError::LockUnavailable : TusError::Locked;
    }
    const QByteArrayList &allowedMethods(Target target) const;
    std::optional<TusError> checkVersion(const TusRequest &request) const;
    std::optional<TusError> findLive(const QString &id, UploadInfo *info) const;

    TusResponse options() const;
    TusResponse head(const QString &id);
    TusResponse download(const TusRequest &request, const QString &id) const;
    TusResponse terminate(const TusRequest &request, const QString &id, const HookApproval *approval);
    void tell(HookType type, const UploadInfo &upload, const TusRequest &request) const;
    bool isStopped(const QString &id) const;
    BodyDecision startPatch(const TusRequest &head, const QString &id, qint64 contentLength);
    BodyDecision startCreation(const TusRequest &head, qint64 contentLength, const HookApproval *approval);
    std::optional<TusError> planCreation(const TusRequest &head, qint64 contentLength, UploadInfo *planned,
                                         UploadConcat *concat) const;
    TusResponse createFinal(const TusRequest &head, const UploadConcat &concat, qint64 contentLength, const UploadInfo &planned);
    QByteArray location(const TusRequest &request, const QString &id) const;
    struct ExpectedChecksum
    {
        QCryptographicHash::Algorithm algorithm = QCryptographicHash::Sha1;
        QByteArray digest;
    };
    static std::optional<TusError> parseChecksum(const TusRequest &head, ExpectedChecksum *out);
    void addExpiry(TusResponse &response, const UploadInfo &info) const;
    static TusResponse finalize(TusResponse response);

    const CorsPolicy m_cors;
    const bool m_behindProxy;
    const QByteArray m_baseUrl;
    const StoreCapabilities m_capabilities;
    const bool m_downloads;       // --downloads (not disabled) and a store that serves content
    const QByteArray m_basePath;
    const QByteArray m_publicPath;  // the path clients see: --base-url's, else the base path
    const qint64 m_maxSize;
    QSet<HookType> m_blocking;         // set before serving; read-only after
    UploadEvents *m_events = nullptr;
    mutable QMutex m_stoppedMutex;
    QSet<QString> m_stopped;           // uploads a post-receive hook stopped, until removed
    const Duration m_expireAfter;
    const Duration m_progressInterval;
    UploadStore &m_store;
    UploadLocker &m_locks;
    const Clock &m_clock;
    QByteArray m_fallbackOrigin = "http://127.0.0.1";
};

} // namespace qtus

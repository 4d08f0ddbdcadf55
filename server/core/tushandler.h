#pragma once
// The tus 1.0.0 protocol: routes a request by the configured base path, applies every rule
// (ids from docs/tus-rules.md) and answers with a response value. It knows nothing about
// sockets; the HTTP layer converts.
//
// Requests with a body (PATCH, POST with creation-with-upload) go through two steps so the
// streaming intake can validate the head before reading the body: startBody() checks the
// head and opens a writer, the caller feeds body bytes to it, finishBody() commits and
// answers. handle() does the same for a buffered body, so each rule lives in one place.
#include "clock.h"
#include "corspolicy.h"
#include "fileuploadstore.h"
#include "serverconfig.h"
#include "tuserror.h"
#include "tusmessage.h"
#include "uploadlocks.h"

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
};

struct BodyDecision
{
    std::optional<TusResponse> response;  // answer now, read no body (an error, or a POST without body)
    PendingBody body;                     // otherwise: stream the body into body.writer
};

class TusHandler
{
public:
    TusHandler(const ServerConfig &config, FileUploadStore &store, UploadLocks &locks, const Clock &clock);

    // The origin for Location when a request carries no usable Host header.
    void setFallbackOrigin(const QByteArray &origin) { m_fallbackOrigin = origin; }

    // A complete request with its body buffered.
    TusResponse handle(const TusRequest &request);

    // Whether a request's body belongs in an upload (PATCH, or POST creating one).
    bool takesUploadBody(const TusRequest &head) const;
    bool isCreation(const TusRequest &head) const;
    // The creation a POST asks for, validated (version, lengths, metadata, content type) but
    // not performed: an error answer, or nullopt with *planned filled in. The intake runs
    // the pre-create hook between this and startBody().
    std::optional<TusResponse> checkCreation(const TusRequest &head, qint64 contentLength, UploadInfo *planned) const;

    // contentLength: the body's length, or -1 when unknown (chunked).
    BodyDecision startBody(const TusRequest &head, qint64 contentLength);
    // bodyComplete: false when the client went away or the body was cut short; the bytes
    // that arrived are still committed (rule P7), unless a checksum cannot be verified.
    TusResponse finishBody(PendingBody &body, bool bodyComplete = true);
    // The body broke off in a way that makes the request an error (a malformed chunk): what
    // arrived is committed as for a dropped connection (rule P7), and the answer is error.
    // A creation, answered without Location, is removed uncommitted: nobody could resume it.
    TusResponse failBody(PendingBody &body, TusError error);

    static TusResponse errorResponse(TusError error);
    const CorsPolicy &cors() const { return m_cors; }
    static QByteArray extensions();
    static QByteArray checksumAlgorithms();

private:
    enum class Target { None, Collection, Upload };
    struct Route
    {
        Target target = Target::None;
        QString id;
        QByteArray method;  // after X-HTTP-Method-Override (rule C7)
    };
    Route route(const TusRequest &request) const;
    TusResponse dispatch(const TusRequest &request, const Route &r);
    BodyDecision startRoutedBody(const TusRequest &head, qint64 contentLength);
    const QByteArrayList &allowedMethods(Target target) const;
    std::optional<TusError> checkVersion(const TusRequest &request) const;
    std::optional<TusError> findLive(const QString &id, UploadInfo *info) const;

    TusResponse options() const;
    TusResponse head(const QString &id) const;
    TusResponse download(const TusRequest &request, const QString &id) const;
    TusResponse terminate(const QString &id);
    BodyDecision startPatch(const TusRequest &head, const QString &id, qint64 contentLength);
    BodyDecision startCreation(const TusRequest &head, qint64 contentLength);
    std::optional<TusError> planCreation(const TusRequest &head, qint64 contentLength, UploadInfo *planned,
                                         UploadConcat *concat) const;
    TusResponse createFinal(const TusRequest &head, const UploadConcat &concat, qint64 contentLength);
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
    const bool m_downloads;
    const QByteArray m_basePath;
    const QByteArray m_publicPath;  // the path clients see: --base-url's, else the base path
    const qint64 m_maxSize;
    const Duration m_expireAfter;
    FileUploadStore &m_store;
    UploadLocks &m_locks;
    const Clock &m_clock;
    QByteArray m_fallbackOrigin = "http://127.0.0.1";
};

} // namespace qtus

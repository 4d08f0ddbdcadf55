#pragma once
// The hooks (docs/hooks.md): seven events of an upload's life, told to a program or an HTTP
// service in tusd's shapes (hookevent.h). The blocking ones decide: pre-create (may also
// choose the id and rewrite the metadata), pre-finish (before the answer that completes an
// upload; a refusal keeps it incomplete), pre-terminate (may refuse a DELETE). Their consent
// is a HookApproval, which only this class makes; an answer that cannot be read refuses
// (503, logged). The others (post-create, post-receive, post-finish, post-terminate) are
// told and never wait: tried up to 3 times with a growing pause, from a queue of at most
// 1,024; what does not fit is dropped, counted and logged. post-receive comes at most once
// per --hooks-progress-interval per upload; its answer may stop the upload (StopUpload).
//
// Threads: lives on the event-loop thread. notify() (UploadEvents) may be called from any
// thread; it hands the event to this one.
#include "hookapproval.h"
#include "hooktransport.h"
#include "servermetrics.h"
#include "tusmessage.h"
#include "uploadevents.h"
#include "uploadstore.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <functional>
#include <memory>
#include <optional>

namespace qtus {

struct HookSettings
{
    QMap<HookType, QStringList> commands;  // --hook-pre-create, --hook-post-finish
    QString directory;                     // --hooks-dir
    QUrl httpUrl;                          // --hooks-http
    Duration commandTimeout = std::chrono::seconds(5);  // --hook-timeout (blocking hooks)
    Duration httpTimeout = std::chrono::seconds(5);     // --hooks-http-timeout
    QSet<HookType> enabled;                // --hooks-enabled-events; empty: all seven
    QByteArrayList forwardHeaders;         // --hooks-forward-headers; empty: all but Cookie
    Duration progressInterval = std::chrono::seconds(1);
    bool behindProxy = false;              // RemoteAddr from X-Forwarded-For / Forwarded
};

struct HookVerdict
{
    bool allowed = true;
    TusResponse refusal;                   // what the client is answered when not allowed
    std::optional<HookApproval> approval;  // when allowed
};

class UploadHooks final : public QObject, public UploadEvents
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadHooks)

public:
    explicit UploadHooks(const HookSettings &settings, QObject *parent = nullptr);
    ~UploadHooks() override;

    bool has(HookType type) const;  // enabled, and a transport serves it
    bool hasPreCreate() const { return has(HookType::PreCreate); }
    static constexpr int attempts = 3;
    static constexpr int maxPending = 1024;

    // A blocking hook about upload (for pre-create: the upload as planned, with its id). done
    // is called exactly once, later, on this thread, unless context is destroyed first.
    void decide(HookType type, const UploadInfo &upload, const HookRequest &request, QObject *context,
                std::function<void(const HookVerdict &)> done);

    // UploadEvents: the post-* events.
    bool wants(HookType type) const override { return has(type); }
    void notify(HookType type, const UploadInfo &upload, const HookRequest &request) override;

    void setMetrics(ServerMetrics *metrics) { m_metrics = metrics; }
    // Where the payload's Upload.Storage comes from; set before serving. None: an empty object.
    void setStore(const UploadStore *store) { m_store = store; }
    int running() const;
    int queued() const;
    int pending() const { return m_pending; }  // post-* events not yet delivered (retries included)
    quint64 dropped() const { return m_dropped; }
    // The request as hooks see it: the headers --hooks-forward-headers lets through, and the
    // client's address (from the proxy's headers with --behind-proxy).
    HookRequest hookRequest(const TusRequest &request) const;
    HookRequest shaped(const HookRequest &raw) const;

signals:
    // A post-receive hook answered StopUpload for this upload.
    void stopRequested(const QString &id);
    // A post-* event was given up: after its last attempt, or dropped from a full queue.
    void notificationFailed(qtus::HookType type, const QString &id, const QString &why);

private:
    QByteArray payload(HookType type, const UploadInfo &upload, const HookRequest &request) const;
    void deliver(HookType type, const QString &id, const QByteArray &body, int attempt);

    const HookSettings m_settings;
    std::unique_ptr<HookTransport> m_transport;
    ServerMetrics *m_metrics = nullptr;
    const UploadStore *m_store = nullptr;
    int m_pending = 0;
    quint64 m_dropped = 0;
    QHash<QString, QElapsedTimer> m_lastProgress;  // post-receive throttle, by upload
};

} // namespace qtus

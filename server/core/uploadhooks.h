#pragma once
// External commands run at two points of an upload's life (--hook-pre-create,
// --hook-post-finish). Each gets a JSON document on stdin; commands run without a shell
// (their words were split once at startup). pre-create decides: exit 0 accepts (and only
// then is there a PreCreateApproval), another exit refuses with 403 and the first line of
// stderr, no answer within the time limit refuses with 503. post-finish runs after the
// client's answer; failures are logged and retried a few times. In-process users (the admin
// window) get the same events as FileUploadStore signals.
//
// Bounded, whatever a hook does:
// - output: stdout and stderr are read while the hook runs; the first 4 KiB of stderr and
//   the first 64 KiB of stdout are kept, the rest is read and dropped;
// - time: past the time limit the hook's whole process group is killed (a hook runs in a
//   process group of its own, so a script's children go with it);
// - number: at most maxRunning hooks at once; further pre-create hooks wait in a queue of
//   at most maxQueued (beyond it: 503 "too many uploads waiting for the pre-create hook"),
//   further post-finish hooks likewise (beyond it they are dropped and logged).
//
// Threads: lives on the event-loop thread and is called only there.
#include "precreateapproval.h"
#include "servermetrics.h"
#include "units.h"
#include "uploadinfo.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <deque>
#include <functional>
#include <optional>

namespace qtus {

struct HookVerdict
{
    bool allowed = true;
    int status = 0;      // 403 or 503 when refused
    QByteArray reason;   // short plain text for the client
    std::optional<PreCreateApproval> approval;  // when allowed
};

class UploadHooks final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadHooks)

public:
    UploadHooks(const QStringList &preCreate, const QStringList &postFinish, Duration timeout,
                QObject *parent = nullptr);
    ~UploadHooks() override;

    bool hasPreCreate() const { return !m_preCreate.isEmpty(); }
    bool hasPostFinish() const { return !m_postFinish.isEmpty(); }
    static constexpr int postFinishAttempts = 3;
    static constexpr int maxRunning = 16;
    static constexpr int maxQueued = 1024;
    static constexpr qint64 maxStderr = 4 * 1024;
    static constexpr qint64 maxStdout = 64 * 1024;

    // Runs the pre-create hook for the upload planned (its id is the id the upload will
    // get); done is called exactly once, later, on this thread, unless context is destroyed
    // first.
    void runPreCreate(const UploadInfo &planned, const QString &remoteAddress, QObject *context,
                      std::function<void(const HookVerdict &)> done);
    void runPostFinish(const QJsonObject &event);
    int running() const { return m_running; }
    void setMetrics(ServerMetrics *metrics) { m_metrics = metrics; }  // hook runs and failures
    int queued() const { return int(m_queue.size()); }

    static QJsonObject uploadEvent(const char *type, const UploadInfo &info, const QString &remoteAddress);

signals:
    void postFinishFailed(const QString &id, const QString &why);  // after the last attempt

private:
    struct Outcome
    {
        bool ok = false;       // ran to its end by itself (not killed, not failed to start)
        bool timedOut = false;
        int exitCode = -1;
        QByteArray stdoutText;  // at most maxStdout
        QByteArray stderrText;  // at most maxStderr
    };
    using Finished = std::function<void(const Outcome &)>;
    struct Job
    {
        QStringList command;
        QByteArray input;
        Duration timeout;
        Finished finished;
    };
    // Starts the job now, or queues it; false when the queue is full.
    bool submit(Job job);
    void start(Job job);
    void startQueued();
    void runPostFinishAttempt(const QJsonObject &event, int attempt);

    const QStringList m_preCreate;
    const QStringList m_postFinish;
    const Duration m_timeout;
    int m_running = 0;
    std::deque<Job> m_queue;
    ServerMetrics *m_metrics = nullptr;
};

} // namespace qtus

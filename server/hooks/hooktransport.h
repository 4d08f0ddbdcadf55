#pragma once
// How a hook is reached: a local command (CommandHookTransport) or an HTTP service
// (HttpHookTransport). UploadHooks decides what to ask and what an answer means; a transport
// only delivers one JSON document and brings back what came back, within bounds: a time
// limit, a cap on what is read of the answer, and a limit on hooks at once (16) with a
// queue (1,024) behind it.
//
// Threads: the event-loop thread only.
#include "uploadevents.h"
#include "units.h"

#include <QObject>
#include <deque>
#include <functional>

namespace qtus {

struct HookOutcome
{
    enum class Result {
        Answered,    // ran to its end and said yes (command: exit 0; HTTP: 2xx); answer holds what it said
        Refused,     // a command that exited with another status (detail: its first line of stderr)
        Failed,      // could not run or be reached, or answered with an error (HTTP non-2xx)
        TimedOut,
        Overloaded,  // too many hooks already waiting
    };
    Result result = Result::Failed;
    int code = 0;        // exit status or HTTP status
    QByteArray answer;   // stdout or the response body, at most maxAnswer bytes
    QByteArray detail;   // why, for the log (and the client when a command refuses)
};

class HookTransport : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HookTransport)

public:
    static constexpr int maxRunning = 16;
    static constexpr int maxQueued = 1024;
    static constexpr qint64 maxAnswer = 64 * 1024;

    using Done = std::function<void(const HookOutcome &)>;

    ~HookTransport() override = default;
    virtual bool serves(HookType type) const = 0;
    // Delivers payload; done is called exactly once, later, on this thread. The bound on
    // hooks at once is kept here, for every transport: beyond maxRunning a call waits, and
    // beyond maxQueued waiting it is Overloaded.
    void call(HookType type, const QByteArray &payload, Done done);
    int running() const { return m_running; }
    int queued() const { return int(m_queue.size()); }

protected:
    explicit HookTransport(QObject *parent = nullptr) : QObject(parent) {}
    // Starts one delivery; the transport calls finished() exactly once for it, later.
    virtual void run(HookType type, const QByteArray &payload, Done done) = 0;
    // A delivery ended: done hears the outcome, and a waiting call starts (from the event
    // loop, never inside another hook's callback).
    void finished(const Done &done, const HookOutcome &outcome);
    // Answers done later, from the event loop, without running anything.
    void answerLater(Done done, HookOutcome outcome);

private:
    struct Call
    {
        HookType type;
        QByteArray payload;
        Done done;
    };
    void startWaiting();

    int m_running = 0;
    std::deque<Call> m_queue;
};

} // namespace qtus

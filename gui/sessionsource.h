#pragma once
// Where the admin window gets its upload sessions and the server's state, and how it asks
// the server to act: the one seam between the window and a server. LocalSessionSource
// serves the server running in this process; a remote source will serve a qtusd over its
// admin API (docs/admin-api.md) from a cache it keeps current. Everything the window shows
// comes from here, so it looks and behaves the same against either.
//
// Reads are synchronous and cheap (a remote source answers from its cache); actions answer
// through a callback, which a remote source calls once the server has answered.
// Threads: the GUI thread only. Signals are emitted on the GUI thread, whatever thread the
// change happened on.
#include "cleanuppass.h"
#include "units.h"
#include "uploadinfo.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>
#include <functional>
#include <optional>

namespace qtus {

class SessionSource : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionSource)

public:
    ~SessionSource() override = default;

    // Every session the source knows of, in no particular order.
    virtual QList<UploadInfo> sessions() const = 0;
    virtual std::optional<UploadInfo> find(const QString &id) const = 0;
    // How long an incomplete upload lives after its last activity (--expire-after).
    virtual Duration expireAfter() const = 0;

    struct SourceStatus
    {
        QUrl uploadUrl;                    // the upload endpoint as clients see it
        QString directory;                 // the upload directory; empty when not local
        qint64 storedBytes = 0;            // bytes the uploads hold on disk
        qint64 freeBytes = -1;             // on the upload directory's file system; -1: unknown
        qint64 totalBytes = -1;
        bool passRunning = false;          // a cleanup pass is running right now
        std::optional<CleanupReport> lastReport;
        QDateTime nextPassAt;              // invalid when no pass is scheduled
        QUrl adminUrl;                     // the admin API watched; empty when local
        bool connected = true;             // false: every value above is the last one known
        QString connectionProblem;         // why not connected, for the admin to read
    };
    virtual SourceStatus status() const = 0;

    enum class TerminateResult {
        Removed,   // the upload and its bytes are gone
        InFlight,  // a request is writing it right now; nothing was removed
        Gone,      // it was removed before (a cleanup pass, a DELETE)
        Failed,    // it could not be removed; the server's log says why
    };
    // Removes an upload unless a request is writing it, and calls done exactly once with
    // the outcome. No confirmation: the caller asks first.
    virtual void terminate(const QString &id, std::function<void(TerminateResult)> done) = 0;
    // Starts a cleanup pass, or joins the one running; passStarted/passFinished tell.
    virtual void runCleanup() = 0;
    // True when the uploads are on this machine's disk (so "Open folder" means something).
    virtual bool isLocal() const = 0;

signals:
    // A session was created, received bytes or completed: re-read it with find().
    void sessionChanged(const QString &id);
    void sessionRemoved(const QString &id);
    // Too much changed to say what (a reconnection): re-read everything with sessions().
    void sessionsReset();
    // status() changed beyond the disk figures, which change with every byte and are worth
    // reading only now and then.
    void statusChanged();
    void passStarted();
    void passFinished(const qtus::CleanupReport &report);
    void connectionChanged(bool connected);

protected:
    explicit SessionSource(QObject *parent = nullptr) : QObject(parent) {}
};

} // namespace qtus

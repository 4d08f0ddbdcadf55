#pragma once
// Test-only: a SessionSource whose connection the test switches off and on, as a remote
// source's would come and go. Everything else (sessions, status, actions, signals) is a
// LocalSessionSource's, passed through.
// Threads: the test's thread.
#include "localsessionsource.h"

namespace qtus {

class TogglingSessionSource final : public SessionSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TogglingSessionSource)

public:
    explicit TogglingSessionSource(LocalSessionSource &local) : m_local(local)
    {
        connect(&local, &SessionSource::sessionChanged, this, &SessionSource::sessionChanged);
        connect(&local, &SessionSource::sessionRemoved, this, &SessionSource::sessionRemoved);
        connect(&local, &SessionSource::sessionsReset, this, &SessionSource::sessionsReset);
        connect(&local, &SessionSource::statusChanged, this, &SessionSource::statusChanged);
        connect(&local, &SessionSource::passStarted, this, &SessionSource::passStarted);
        connect(&local, &SessionSource::passFinished, this, &SessionSource::passFinished);
    }

    // Emits connectionChanged only: the window must not need a statusChanged beside it.
    void setConnected(bool connected, const QString &problem = {})
    {
        m_connected = connected;
        m_problem = problem;
        emit connectionChanged(connected);
    }
    // The reason changes while still disconnected (refused, then timed out...).
    void setProblem(const QString &problem)
    {
        m_problem = problem;
        emit statusChanged();
    }

    QList<UploadInfo> sessions() const override { return m_local.sessions(); }
    std::optional<UploadInfo> find(const QString &id) const override { return m_local.find(id); }
    Duration expireAfter() const override { return m_local.expireAfter(); }
    SourceStatus status() const override
    {
        SourceStatus status = m_local.status();
        status.connected = m_connected;
        status.connectionProblem = m_problem;
        return status;
    }
    void terminate(const QString &id, std::function<void(TerminateResult)> done) override
    {
        m_local.terminate(id, std::move(done));
    }
    void runCleanup() override { m_local.runCleanup(); }
    bool isLocal() const override { return m_local.isLocal(); }

private:
    LocalSessionSource &m_local;
    bool m_connected = true;
    QString m_problem;
};

} // namespace qtus

#include "uploadhooks.h"

#include "logging.h"

#include <QJsonDocument>
#include <QProcess>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace qtus {

namespace {

QByteArray firstLine(const QByteArray &text)
{
    const QByteArray line = text.trimmed().split('\n').constFirst().trimmed();
    return line.left(200);
}

// Reads everything the channel has, keeping at most limit bytes in *kept.
void drain(QProcess *process, QProcess::ProcessChannel channel, QByteArray *kept, qint64 limit)
{
    process->setReadChannel(channel);
    char buffer[16 * 1024];
    for (;;) {
        const qint64 n = process->read(buffer, sizeof buffer);
        if (n <= 0)
            return;
        if (kept->size() < limit)
            kept->append(buffer, qMin(n, limit - kept->size()));
    }
}

} // namespace

UploadHooks::UploadHooks(const QStringList &preCreate, const QStringList &postFinish, Duration timeout, QObject *parent)
    : QObject(parent), m_preCreate(preCreate), m_postFinish(postFinish), m_timeout(timeout)
{
}

UploadHooks::~UploadHooks() = default;

QJsonObject UploadHooks::uploadEvent(const char *type, const UploadInfo &info, const QString &remoteAddress)
{
    QJsonObject upload{{QStringLiteral("ID"), info.id},
                       {QStringLiteral("Size"), info.sizeIsDeferred ? QJsonValue() : QJsonValue(info.size)},
                       {QStringLiteral("SizeIsDeferred"), info.sizeIsDeferred},
                       {QStringLiteral("Offset"), info.offset},
                       {QStringLiteral("MetaData"), info.metadataObject()},
                       {QStringLiteral("IsPartial"), info.isPartial},
                       {QStringLiteral("IsFinal"), info.isFinal}};
    return QJsonObject{{QStringLiteral("Type"), QLatin1String(type)},
                       {QStringLiteral("Upload"), upload},
                       {QStringLiteral("RemoteAddress"), remoteAddress}};
}

bool UploadHooks::submit(Job job)
{
    if (m_running < maxRunning) {
        start(std::move(job));
        return true;
    }
    if (int(m_queue.size()) >= maxQueued)
        return false;
    m_queue.push_back(std::move(job));
    return true;
}

void UploadHooks::startQueued()
{
    while (m_running < maxRunning && !m_queue.empty()) {
        Job job = std::move(m_queue.front());
        m_queue.pop_front();
        start(std::move(job));
    }
}

void UploadHooks::start(Job job)
{
    ++m_running;
    auto *process = new QProcess(this);
    auto outcome = std::make_shared<Outcome>();
    auto done = std::make_shared<bool>(false);
    Finished finished = std::move(job.finished);
    // Called once: when the process is reaped, or when it could not start.
    auto finish = [this, process, outcome, done, finished] {
        if (*done)
            return;
        *done = true;
        --m_running;
        finished(*outcome);
        process->deleteLater();
        // Queued hooks start from the event loop, never inside another hook's callback.
        QMetaObject::invokeMethod(this, &UploadHooks::startQueued, Qt::QueuedConnection);
    };
    // A group of its own: on timeout the whole group is killed, children of scripts included.
    process->setChildProcessModifier([] { ::setpgid(0, 0); });
    QObject::connect(process, &QProcess::readyReadStandardOutput, process, [process, outcome] {
        drain(process, QProcess::StandardOutput, &outcome->stdoutText, maxStdout);
    });
    QObject::connect(process, &QProcess::readyReadStandardError, process, [process, outcome] {
        drain(process, QProcess::StandardError, &outcome->stderrText, maxStderr);
    });
    // The QProcess goes only once the child is reaped (after a kill too), so its destructor
    // never has to wait for a process on the event-loop thread.
    QObject::connect(process, &QProcess::finished, process, [process, outcome, finish](int code, QProcess::ExitStatus status) {
        drain(process, QProcess::StandardOutput, &outcome->stdoutText, maxStdout);
        drain(process, QProcess::StandardError, &outcome->stderrText, maxStderr);
        outcome->ok = !outcome->timedOut && status == QProcess::NormalExit;
        outcome->exitCode = code;
        finish();
    });
    QObject::connect(process, &QProcess::errorOccurred, process, [process, outcome, finish](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            outcome->ok = false;
            outcome->stderrText = process->errorString().toUtf8().left(maxStderr);
            finish();
        }
    });
    auto *timer = new QTimer(process);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, process, [process, outcome] {
        outcome->timedOut = true;
        if (const qint64 pid = process->processId(); pid > 0)
            ::kill(-pid_t(pid), SIGKILL);  // the group; finished() follows once it is reaped
        process->kill();
    });
    timer->start(int(job.timeout.count()));
    process->setProgram(job.command.first());
    process->setArguments(job.command.mid(1));
    process->start();
    process->write(job.input);
    process->closeWriteChannel();
}

void UploadHooks::runPreCreate(const UploadInfo &planned, const QString &remoteAddress, QObject *context,
                               std::function<void(const HookVerdict &)> done)
{
    QPointer<QObject> guard(context);
    const QString id = planned.id;
    Job job;
    job.command = m_preCreate;
    job.input = QJsonDocument(uploadEvent("pre-create", planned, remoteAddress)).toJson(QJsonDocument::Compact);
    job.timeout = m_timeout;
    job.finished = [this, guard, done, id](const Outcome &outcome) {
        if (m_metrics)
            m_metrics->countHook(ServerMetrics::Hook::PreCreate, !outcome.ok || outcome.exitCode != 0);
        if (!guard)
            return;
        HookVerdict verdict;
        if (outcome.timedOut) {
            verdict = {false, 503, "pre-create hook timed out", std::nullopt};
        } else if (!outcome.ok && outcome.exitCode == -1) {
            qCWarning(lcServer).noquote() << "pre-create hook could not run:" << outcome.stderrText;
            verdict = {false, 503, "pre-create hook unavailable", std::nullopt};
        } else if (!outcome.ok || outcome.exitCode != 0) {
            const QByteArray line = firstLine(outcome.stderrText);
            verdict = {false, 403, line.isEmpty() ? QByteArray("upload refused") : line, std::nullopt};
        } else {
            verdict.approval = PreCreateApproval(id);
        }
        done(verdict);
    };
    if (!submit(std::move(job))) {
        qCWarning(lcServer) << "pre-create hook queue full:" << m_running << "running," << queued() << "waiting";
        QMetaObject::invokeMethod(this, [guard, done] {
            if (guard)
                done(HookVerdict{false, 503, "too many uploads waiting for the pre-create hook", std::nullopt});
        }, Qt::QueuedConnection);
    }
}

void UploadHooks::runPostFinish(const QJsonObject &event) { runPostFinishAttempt(event, 1); }

void UploadHooks::runPostFinishAttempt(const QJsonObject &event, int attempt)
{
    const QString id = event.value(QLatin1String("Upload")).toObject().value(QLatin1String("ID")).toString();
    Job job;
    job.command = m_postFinish;
    job.input = QJsonDocument(event).toJson(QJsonDocument::Compact);
    job.timeout = std::max(m_timeout, Duration(std::chrono::seconds(30)));
    job.finished = [this, event, attempt, id](const Outcome &outcome) {
        if (m_metrics)
            m_metrics->countHook(ServerMetrics::Hook::PostFinish, !outcome.ok || outcome.exitCode != 0);
        if (outcome.ok && outcome.exitCode == 0)
            return;
        const QString why = outcome.timedOut ? QStringLiteral("timed out")
                                             : QString::fromUtf8(firstLine(outcome.stderrText))
                                                   + QStringLiteral(" (exit %1)").arg(outcome.exitCode);
        qCWarning(lcServer).noquote() << "post-finish hook failed for" << id << "attempt" << attempt << ":" << why;
        if (attempt >= postFinishAttempts) {
            emit postFinishFailed(id, why);
            return;
        }
        QTimer::singleShot(1000 * attempt, this, [this, event, attempt] { runPostFinishAttempt(event, attempt + 1); });
    };
    if (!submit(std::move(job))) {
        qCWarning(lcServer).noquote() << "post-finish hook dropped for" << id << ": queue full";
        emit postFinishFailed(id, QStringLiteral("queue full"));
    }
}

} // namespace qtus

#include "commandhooktransport.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTimer>

#include <csignal>
#include <unistd.h>

namespace qtus {

namespace {

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

QByteArray firstLine(const QByteArray &text) { return text.trimmed().split('\n').constFirst().trimmed().left(200); }

} // namespace

CommandHookTransport::CommandHookTransport(const QMap<HookType, QStringList> &commands, const QString &directory,
                                           Duration timeout, QObject *parent)
    : HookTransport(parent), m_commands(commands), m_timeout(timeout)
{
    // The directory's programs, found once: a hook added later needs a restart, as in tusd.
    if (!directory.isEmpty()) {
        for (int i = 0; i < int(HookType::Count); ++i) {
            const HookType type = HookType(i);
            const QFileInfo program(QDir(directory).filePath(QLatin1String(hookTypeName(type))));
            if (!m_commands.contains(type) && program.isFile() && program.isExecutable())
                m_commands.insert(type, {program.absoluteFilePath()});
        }
    }
}

CommandHookTransport::~CommandHookTransport()
{
    // A QProcess child waits for its process in its destructor and reports it finished: by
    // then this object is half destroyed. Silence every one first, and end its group.
    for (QProcess *process : findChildren<QProcess *>()) {
        process->disconnect();
        if (const qint64 pid = process->processId(); pid > 0)
            ::kill(-pid_t(pid), SIGKILL);
    }
}

bool CommandHookTransport::serves(HookType type) const { return m_commands.contains(type); }

void CommandHookTransport::run(HookType type, const QByteArray &payload, Done done)
{
    const QStringList command = m_commands.value(type);
    if (command.isEmpty()) {
        QMetaObject::invokeMethod(this, [this, done = std::move(done)] {  // later, as promised
            finished(done, HookOutcome{HookOutcome::Result::Failed, -1, {}, "no command for this hook"});
        }, Qt::QueuedConnection);
        return;
    }
    auto *process = new QProcess(this);
    struct State
    {
        QByteArray out, err;
        bool timedOut = false;
        bool finished = false;
    };
    auto state = std::make_shared<State>();
    // Called once: when the process is reaped, or when it could not start.
    auto finish = [this, process, state, done = std::move(done)](HookOutcome outcome) {
        if (state->finished)
            return;
        state->finished = true;
        process->deleteLater();
        finished(done, outcome);
    };
    // A group of its own: on timeout the whole group is killed, children of scripts included.
    process->setChildProcessModifier([] { ::setpgid(0, 0); });
    connect(process, &QProcess::readyReadStandardOutput, process, [process, state] {
        drain(process, QProcess::StandardOutput, &state->out, maxAnswer);
    });
    connect(process, &QProcess::readyReadStandardError, process, [process, state] {
        drain(process, QProcess::StandardError, &state->err, maxStderr);
    });
    // The QProcess goes only once the child is reaped (after a kill too), so its destructor
    // never has to wait for a process on the event-loop thread.
    connect(process, &QProcess::finished, process, [process, state, finish](int code, QProcess::ExitStatus status) {
        drain(process, QProcess::StandardOutput, &state->out, maxAnswer);
        drain(process, QProcess::StandardError, &state->err, maxStderr);
        if (state->timedOut)
            finish(HookOutcome{HookOutcome::Result::TimedOut, -1, {}, "timed out"});
        else if (status != QProcess::NormalExit)
            finish(HookOutcome{HookOutcome::Result::Failed, -1, {}, "crashed: " + firstLine(state->err)});
        else if (code != 0)
            finish(HookOutcome{HookOutcome::Result::Refused, code, state->out, firstLine(state->err)});
        else
            finish(HookOutcome{HookOutcome::Result::Answered, 0, state->out, firstLine(state->err)});
    });
    connect(process, &QProcess::errorOccurred, process, [process, finish](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            finish(HookOutcome{HookOutcome::Result::Failed, -1, {}, process->errorString().toUtf8()});
    });
    auto *timer = new QTimer(process);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, process, [process, state] {
        state->timedOut = true;
        if (const qint64 pid = process->processId(); pid > 0)
            ::kill(-pid_t(pid), SIGKILL);  // the group; finished() follows once it is reaped
        process->kill();
    });
    timer->start(int(m_timeout.count()));
    process->setProgram(command.first());
    process->setArguments(command.mid(1));
    process->start();
    process->write(payload);
    process->closeWriteChannel();
}

} // namespace qtus

#pragma once
// Hooks as local programs: one command per event (--hook-pre-create, --hook-post-finish)
// or, like tusd's -hooks-dir, an executable named after the event in --hooks-dir
// (pre-create, post-finish, ...). The JSON document goes to stdin; stdout is the answer.
//
// Bounded, whatever a hook does: stdout and stderr are read while it runs (64 KiB of stdout
// and 4 KiB of stderr kept, the rest read and dropped); past the time limit its whole
// process group is killed (each hook runs in a group of its own, so a script's children go
// too); at most 16 run at once and 1,024 wait, beyond that a call is Overloaded.
//
// Threads: the event-loop thread only.
#include "hooktransport.h"

#include <QMap>
#include <QStringList>

namespace qtus {

class CommandHookTransport final : public HookTransport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CommandHookTransport)

public:
    static constexpr qint64 maxStderr = 4 * 1024;

    // commands: a command (program and arguments) per event; directory: where programs named
    // after the events live (empty: none). A command given for an event wins over the directory's.
    CommandHookTransport(const QMap<HookType, QStringList> &commands, const QString &directory, Duration timeout,
                         QObject *parent = nullptr);
    // Hooks still running are killed (their groups), and nobody hears of them.
    ~CommandHookTransport() override;

    bool serves(HookType type) const override;

protected:
    void run(HookType type, const QByteArray &payload, Done done) override;

private:
    QMap<HookType, QStringList> m_commands;
    const Duration m_timeout;
};

} // namespace qtus

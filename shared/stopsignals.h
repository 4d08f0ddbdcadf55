#pragma once
// SIGTERM and SIGINT delivered to the event loop: the handler only writes a byte to a
// socketpair, and received() is emitted from the event loop when it is read, so what a
// program does on a signal (a graceful stop, closing the window) runs outside the signal's
// context. qtusd and qtus-admin each make one, before they say they are listening: whoever
// waits for that line may signal at once. It also ignores SIGPIPE (a peer that went away
// is an error on the write, not a reason to die).
// Threads: the thread running the event loop; one instance per process.
#include <QObject>
#include <QSocketNotifier>

#include <memory>

namespace qtus {

class StopSignals final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StopSignals)

public:
    explicit StopSignals(QObject *parent = nullptr);
    ~StopSignals() override;
    // False when the socketpair could not be made (*error says why); no handler is installed then.
    bool install(QString *error);

signals:
    void received();  // once per signal

private:
    std::unique_ptr<QSocketNotifier> m_notifier;
};

} // namespace qtus

#pragma once
// Listens on one Redis channel and hands each message to a callback on the receiver's
// thread. It keeps its own connection (a subscribed connection can do nothing else) in a
// thread of its own that blocks on the socket; stop() shuts the socket down to end the
// wait. A lost connection is opened again after a pause that grows to 2 s, and
// connectedChanged tells the owner, so "please release" messages sent while it was away are
// known to be lost (the asker then gets 423 and its client retries).
//
// Threads: construct, start() and stop() on the owner's thread; the callback runs there too.
#include "redisconnection.h"

#include <QMutex>
#include <QObject>
#include <QThread>
#include <QWaitCondition>
#include <atomic>
#include <functional>

namespace qtus {

class RedisSubscriber final : public QObject
{
    Q_OBJECT

public:
    RedisSubscriber(RedisAddress address, QByteArray channel, std::function<void(const QByteArray &)> onMessage,
                    QObject *parent = nullptr);
    ~RedisSubscriber() override;

    void start();
    void stop();
    bool isSubscribed() const { return m_subscribed.load(); }

signals:
    void subscribedChanged(bool subscribed);

private:
    void run();  // the listening thread's loop
    void shutdownSocket();

    const RedisAddress m_address;
    const QByteArray m_channel;
    std::function<void(const QByteArray &)> m_onMessage;
    std::unique_ptr<QThread> m_thread;
    std::atomic_bool m_stopping{false};
    std::atomic_bool m_subscribed{false};
    QMutex m_fdMutex;
    int m_fd = -1;  // the listening connection's socket, for stop() (guarded by m_fdMutex)
    QWaitCondition m_wake;  // the pause between reconnections ends at stop()
};

} // namespace qtus

#pragma once
// Upload locks shared by every qtusd on one Redis (--redis), so that servers in front of one
// store never write an upload at the same time.
// - A lock is the key <prefix>lock:<id> holding this process's random token, set only if
//   absent (SET NX PX) with a TTL. While held, it is renewed every ttl/3, so a crashed
//   node's locks go after at most the TTL. A renewal that finds the key gone (Redis
//   restarted empty) sets it again; one that finds another token logs the loss.
// - Release is a script that deletes the key only if it still holds this token.
// - "Please let go" crosses nodes on the channel <prefix>release: a request that finds an
//   upload locked by another node publishes "<N|S> <id>" (Now or IfStalled); the node that
//   holds the lock runs the holder's release handler as UploadLocks does, and the asker
//   answers 423 meanwhile (tus clients retry it).
// - When Redis cannot be reached within the command timeout, tryLock returns an unavailable
//   lock (the handler answers 503) instead of guessing.
//
// Threads: as UploadLocker. Construct and start() on the event-loop thread: the renewal
// timer and the release messages run there, and release handlers run on their own thread.
#include "redisconnection.h"
#include "redissubscriber.h"
#include "uploadlocks.h"

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <chrono>

namespace qtus {

struct RedisLockSettings
{
    RedisAddress address;
    QByteArray keyPrefix = "qtus:";
    std::chrono::milliseconds ttl{30000};            // how long a crashed node's lock outlives it
    std::chrono::milliseconds commandTimeout{1000};  // each Redis command, at most
};

class RedisUploadLocks final : public QObject, public UploadLocker
{
    Q_OBJECT

public:
    explicit RedisUploadLocks(RedisLockSettings settings, QObject *parent = nullptr);
    ~RedisUploadLocks() override;

    // Subscribes to release requests and starts renewing. Checks Redis answers; false and
    // *error when it does not (the server does not start without its locks).
    bool start(QString *error);

    UploadLock tryLock(const QString &id) override;
    bool isLocked(const QString &id) const override;
    int count() const override;
    bool requestRelease(const QString &id, Release how = Release::IfStalled) override;
    // Another node's holder may always be asked.
    bool hasReleaseHandlers() const override { return true; }
    bool isShared() const override { return true; }
    const QByteArray &token() const { return m_token; }
    QByteArray keyOf(const QString &id) const { return m_settings.keyPrefix + "lock:" + id.toUtf8(); }

signals:
    void renewed(int locks);               // one renewal round finished
    void lockLost(const QString &id);      // another token holds a key this process held
    void subscribedChanged(bool subscribed);

protected:
    void unlock(const QString &id) override;
    void setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo) override;

private:
    struct Holder
    {
        QPointer<QObject> context;
        std::function<void(bool)> letGo;
    };
    void renewAll();
    void onReleaseMessage(const QByteArray &message);
    bool letGoHere(const QString &id, bool now);

    const RedisLockSettings m_settings;
    const QByteArray m_token;
    mutable RedisConnection m_redis;
    RedisSubscriber m_subscriber;
    QTimer m_renewal;
    mutable QMutex m_mutex;
    QHash<QString, Holder> m_held;  // locks held through this process
};

} // namespace qtus

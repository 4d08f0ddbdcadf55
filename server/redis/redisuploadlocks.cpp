#include "redisuploadlocks.h"

#include "logging.h"

#include <QRandomGenerator>
#include <QThread>

namespace qtus {

namespace {

// KEYS[1] the lock, ARGV[1] the token: delete only our own lock.
const QByteArray releaseScript = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
// ARGV[2] the TTL in ms: 1 renewed, 2 set again (Redis lost it), 0 another token holds it.
const QByteArray renewScript = "local v = redis.call('GET', KEYS[1]) "
                               "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end "
                               "if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
                               "return 0";

QByteArray randomToken()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
}

} // namespace

RedisUploadLocks::RedisUploadLocks(RedisLockSettings settings, QObject *parent)
    : QObject(parent),
      m_settings(std::move(settings)),
      m_token(randomToken()),
      m_redis(m_settings.address, m_settings.commandTimeout),
      m_subscriber(m_settings.address, m_settings.keyPrefix + "release",
                   [this](const QByteArray &message) { onReleaseMessage(message); })
{
    connect(&m_subscriber, &RedisSubscriber::subscribedChanged, this, &RedisUploadLocks::subscribedChanged);
    m_renewal.setInterval(std::max<std::chrono::milliseconds>(m_settings.ttl / 3, std::chrono::milliseconds(1)));
    connect(&m_renewal, &QTimer::timeout, this, &RedisUploadLocks::renewAll);
}

RedisUploadLocks::~RedisUploadLocks() { m_subscriber.stop(); }

bool RedisUploadLocks::start(QString *error)
{
    const RedisReply pong = m_redis.command({"PING"});
    if (!pong.ok()) {
        *error = QStringLiteral("Redis at %1 does not answer: %2").arg(m_settings.address.display(), QString::fromUtf8(pong.string));
        return false;
    }
    m_subscriber.start();
    m_renewal.start();
    return true;
}

UploadLock RedisUploadLocks::tryLock(const QString &id)
{
    QMutexLocker guard(&m_mutex);  // held across the command: two local requests never both win
    if (m_held.contains(id))
        return {};
    const RedisReply reply = m_redis.command({"SET", keyOf(id), m_token, "NX", "PX", QByteArray::number(qint64(m_settings.ttl.count()))});
    if (reply.kind == RedisReply::Kind::Nil)
        return {};  // another node holds it
    if (reply.kind != RedisReply::Kind::String) {
        qCWarning(lcServer).noquote() << "cannot lock" << id << "in Redis:" << reply.string;
        return unavailableLock();
    }
    m_held.insert(id, Holder());
    return makeLock(id);
}

bool RedisUploadLocks::isLocked(const QString &id) const
{
    {
        QMutexLocker guard(&m_mutex);
        if (m_held.contains(id))
            return true;
    }
    const RedisReply reply = m_redis.command({"EXISTS", keyOf(id)});
    return !reply.ok() || reply.integer != 0;  // unknown counts as locked: nobody acts on a guess
}

int RedisUploadLocks::count() const
{
    QMutexLocker guard(&m_mutex);
    return int(m_held.size());
}

bool RedisUploadLocks::requestRelease(const QString &id, Release how)
{
    bool local;
    {
        QMutexLocker guard(&m_mutex);
        local = m_held.contains(id);
    }
    if (local)
        return letGoHere(id, how == Release::Now);
    if (!isLocked(id))
        return true;
    const QByteArray message = QByteArray(how == Release::Now ? "N " : "S ") + id.toUtf8();
    m_redis.command({"PUBLISH", m_settings.keyPrefix + "release", message});
    return false;  // the holder lets go on its own node, if it will; the asker answers 423
}

bool RedisUploadLocks::letGoHere(const QString &id, bool now)
{
    return callReleaseHandler(m_mutex, m_held, id, now);
}

void RedisUploadLocks::onReleaseMessage(const QByteArray &message)
{
    if (message.size() < 3 || message[1] != ' ' || (message[0] != 'N' && message[0] != 'S'))
        return;  // not one of ours: a peer is never trusted to send sense
    const QString id = QString::fromUtf8(message.mid(2));
    letGoHere(id, message[0] == 'N');
}

void RedisUploadLocks::setReleaseHandler(const QString &id, QObject *context, std::function<void(bool)> letGo)
{
    QMutexLocker guard(&m_mutex);
    const auto it = m_held.find(id);
    if (it == m_held.end())
        return;
    it->context = context;
    it->letGo = std::move(letGo);
}

void RedisUploadLocks::unlock(const QString &id)
{
    {
        QMutexLocker guard(&m_mutex);
        if (!m_held.remove(id))
            return;
    }
    const RedisReply reply = m_redis.command({"EVAL", releaseScript, "1", keyOf(id), m_token});
    if (!reply.ok())  // the key expires on its own within the TTL
        qCWarning(lcServer).noquote() << "cannot release the lock of" << id << "in Redis:" << reply.string;
}

void RedisUploadLocks::renewAll()
{
    QStringList ids;
    {
        QMutexLocker guard(&m_mutex);
        ids = m_held.keys();
    }
    const QByteArray ttl = QByteArray::number(qint64(m_settings.ttl.count()));
    for (const QString &id : ids) {
        const RedisReply reply = m_redis.command({"EVAL", renewScript, "1", keyOf(id), m_token, ttl});
        if (reply.kind == RedisReply::Kind::Integer && reply.integer == 0) {
            qCCritical(lcServer).noquote() << "the lock of" << id << "is held by another server now";
            emit lockLost(id);
        } else if (!reply.ok()) {
            qCWarning(lcServer).noquote() << "cannot renew the lock of" << id << "in Redis:" << reply.string;
        }
    }
    emit renewed(int(ids.size()));
}

} // namespace qtus

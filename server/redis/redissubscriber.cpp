#include "redissubscriber.h"

#include "logging.h"

#include <QMetaObject>
#include <hiredis/hiredis.h>
#include <sys/socket.h>

namespace qtus {

RedisSubscriber::RedisSubscriber(RedisAddress address, QByteArray channel,
                                 std::function<void(const QByteArray &)> onMessage, QObject *parent)
    : QObject(parent), m_address(std::move(address)), m_channel(std::move(channel)), m_onMessage(std::move(onMessage))
{
}

RedisSubscriber::~RedisSubscriber() { stop(); }

void RedisSubscriber::start()
{
    if (m_thread)
        return;
    m_stopping = false;
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->start();
}

void RedisSubscriber::stop()
{
    if (!m_thread)
        return;
    {
        QMutexLocker guard(&m_fdMutex);
        m_stopping = true;
        m_wake.wakeAll();
    }
    shutdownSocket();
    m_thread->wait();
    m_thread.reset();
}

void RedisSubscriber::shutdownSocket()
{
    QMutexLocker guard(&m_fdMutex);
    if (m_fd >= 0)
        ::shutdown(m_fd, SHUT_RDWR);
}

void RedisSubscriber::run()
{
    int pauseMs = 50;
    const auto setSubscribed = [this](bool on) {
        if (m_subscribed.exchange(on) != on)
            QMetaObject::invokeMethod(this, [this, on] { emit subscribedChanged(on); }, Qt::QueuedConnection);
    };
    while (!m_stopping) {
        QString why;
        // The timeout bounds connecting only: once subscribed, a read waits for the next message.
        redisContext *c = RedisConnection::open(m_address, std::chrono::milliseconds(1000), &why);
        if (c) {
            redisSetTimeout(c, timeval{0, 0});
            auto *reply = static_cast<redisReply *>(
                redisCommand(c, "SUBSCRIBE %b", m_channel.constData(), size_t(m_channel.size())));
            if (reply) {
                freeReplyObject(reply);
                {
                    QMutexLocker guard(&m_fdMutex);
                    m_fd = c->fd;
                }
                if (m_stopping)  // stop() came before the fd was known
                    shutdownSocket();
                setSubscribed(true);
                pauseMs = 50;
                void *raw = nullptr;
                while (!m_stopping && redisGetReply(c, &raw) == REDIS_OK) {
                    auto *message = static_cast<redisReply *>(raw);
                    // ["message", channel, payload]
                    if (message->type == REDIS_REPLY_ARRAY && message->elements == 3
                        && message->element[2]->type == REDIS_REPLY_STRING) {
                        const QByteArray payload(message->element[2]->str, int(message->element[2]->len));
                        QMetaObject::invokeMethod(this, [this, payload] { m_onMessage(payload); }, Qt::QueuedConnection);
                    }
                    freeReplyObject(message);
                }
                why = QString::fromLocal8Bit(c->errstr);
                QMutexLocker guard(&m_fdMutex);
                m_fd = -1;
            }
            redisFree(c);
        }
        setSubscribed(false);
        if (m_stopping)
            break;
        qCWarning(lcServer).noquote() << "Redis subscription to" << m_channel << "lost:" << why << "- retrying";
        // The listening thread's pause before it reconnects; stop() wakes it.
        QMutexLocker guard(&m_fdMutex);
        if (!m_stopping)
            m_wake.wait(&m_fdMutex, QDeadlineTimer(pauseMs));
        pauseMs = qMin(pauseMs * 2, 2000);
    }
}

} // namespace qtus

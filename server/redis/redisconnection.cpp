#include "redisconnection.h"

#include <QUrl>
#include <QUrlQuery>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <csignal>
#include <mutex>
#include <vector>

namespace qtus {

namespace {

// After a failure, commands fail at once (Unreachable) for this long before the next try, so
// a Redis that is down costs each request microseconds, not a connection timeout.
constexpr qint64 retryIntervalMs = 200;

timeval toTimeval(std::chrono::milliseconds ms)
{
    return timeval{time_t(ms.count() / 1000), suseconds_t((ms.count() % 1000) * 1000)};
}

RedisReply convert(const redisReply *reply)
{
    RedisReply out;
    switch (reply->type) {
    case REDIS_REPLY_INTEGER:
        out.kind = RedisReply::Kind::Integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        out.kind = RedisReply::Kind::String;
        out.string = QByteArray(reply->str, int(reply->len));
        break;
    case REDIS_REPLY_NIL:
        out.kind = RedisReply::Kind::Nil;
        break;
    case REDIS_REPLY_ARRAY:
        out.kind = RedisReply::Kind::Array;
        out.integer = qint64(reply->elements);
        break;
    default:
        out.kind = RedisReply::Kind::Error;
        out.string = QByteArray(reply->str, int(reply->len));
    }
    return out;
}

RedisReply unreachable(const QByteArray &why)
{
    RedisReply r;
    r.kind = RedisReply::Kind::Unreachable;
    r.string = why;
    return r;
}

} // namespace

std::optional<RedisAddress> RedisAddress::parse(const QString &text, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    RedisAddress a;
    bool ok = true;
    if (url.scheme() == QLatin1String("unix")) {
        a.socketPath = url.path();
        const QString db = QUrlQuery(url).queryItemValue(QStringLiteral("db"));
        if (!db.isEmpty())
            a.database = db.toInt(&ok);
        if (a.socketPath.isEmpty() || !a.socketPath.startsWith(QLatin1Char('/')))
            ok = false;
    } else if (url.scheme() == QLatin1String("redis")) {
        a.host = url.host();
        a.port = url.port(6379);
        const QString path = url.path();
        if (path.size() > 1)
            a.database = path.mid(1).toInt(&ok);
        if (a.host.isEmpty())
            ok = false;
    } else {
        ok = false;
    }
    if (!url.password().isEmpty())
        a.password = url.password(QUrl::FullyDecoded).toUtf8();
    if (!url.isValid() || !ok || a.database < 0 || a.database > 1000) {
        *error = QStringLiteral("not a Redis address: use redis://host:port/db or unix:/path/to/socket?db=N");
        return std::nullopt;
    }
    return a;
}

QString RedisAddress::display() const
{
    const QString where = socketPath.isEmpty() ? QStringLiteral("redis://%1:%2").arg(host).arg(port)
                                               : QStringLiteral("unix:%1").arg(socketPath);
    return QStringLiteral("%1 db %2").arg(where).arg(database);
}

RedisConnection::RedisConnection(RedisAddress address, std::chrono::milliseconds timeout)
    : m_address(std::move(address)), m_timeout(timeout)
{
    // hiredis writes with write(), not send(MSG_NOSIGNAL): a Redis that went away would kill
    // the process with SIGPIPE instead of failing the command. Both programs ignore SIGPIPE
    // already (stopsignals.h); this covers every other user, tests among them.
    static std::once_flag ignored;
    std::call_once(ignored, [] { std::signal(SIGPIPE, SIG_IGN); });
}

RedisConnection::~RedisConnection() { drop(); }

redisContext *RedisConnection::open(const RedisAddress &address, std::chrono::milliseconds timeout, QString *error)
{
    const timeval tv = toTimeval(timeout);
    redisContext *c = address.socketPath.isEmpty()
                          ? redisConnectWithTimeout(address.host.toUtf8().constData(), address.port, tv)
                          : redisConnectUnixWithTimeout(address.socketPath.toUtf8().constData(), tv);
    if (!c || c->err) {
        *error = c ? QString::fromLocal8Bit(c->errstr) : QStringLiteral("out of memory");
        if (c)
            redisFree(c);
        return nullptr;
    }
    redisSetTimeout(c, tv);
    const auto setup = [&](const char *format, const QByteArray &arg) {
        auto *reply = static_cast<redisReply *>(redisCommand(c, format, arg.constData(), size_t(arg.size())));
        const bool fine = reply && reply->type != REDIS_REPLY_ERROR;
        if (!fine)
            *error = reply ? QString::fromUtf8(reply->str, int(reply->len)) : QString::fromLocal8Bit(c->errstr);
        if (reply)
            freeReplyObject(reply);
        return fine;
    };
    if ((!address.password.isEmpty() && !setup("AUTH %b", address.password))
        || (address.database != 0 && !setup("SELECT %b", QByteArray::number(address.database)))) {
        redisFree(c);
        return nullptr;
    }
    return c;
}

RedisReply RedisConnection::command(const QByteArrayList &arguments)
{
    QMutexLocker guard(&m_mutex);
    return commandLocked(arguments);
}

RedisReply RedisConnection::commandLocked(const QByteArrayList &arguments)
{
    if (!m_context) {
        if (m_lastAttempt.isValid() && m_lastAttempt.elapsed() < retryIntervalMs)
            return unreachable("Redis was unreachable moments ago");
        m_lastAttempt.start();
        QString why;
        m_context = open(m_address, m_timeout, &why);
        if (!m_context)
            return unreachable(why.toUtf8());
    }
    std::vector<const char *> argv;
    std::vector<size_t> argvlen;
    for (const QByteArray &a : arguments) {
        argv.push_back(a.constData());
        argvlen.push_back(size_t(a.size()));
    }
    auto *reply = static_cast<redisReply *>(redisCommandArgv(m_context, int(argv.size()), argv.data(), argvlen.data()));
    if (!reply && m_context->err == REDIS_ERR_EOF) {
        // The server closed a connection that worked (a Redis restart): one new connection,
        // at once. A timeout is not retried: the deadline is spent.
        drop();
        QString why;
        m_context = open(m_address, m_timeout, &why);
        if (!m_context) {
            m_lastAttempt.start();
            return unreachable(why.toUtf8());
        }
        reply = static_cast<redisReply *>(redisCommandArgv(m_context, int(argv.size()), argv.data(), argvlen.data()));
    }
    if (!reply) {  // the connection broke or timed out; hiredis cannot use it again
        const QByteArray why = m_context->errstr;
        drop();
        m_lastAttempt.start();
        return unreachable(why.isEmpty() ? QByteArray("no reply") : why);
    }
    const RedisReply out = convert(reply);
    freeReplyObject(reply);
    return out;
}

void RedisConnection::drop()
{
    if (m_context)
        redisFree(m_context);
    m_context = nullptr;
}

} // namespace qtus

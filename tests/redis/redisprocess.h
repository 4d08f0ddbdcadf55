#pragma once
// A private redis-server for a test: unix socket only (port 0), nothing saved, in a
// temporary directory; stop() and start() again model a Redis restart (it comes back empty).
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <hiredis/hiredis.h>

namespace qtus::test {

class RedisProcess
{
public:
    RedisProcess() { m_dir.setAutoRemove(true); }
    ~RedisProcess() { stop(); }
    QString socketPath() const { return m_dir.filePath(QStringLiteral("redis.sock")); }
    QString url() const { return QStringLiteral("unix:") + socketPath(); }

    // Starts it and waits until it answers PING (QTRY, no fixed sleep).
    bool start()
    {
        m_process.setProgram(QStringLiteral("redis-server"));
        m_process.setArguments({QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--unixsocket"), socketPath(),
                                QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                                QStringLiteral("--dir"), m_dir.path()});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("redis.log")), QIODevice::Append);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        // As QTRY_VERIFY polls: the event loop runs between tries.
        QDeadlineTimer deadline(10000);
        while (!ping() && !deadline.hasExpired())
            QTest::qWait(20);
        return ping();
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();  // like a crash: no shutdown save (nothing to save anyway)
        m_process.waitForFinished(5000);
    }
    // One command on a fresh connection; the reply as text ("(nil)" for nil, the integer as digits).
    QByteArray command(const QByteArrayList &arguments) const
    {
        redisContext *c = redisConnectUnix(QFile::encodeName(socketPath()).constData());
        if (!c || c->err) {
            if (c)
                redisFree(c);
            return "(down)";
        }
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        for (const QByteArray &a : arguments) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        auto *r = static_cast<redisReply *>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data()));
        QByteArray out = "(down)";
        if (r) {
            const redisReply *v = r;
            if (r->type == REDIS_REPLY_ARRAY)  // PUBSUB NUMSUB: [channel, count]; the last element
                v = r->elements > 0 ? r->element[r->elements - 1] : nullptr;
            if (!v)
                out = "(empty)";
            else if (v->type == REDIS_REPLY_INTEGER)
                out = QByteArray::number(v->integer);
            else if (v->type == REDIS_REPLY_NIL)
                out = "(nil)";
            else
                out = QByteArray(v->str, int(v->len));
            freeReplyObject(r);
        }
        redisFree(c);
        return out;
    }
    bool ping() const { return command({"PING"}) == "PONG"; }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
};

} // namespace qtus::test


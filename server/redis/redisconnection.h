#pragma once
// One synchronous connection to Redis through hiredis, for short commands (take, renew and
// release a lock, publish a release request). Every command has a deadline (the connection's
// timeout), so an unreachable or stalled Redis costs a request at most that long, never a
// hang; after a failure the next command reconnects, at most once per retry interval.
//
// Threads: any thread; one command at a time (a mutex), so a command from a storage worker
// and one from the event loop never interleave on the socket.
#include <QByteArray>
#include <QByteArrayList>
#include <QElapsedTimer>
#include <QMutex>
#include <QString>

#include <chrono>
#include <optional>

struct redisContext;

namespace qtus {

// Where Redis is: redis://[:password@]host[:port][/db] or unix:/path/to/socket[?db=N].
struct RedisAddress
{
    QString host;        // empty for a unix socket
    int port = 6379;
    QString socketPath;  // set for a unix socket
    int database = 0;
    QByteArray password;
    // nullopt and *error set when the text is none of the forms above.
    static std::optional<RedisAddress> parse(const QString &url, QString *error);
    QString display() const;  // for logs: never the password
};

// What one command answered: an integer, a string (bulk or status), nil, or an error.
struct RedisReply
{
    enum class Kind { Integer, String, Nil, Array, Error, Unreachable };
    Kind kind = Kind::Unreachable;
    long long integer = 0;
    QByteArray string;   // the string, the server's error text, or why it was unreachable
    bool ok() const { return kind != Kind::Error && kind != Kind::Unreachable; }
};

class RedisConnection
{
public:
    explicit RedisConnection(RedisAddress address, std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    // Sends one command (arguments binary-safe) and waits for its reply, at most the timeout.
    RedisReply command(const QByteArrayList &arguments);
    const RedisAddress &address() const { return m_address; }

    // Connects, authenticates and selects the database; nullptr and *error on failure.
    // Used by this class and by the subscriber, which keeps its own connection.
    static redisContext *open(const RedisAddress &address, std::chrono::milliseconds timeout, QString *error);

private:
    RedisReply commandLocked(const QByteArrayList &arguments);
    void drop();

    const RedisAddress m_address;
    const std::chrono::milliseconds m_timeout;
    QMutex m_mutex;
    redisContext *m_context = nullptr;  // guarded by m_mutex
    QElapsedTimer m_lastAttempt;        // when a failed connection was last retried
};

} // namespace qtus

#pragma once
// S3Client is asynchronous and lives on one thread; UploadStore is synchronous and called
// from the event loop, storage workers and the cleanup worker. S3Session gives the store
// blocking calls: the client runs on a thread of its own, a call is posted there and the
// caller waits for its callback. Every call ends: the client gives up a request when no
// byte moves for its transfer timeout.
//
// Threads: any thread but the session's own may call.
#include "s3client.h"

#include <QSemaphore>
#include <QThread>

#include <functional>
#include <memory>

namespace qtus {

class S3Session
{
public:
    explicit S3Session(S3Config config);
    ~S3Session();
    S3Session(const S3Session &) = delete;
    S3Session &operator=(const S3Session &) = delete;

    const S3Config &config() const { return m_config; }

    // Runs op on the client's thread and waits for the callback it is given.
    template <typename T>
    S3Result<T> call(std::function<void(S3Client &client, S3Client::Callback<T> done)> op)
    {
        S3Result<T> result;
        QSemaphore finished;
        post([&] { op(*m_client, [&](const S3Result<T> &r) { result = r; finished.release(); }); });
        finished.acquire();
        return result;
    }
    // Runs work on the client's thread and goes on without waiting (a streamed download).
    void start(std::function<void(S3Client &client)> work)
    {
        post([this, work = std::move(work)] { work(*m_client); });
    }
    // A whole object of at most maxSize bytes (an .info, a tail of under 5 MiB), in memory;
    // larger is an error. notFound() when it does not exist.
    S3Result<QByteArray> getSmallObject(const QString &key, qint64 maxSize);
    // Bytes of an object appended to the file fd (a staging file).
    S3Status downloadTo(const QString &key, int fd);

private:
    void post(std::function<void()> work);

    const S3Config m_config;
    QThread m_thread;
    QObject m_anchor;  // lives in m_thread: where the client is made and deleted
    S3Client *m_client = nullptr;  // lives in m_thread; deleted there
};

} // namespace qtus

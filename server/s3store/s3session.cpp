#include "s3session.h"

#include "s3objectreader.h"

#include <QMetaObject>
#include <cerrno>
#include <cstring>
#include <memory>
#include <unistd.h>

namespace qtus {

S3Session::S3Session(S3Config config) : m_config(std::move(config))
{
    m_thread.setObjectName(QStringLiteral("s3"));
    m_thread.start();
    // Made on its thread: the client's QNetworkAccessManager must live there too.
    m_anchor.moveToThread(&m_thread);
    QMetaObject::invokeMethod(&m_anchor, [this] { m_client = new S3Client(m_config); }, Qt::BlockingQueuedConnection);
}

S3Session::~S3Session()
{
    QMetaObject::invokeMethod(&m_anchor, [this] {
        delete m_client;
        m_anchor.moveToThread(nullptr);  // back to no thread, so it can go with this object
    }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void S3Session::post(std::function<void()> work)
{
    Q_ASSERT(QThread::currentThread() != &m_thread);
    QMetaObject::invokeMethod(m_client, std::move(work), Qt::QueuedConnection);
}

namespace {

// What a streamed GetObject hands back to the waiting caller. Shared: signals of a reader
// being deleted must find it alive after the caller has gone on.
template <typename T>
struct Transfer
{
    S3Result<T> result;
    QSemaphore finished;
    bool done = false;  // the caller was released (on the client's thread only)
};

// Reads an object on the client's thread: sink(bytes) takes each piece and returns an error
// to stop; the caller waits for the end.
template <typename T>
void stream(S3Client &client, const QString &key, std::shared_ptr<Transfer<T>> transfer,
            std::function<std::optional<S3Error>(const QByteArray &, S3Result<T> &)> sink)
{
    S3ObjectReader *reader = client.getObject(key);
    const auto end = [reader, transfer](std::optional<S3Error> error) {
        if (transfer->done)
            return;
        if (error)
            transfer->result.error = error;
        transfer->done = true;
        reader->disconnect();
        reader->deleteLater();
        transfer->finished.release();
    };
    const auto drain = [reader, transfer, sink]() -> std::optional<S3Error> {
        while (reader->bytesAvailable() > 0) {
            if (auto error = sink(reader->read(1024 * 1024), transfer->result))
                return error;
        }
        return std::nullopt;
    };
    QObject::connect(reader, &S3ObjectReader::readyRead, reader, [=] {
        if (auto error = drain())
            end(error);
    });
    QObject::connect(reader, &S3ObjectReader::finished, reader, [=] {
        auto error = drain();
        end(error ? error : reader->error());
    });
}

} // namespace

S3Result<QByteArray> S3Session::getSmallObject(const QString &key, qint64 maxSize)
{
    auto transfer = std::make_shared<Transfer<QByteArray>>();
    post([=] {
        stream<QByteArray>(*m_client, key, transfer, [key, maxSize](const QByteArray &bytes, S3Result<QByteArray> &r) -> std::optional<S3Error> {
            if (r.value.size() + bytes.size() > maxSize)
                return S3Error{0, QStringLiteral("TooLarge"), QStringLiteral("%1 is larger than %2 bytes").arg(key).arg(maxSize), {}, false};
            r.value += bytes;
            return std::nullopt;
        });
    });
    transfer->finished.acquire();
    return transfer->result;
}

S3Status S3Session::downloadTo(const QString &key, int fd)
{
    auto transfer = std::make_shared<Transfer<std::monostate>>();
    post([=] {
        stream<std::monostate>(*m_client, key, transfer, [fd](const QByteArray &bytes, S3Status &) -> std::optional<S3Error> {
            qint64 done = 0;
            while (done < bytes.size()) {
                const ssize_t n = ::write(fd, bytes.constData() + done, size_t(bytes.size() - done));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return S3Error{0, QStringLiteral("LocalWrite"), QString::fromLocal8Bit(strerror(errno)), {}, false};
                done += n;
            }
            return std::nullopt;
        });
    });
    transfer->finished.acquire();
    return transfer->result;
}

} // namespace qtus

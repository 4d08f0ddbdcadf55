#include "s3contentreader.h"

#include "s3objectreader.h"
#include "s3session.h"

#include <QMutex>
#include <cstring>
#include <deque>

namespace qtus {

// What both threads see. The S3 side's reader is made, read and deleted on the session's
// thread; the event loop only asks it (queued) to go on, or (deleteLater) to stop.
struct S3ContentReader::Shared
{
    QMutex mutex;
    // Arrived, not yet read, at most maxBuffered bytes: pieces as the reply gave them (no
    // copying to join them, no moving what is left when the front is read).
    std::deque<QByteArray> pieces;
    qint64 frontRead = 0;              // bytes of pieces.front() already read
    qint64 buffered = 0;               // bytes in pieces not yet read
    bool started = false;              // S3 answered 2xx
    bool finished = false;             // the transfer ended; error says how
    std::optional<S3Error> error;
    S3ContentReader *owner = nullptr;  // until its destructor; notified queued
    bool notifyQueued = false;
    S3ObjectReader *source = nullptr;  // until it is destroyed (session thread)
    bool pumpQueued = false;
    qint64 offset = 0;                 // where the range starts
};

void S3ContentReader::notifyLocked(Shared &shared)
{
    if (!shared.owner || shared.notifyQueued)
        return;
    shared.notifyQueued = true;
    S3ContentReader *owner = shared.owner;
    // Posted under the mutex: the owner's destructor takes it first, so the owner is alive
    // here, and its destructor drops the event if it goes before the event runs.
    QMetaObject::invokeMethod(owner, [owner] { owner->onNotified(); }, Qt::QueuedConnection);
}

// On the session's thread: moves what the S3 reply has into the buffer, up to its bound.
void S3ContentReader::pump(const std::shared_ptr<Shared> &shared)
{
    QMutexLocker guard(&shared->mutex);
    shared->pumpQueued = false;
    S3ObjectReader *source = shared->source;
    if (!source)
        return;
    bool changed = false;
    if (!shared->started && !shared->finished && source->httpStatus() / 100 == 2) {
        // A 200 carries the whole object: right only when the range starts at 0.
        if (source->httpStatus() == 206 || shared->offset == 0) {
            shared->started = true;
        } else {
            shared->finished = true;
            shared->error = S3Error{source->httpStatus(), QStringLiteral("RangeIgnored"),
                                    QStringLiteral("S3 answered 200 to a range request"), {}, false};
            shared->source = nullptr;
            source->disconnect();
            source->deleteLater();
        }
        changed = true;
    }
    while (source->bytesAvailable() > 0 && shared->buffered < S3ContentReader::maxBuffered) {
        QByteArray piece = source->read(S3ContentReader::maxBuffered - shared->buffered);
        shared->buffered += piece.size();
        shared->pieces.push_back(std::move(piece));
        changed = true;
    }
    if (shared->source && source->isFinished() && source->bytesAvailable() == 0) {
        shared->finished = true;
        shared->error = source->error();
        shared->source = nullptr;
        source->disconnect();
        source->deleteLater();
        changed = true;
    }
    if (changed)
        notifyLocked(*shared);
}

S3ContentReader::S3ContentReader(S3Session &session, const QString &key, qint64 offset, qint64 length, QObject *parent)
    : ContentReader(parent), m_shared(std::make_shared<Shared>()), m_key(key), m_left(length)
{
    m_shared->owner = this;
    m_shared->offset = offset;
    const std::shared_ptr<Shared> shared = m_shared;
    const S3ByteRange range{offset, offset + length - 1};
    session.start([shared, key, range](S3Client &client) {
        QMutexLocker guard(&shared->mutex);
        if (!shared->owner)
            return;  // the download was given up before it started
        S3ObjectReader *source = client.getObject(key, range);
        shared->source = source;
        QObject::connect(source, &QObject::destroyed, [shared] {
            QMutexLocker inner(&shared->mutex);
            shared->source = nullptr;
        });
        QObject::connect(source, &S3ObjectReader::started, source, [shared] { pump(shared); });
        QObject::connect(source, &S3ObjectReader::readyRead, source, [shared] { pump(shared); });
        QObject::connect(source, &S3ObjectReader::finished, source, [shared] { pump(shared); });
    });
}

S3ContentReader::~S3ContentReader()
{
    QMutexLocker guard(&m_shared->mutex);
    m_shared->owner = nullptr;
    if (m_shared->source)
        m_shared->source->deleteLater();  // aborts the transfer, on the session's thread
}

void S3ContentReader::onNotified()
{
    {
        QMutexLocker guard(&m_shared->mutex);
        m_shared->notifyQueued = false;
        if (m_state == State::Opening) {
            if (m_shared->started) {
                m_state = State::Open;
            } else if (m_shared->finished) {
                m_state = State::Failed;
                const std::optional<S3Error> &error = m_shared->error;
                m_why = error ? error->describe() : QStringLiteral("no answer");
                m_failure = !error                 ? TusError::StorageFailure
                            : error->unreachable   ? TusError::StorageUnavailable
                            : error->notFound()    ? TusError::NotFound
                                                   : TusError::StorageFailure;
            }
        }
    }
    emit readyRead();
}

qint64 S3ContentReader::read(char *data, qint64 maxSize)
{
    if (m_state != State::Open)
        return -1;
    if (m_left <= 0)
        return 0;
    QMutexLocker guard(&m_shared->mutex);
    Shared &shared = *m_shared;
    const qint64 n = qMin(qMin(maxSize, m_left), shared.buffered);
    if (n > 0) {
        qint64 copied = 0;
        while (copied < n) {
            const QByteArray &front = shared.pieces.front();
            const qint64 take = qMin(n - copied, qint64(front.size()) - shared.frontRead);
            std::memcpy(data + copied, front.constData() + shared.frontRead, size_t(take));
            copied += take;
            shared.frontRead += take;
            if (shared.frontRead == front.size()) {
                shared.pieces.pop_front();
                shared.frontRead = 0;
            }
        }
        shared.buffered -= n;
        m_left -= n;
        // Room for more: ask the S3 side to go on reading its reply.
        if (shared.source && !shared.pumpQueued && shared.buffered < maxBuffered) {
            shared.pumpQueued = true;
            const std::shared_ptr<Shared> keep = m_shared;
            QMetaObject::invokeMethod(shared.source, [keep] { pump(keep); }, Qt::QueuedConnection);
        }
        return n;
    }
    if (!m_shared->finished)
        return 0;  // readyRead() follows
    // Ended with bytes still owed: cut short, or failed part-way.
    m_state = State::Failed;
    m_why = m_shared->error ? m_shared->error->describe() : QStringLiteral("the object ended early");
    return -1;
}

QString S3ContentReader::describe() const
{
    return m_why.isEmpty() ? m_key : m_key + QStringLiteral(": ") + m_why;
}

} // namespace qtus

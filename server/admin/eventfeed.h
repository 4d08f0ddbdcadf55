#pragma once
// The admin API's live events (GET /api/v1/events, docs/admin-api.md): what happens to
// uploads and to the cleanup, numbered, with the last `capacity` kept so a client that
// reconnects with Last-Event-ID gets what it missed. Progress is coalesced: at most one
// event per upload per progressInterval, carrying the latest offset.
//
// Event ids are "<instance>-<sequence>": the instance is random per process, so a client
// whose id names another instance (the server restarted) knows it missed everything.
//
// Threads: lives on the event-loop thread; the store's and the scheduler's signals reach it
// queued from whatever thread emitted them.
#include "cleanupscheduler.h"
#include "uploadstore.h"

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <deque>
#include <optional>

namespace qtus {

struct FeedEvent
{
    quint64 sequence = 0;
    QByteArray type;   // "created", "progress", ...
    QByteArray data;   // compact JSON
};

class EventFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventFeed)

public:
    static constexpr int capacity = 10000;
    static constexpr std::chrono::milliseconds progressInterval{250};

    // uploadUrl: the endpoint as clients see it, for the sessions' url field.
    EventFeed(UploadStore &store, CleanupScheduler &scheduler, const Clock &clock, const QString &uploadUrl,
              QObject *parent = nullptr);

    const QByteArray &instance() const { return m_instance; }
    quint64 lastSequence() const { return m_sequence; }
    QByteArray idOf(quint64 sequence) const { return m_instance + '-' + QByteArray::number(sequence); }
    // The events after the one named by lastEventId, or nullopt when they are not all kept
    // (too old, or another instance's id): the client then needs a snapshot.
    std::optional<std::vector<FeedEvent>> eventsAfter(const QByteArray &lastEventId) const;
    QJsonObject sessionJson(const UploadInfo &info) const;

    // Announces the server's graceful stop.
    void publishStopping();

signals:
    void published(const qtus::FeedEvent &event);

private:
    void publish(const char *type, const QJsonObject &data);
    void onProgress(const QString &id);
    void flushProgress();
    void onRemoved(const QString &id, RemovalReason reason);

    UploadStore &m_store;
    const Clock &m_clock;
    const QString m_uploadUrl;
    const QByteArray m_instance;
    quint64 m_sequence = 0;
    std::deque<FeedEvent> m_kept;
    QSet<QString> m_progressed;  // uploads with progress not yet announced
    QTimer m_progressTimer;
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::FeedEvent)

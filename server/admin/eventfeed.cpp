#include "eventfeed.h"

#include "adminjson.h"

#include <QJsonDocument>
#include <QRandomGenerator>

namespace qtus {

EventFeed::EventFeed(UploadStore &store, CleanupScheduler &scheduler, const Clock &clock, const QString &uploadUrl,
                     QObject *parent)
    : QObject(parent),
      m_store(store),
      m_clock(clock),
      m_uploadUrl(uploadUrl),
      m_instance(QByteArray::number(QRandomGenerator::system()->generate(), 16).rightJustified(8, '0'))
{
    qRegisterMetaType<qtus::FeedEvent>();
    m_progressTimer.setSingleShot(true);
    m_progressTimer.setInterval(progressInterval);
    connect(&m_progressTimer, &QTimer::timeout, this, &EventFeed::flushProgress);
    // Queued: the signals come from storage workers and the cleanup pass too, and an event
    // must be built here, on this thread, in the order the events arrive.
    connect(&store, &UploadStore::uploadCreated, this,
            [this](const UploadInfo &info) { publish("created", sessionJson(info)); }, Qt::QueuedConnection);
    connect(&store, &UploadStore::uploadProgress, this, [this](const QString &id) { onProgress(id); },
            Qt::QueuedConnection);
    connect(&store, &UploadStore::uploadCompleted, this,
            [this](const UploadInfo &info) {
                m_progressed.remove(info.id);  // completed says it all
                publish("completed", sessionJson(info));
            },
            Qt::QueuedConnection);
    connect(&store, &UploadStore::uploadRemoved, this, &EventFeed::onRemoved, Qt::QueuedConnection);
    connect(&scheduler, &CleanupScheduler::passStarted, this, [this](const QDateTime &startedAt) {
        publish("cleanup-started", QJsonObject{{QStringLiteral("startedAt"), isoTime(startedAt)}});
    });
    connect(&scheduler, &CleanupScheduler::passFinished, this,
            [this](const CleanupReport &report) { publish("cleanup-finished", cleanupReportToJson(report)); });
}

QJsonObject EventFeed::sessionJson(const UploadInfo &info) const
{
    return sessionToJson(info, m_clock.now(), m_store.expireAfter(), m_uploadUrl);
}

void EventFeed::publish(const char *type, const QJsonObject &data)
{
    FeedEvent event{++m_sequence, QByteArray(type), QJsonDocument(data).toJson(QJsonDocument::Compact)};
    m_kept.push_back(event);
    if (m_kept.size() > std::size_t(capacity))
        m_kept.pop_front();
    emit published(event);
}

void EventFeed::onProgress(const QString &id)
{
    m_progressed.insert(id);
    if (!m_progressTimer.isActive())
        m_progressTimer.start();
}

void EventFeed::flushProgress()
{
    const QSet<QString> ids = std::exchange(m_progressed, {});
    for (const QString &id : ids) {
        if (const auto info = m_store.find(id))
            publish("progress", sessionJson(*info));
    }
}

void EventFeed::onRemoved(const QString &id, RemovalReason reason)
{
    m_progressed.remove(id);
    const char *type = reason == RemovalReason::Terminated ? "terminated" : reason == RemovalReason::Expired ? "expired" : "removed";
    publish(type, QJsonObject{{QStringLiteral("id"), id}});
}

void EventFeed::publishStopping() { publish("stopping", QJsonObject()); }

std::optional<std::vector<FeedEvent>> EventFeed::eventsAfter(const QByteArray &lastEventId) const
{
    const qsizetype dash = lastEventId.lastIndexOf('-');
    if (dash <= 0 || lastEventId.left(dash) != m_instance)
        return std::nullopt;
    bool ok = false;
    const quint64 last = lastEventId.mid(dash + 1).toULongLong(&ok);
    if (!ok || last > m_sequence)
        return std::nullopt;
    // Kept: sequences m_kept.front() .. m_sequence. The client needs last+1 onwards.
    if (last < m_sequence && (m_kept.empty() || m_kept.front().sequence > last + 1))
        return std::nullopt;
    std::vector<FeedEvent> missed;
    for (const FeedEvent &e : m_kept) {
        if (e.sequence > last)
            missed.push_back(e);
    }
    return missed;
}

} // namespace qtus

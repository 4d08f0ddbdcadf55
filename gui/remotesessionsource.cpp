#include "remotesessionsource.h"

#include "adminjson.h"
#include "guilogging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>

namespace qtus {

RemoteSessionSource::RemoteSessionSource(const QUrl &adminUrl, const QByteArray &token, QObject *parent)
    : SessionSource(parent), m_adminUrl(adminUrl), m_token(token)
{
    m_status.adminUrl = adminUrl;
    m_status.connected = false;
    m_status.connectionProblem = tr("connecting…");
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &RemoteSessionSource::openStream);
    m_statusTimer.setInterval(statusInterval);
    connect(&m_statusTimer, &QTimer::timeout, this, &RemoteSessionSource::refreshStatus);
}

RemoteSessionSource::~RemoteSessionSource()
{
    if (m_stream)
        m_stream->abort();
}

void RemoteSessionSource::start()
{
    openStream();
    refreshStatus();
    m_statusTimer.start();
}

std::optional<UploadInfo> RemoteSessionSource::find(const QString &id) const
{
    const auto it = m_sessions.constFind(id);
    return it == m_sessions.constEnd() ? std::nullopt : std::optional<UploadInfo>(*it);
}

void RemoteSessionSource::trustCertificates(const QList<QSslCertificate> &certificates)
{
    m_tls.addCaCertificates(certificates);
}

QNetworkRequest RemoteSessionSource::request(const QString &path) const
{
    QNetworkRequest r(m_adminUrl.resolved(QUrl(path)));
    r.setSslConfiguration(m_tls);
    r.setRawHeader("Authorization", "Bearer " + m_token);
    r.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    return r;
}

void RemoteSessionSource::openStream()
{
    if (m_stream)
        return;
    // The first time, and whenever the copy cannot be brought up to date event by event, a
    // snapshot; otherwise the events since the last one seen.
    QNetworkRequest r = request(m_lastEventId.isEmpty() ? QStringLiteral("api/v1/events?snapshot=1") : QStringLiteral("api/v1/events"));
    if (!m_lastEventId.isEmpty())
        r.setRawHeader("Last-Event-ID", m_lastEventId);
    m_parser = SseParser();
    m_inSnapshot = false;
    m_stream = m_network.get(r);
    connect(m_stream, &QNetworkReply::readyRead, this, &RemoteSessionSource::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &RemoteSessionSource::onStreamEnded);
}

void RemoteSessionSource::onStreamData()
{
    if (!m_stream)
        return;
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200)
        return;  // finished() says what went wrong
    QList<SseEvent> events;
    if (!m_parser.feed(m_stream->readAll(), &events)) {
        m_stream->abort();
        return;
    }
    for (const SseEvent &e : std::as_const(events))
        handleEvent(e);
}

void RemoteSessionSource::onStreamEnded()
{
    QNetworkReply *reply = m_stream;
    if (!reply)
        return;
    m_stream = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    QString problem;
    if (status == 401)
        problem = tr("the server refused the admin token");
    else if (reply->error() != QNetworkReply::NoError)
        problem = reply->errorString();
    else
        problem = tr("the server closed the event stream");
    reply->deleteLater();
    qCInfo(lcGui).noquote() << "admin event stream ended:" << problem;
    setConnected(false, problem);
    scheduleRetry();
}

void RemoteSessionSource::scheduleRetry()
{
    m_retry.start(m_retryDelay);
    m_retryDelay = std::min(lastRetry, m_retryDelay * 2);
}

void RemoteSessionSource::setConnected(bool connected, const QString &problem)
{
    if (m_status.connected == connected && m_status.connectionProblem == problem)
        return;
    const bool changed = m_status.connected != connected;
    m_status.connected = connected;
    m_status.connectionProblem = problem;
    if (changed)
        emit connectionChanged(connected);
    emit statusChanged();
}

void RemoteSessionSource::handleEvent(const SseEvent &event)
{
    if (!event.id.isEmpty())
        m_lastEventId = event.id;
    const QJsonObject data = QJsonDocument::fromJson(event.data).object();
    const QByteArray &type = event.type;
    if (type == "hello") {
        m_retryDelay = firstRetry;
        if (m_lastEventId.isEmpty() || !m_inSnapshot)
            setConnected(true);
        refreshStatus();
    } else if (type == "reset") {
        m_incoming.clear();
    } else if (type == "snapshot") {
        m_inSnapshot = true;
        for (const QJsonValue &v : data.value(QLatin1String("uploads")).toArray()) {
            if (const auto info = sessionFromJson(v.toObject()))
                m_incoming.insert(info->id, *info);
        }
    } else if (type == "snapshot-end") {
        m_inSnapshot = false;
        m_sessions = std::exchange(m_incoming, {});
        emit sessionsReset();
        setConnected(true);
    } else if (type == "created" || type == "progress" || type == "completed") {
        if (const auto info = sessionFromJson(data)) {
            (m_inSnapshot ? m_incoming : m_sessions).insert(info->id, *info);
            if (!m_inSnapshot)
                emit sessionChanged(info->id);
        }
    } else if (type == "terminated" || type == "expired" || type == "removed") {
        const QString id = data.value(QLatin1String("id")).toString();
        m_incoming.remove(id);
        if (m_sessions.remove(id) > 0)
            emit sessionRemoved(id);
    } else if (type == "cleanup-started") {
        m_status.passRunning = true;
        emit passStarted();
        emit statusChanged();
    } else if (type == "cleanup-finished") {
        const CleanupReport report = cleanupReportFromJson(data);
        m_status.passRunning = false;
        m_status.lastReport = report;
        emit passFinished(report);
        emit statusChanged();
        refreshStatus();  // the next pass's time and the disk changed
    } else if (type == "stopping") {
        m_status.connectionProblem = tr("the server is stopping");
        emit statusChanged();
    }
}

void RemoteSessionSource::refreshStatus()
{
    if (m_statusPending)
        return;
    m_statusPending = true;
    QNetworkReply *reply = m_network.get(request(QStringLiteral("api/v1/server")));
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        m_statusPending = false;
        reply->deleteLater();
        if (reply->error() != QNetworkReply::NoError)
            return;  // the stream tells whether the server is there
        const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
        const QJsonObject options = o.value(QLatin1String("options")).toObject();
        const Duration expireAfter(options.value(QLatin1String("expireAfterSeconds")).toInteger(86400) * 1000);
        if (expireAfter != m_expireAfter) {
            // Every session's expiry depends on it: the rows are read again.
            m_expireAfter = expireAfter;
            emit sessionsReset();
        }
        m_status.uploadUrl = QUrl(o.value(QLatin1String("uploadUrl")).toString());
        m_status.storedBytes = o.value(QLatin1String("storedBytes")).toInteger();
        const QJsonObject disk = o.value(QLatin1String("disk")).toObject();
        m_status.freeBytes = disk.value(QLatin1String("freeBytes")).toInteger(-1);
        m_status.totalBytes = disk.value(QLatin1String("totalBytes")).toInteger(-1);
        const QJsonObject cleanup = o.value(QLatin1String("cleanup")).toObject();
        m_status.passRunning = cleanup.value(QLatin1String("running")).toBool();
        m_status.nextPassAt = parseInfoDate(cleanup.value(QLatin1String("nextPassAt")).toString());
        if (cleanup.value(QLatin1String("lastReport")).isObject())
            m_status.lastReport = cleanupReportFromJson(cleanup.value(QLatin1String("lastReport")).toObject());
        emit statusChanged();
    });
}

void RemoteSessionSource::terminate(const QString &id, std::function<void(TerminateResult)> done)
{
    QNetworkReply *reply = m_network.deleteResource(request(QStringLiteral("api/v1/uploads/") + id));
    connect(reply, &QNetworkReply::finished, this, [reply, done] {
        reply->deleteLater();
        switch (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()) {
        case 204: done(TerminateResult::Removed); break;
        case 423: done(TerminateResult::InFlight); break;
        case 404: done(TerminateResult::Gone); break;
        default: done(TerminateResult::Failed); break;
        }
    });
}

void RemoteSessionSource::runCleanup()
{
    // The pass's start and end come as events; the answer (its report) adds nothing.
    QNetworkReply *reply = m_network.post(request(QStringLiteral("api/v1/cleanup")), QByteArray());
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}

} // namespace qtus

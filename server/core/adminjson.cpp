#include "adminjson.h"

#include "uploadid.h"
#include "uploadmetadata.h"

#include <QJsonArray>

namespace qtus {

QString isoTime(const QDateTime &when)
{
    return when.isValid() ? when.toUTC().toString(Qt::ISODateWithMs) : QString();
}

namespace {
QJsonValue timeOrNull(const QDateTime &when) { return when.isValid() ? QJsonValue(isoTime(when)) : QJsonValue(); }
QDateTime timeFrom(const QJsonValue &v) { return v.isString() ? parseInfoDate(v.toString()) : QDateTime(); }
} // namespace

QString sessionStateKey(SessionState state)
{
    switch (state) {
    case SessionState::Active: return QStringLiteral("active");
    case SessionState::Expired: return QStringLiteral("expired");
    case SessionState::Completed: return QStringLiteral("completed");
    }
    return {};
}

std::optional<SessionState> sessionStateFromKey(const QString &key)
{
    for (const SessionState s : {SessionState::Active, SessionState::Expired, SessionState::Completed}) {
        if (key == sessionStateKey(s))
            return s;
    }
    return std::nullopt;
}

QJsonObject sessionToJson(const UploadInfo &info, const QDateTime &now, Duration expireAfter, const QString &uploadUrl)
{
    QString fileType;
    if (const auto metadata = UploadMetadata::parse(info.metadataHeader))
        fileType = QString::fromUtf8(metadata->value("filetype").value_or(metadata->value("type").value_or(QByteArray())));
    return QJsonObject{
        {QStringLiteral("id"), info.id},
        {QStringLiteral("url"), uploadUrl + info.id},
        {QStringLiteral("fileName"), info.fileName()},
        {QStringLiteral("fileType"), fileType},
        {QStringLiteral("size"), info.sizeIsDeferred ? QJsonValue() : QJsonValue(info.size)},
        {QStringLiteral("sizeIsDeferred"), info.sizeIsDeferred},
        {QStringLiteral("offset"), info.offset},
        {QStringLiteral("createdAt"), timeOrNull(info.createdAt)},
        {QStringLiteral("lastActivityAt"), timeOrNull(info.lastActivityAt)},
        {QStringLiteral("expiresAt"), info.isComplete() ? QJsonValue() : timeOrNull(info.expiresAt(expireAfter))},
        {QStringLiteral("completedAt"), timeOrNull(info.completedAt)},
        {QStringLiteral("state"), sessionStateKey(info.stateAt(now, expireAfter))},
        {QStringLiteral("partial"), info.isPartial},
        {QStringLiteral("final"), info.isFinal},
    };
}

std::optional<UploadInfo> sessionFromJson(const QJsonObject &o)
{
    UploadInfo info;
    info.id = o.value(QLatin1String("id")).toString();
    if (!isValidUploadId(info.id))
        return std::nullopt;
    info.sizeIsDeferred = o.value(QLatin1String("sizeIsDeferred")).toBool();
    info.size = info.sizeIsDeferred ? 0 : o.value(QLatin1String("size")).toInteger();
    info.offset = o.value(QLatin1String("offset")).toInteger();
    info.createdAt = timeFrom(o.value(QLatin1String("createdAt")));
    info.lastActivityAt = timeFrom(o.value(QLatin1String("lastActivityAt")));
    info.completedAt = timeFrom(o.value(QLatin1String("completedAt")));
    info.isPartial = o.value(QLatin1String("partial")).toBool();
    info.isFinal = o.value(QLatin1String("final")).toBool();
    QList<UploadMetadata::Entry> entries;
    const QString fileName = o.value(QLatin1String("fileName")).toString();
    const QString fileType = o.value(QLatin1String("fileType")).toString();
    if (!fileName.isEmpty())
        entries.append({"filename", fileName.toUtf8()});
    if (!fileType.isEmpty())
        entries.append({"filetype", fileType.toUtf8()});
    info.metadataHeader = UploadMetadata::fromEntries(entries).toHeader();
    return info;
}

QJsonObject cleanupReportToJson(const CleanupReport &r)
{
    return QJsonObject{
        {QStringLiteral("startedAt"), timeOrNull(r.startedAt)},
        {QStringLiteral("durationMs"), qint64(r.duration.count())},
        {QStringLiteral("scanned"), r.scanned},
        {QStringLiteral("removed"), r.removed},
        {QStringLiteral("bytesFreed"), r.bytesFreed},
        {QStringLiteral("errors"), r.errors},
        {QStringLiteral("errorMessages"), QJsonArray::fromStringList(r.errorMessages)},
        {QStringLiteral("skippedInFlight"), r.skippedInFlight},
        {QStringLiteral("interrupted"), r.interrupted},
        {QStringLiteral("leaseElsewhere"), r.leaseElsewhere},
    };
}

CleanupReport cleanupReportFromJson(const QJsonObject &o)
{
    CleanupReport r;
    r.startedAt = timeFrom(o.value(QLatin1String("startedAt")));
    r.duration = Duration(o.value(QLatin1String("durationMs")).toInteger());
    r.scanned = o.value(QLatin1String("scanned")).toInt();
    r.removed = o.value(QLatin1String("removed")).toInt();
    r.bytesFreed = o.value(QLatin1String("bytesFreed")).toInteger();
    r.errors = o.value(QLatin1String("errors")).toInt();
    for (const QJsonValue &m : o.value(QLatin1String("errorMessages")).toArray())
        r.errorMessages << m.toString();
    r.skippedInFlight = o.value(QLatin1String("skippedInFlight")).toInt();
    r.interrupted = o.value(QLatin1String("interrupted")).toBool();
    r.leaseElsewhere = o.value(QLatin1String("leaseElsewhere")).toBool();
    return r;
}

} // namespace qtus

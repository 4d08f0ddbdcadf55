#include "uploadinfo.h"

#include "headervalues.h"
#include "uploadmetadata.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qtus {

SessionState UploadInfo::stateAt(const QDateTime &now, Duration expireAfter) const
{
    if (isComplete())
        return SessionState::Completed;
    return now >= expiresAt(expireAfter) ? SessionState::Expired : SessionState::Active;
}

QString UploadInfo::fileName() const
{
    const auto metadata = UploadMetadata::parse(metadataHeader);
    return metadata ? metadata->fileName() : QString();
}

QJsonObject UploadInfo::metadataObject() const
{
    QJsonObject object;
    if (const auto parsed = UploadMetadata::parse(metadataHeader)) {
        for (const auto &entry : parsed->entries())
            object.insert(QString::fromUtf8(entry.first), QString::fromUtf8(entry.second));
    }
    return object;
}

QString sessionStateName(SessionState state)
{
    switch (state) {
    case SessionState::Active: return QStringLiteral("Active");
    case SessionState::Completed: return QStringLiteral("Completed");
    case SessionState::Expired: return QStringLiteral("Expired");
    }
    return {};
}

namespace {

QString isoUtc(const QDateTime &t)
{
    return isoDateUtc(t);
}

QDateTime parseIso(const QJsonValue &v)
{
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(v.toString(), Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

bool isId(const QString &id)
{
    if (id.isEmpty() || id.size() > 128)
        return false;
    for (const QChar c : id) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != QLatin1Char('-') && c != QLatin1Char('_'))
            return false;
    }
    return true;
}

} // namespace

QByteArray toInfoJson(const UploadInfo &info, Duration expireAfter)
{
    QJsonObject o{
        {QStringLiteral("ID"), info.id},
        {QStringLiteral("Size"), info.sizeIsDeferred ? qint64(0) : info.size},
        {QStringLiteral("SizeIsDeferred"), info.sizeIsDeferred},
        {QStringLiteral("Offset"), info.offset},
        {QStringLiteral("MetaData"), info.metadataObject()},
        {QStringLiteral("RawMetaData"), QString::fromLatin1(info.metadataHeader)},
        {QStringLiteral("IsPartial"), info.isPartial},
        {QStringLiteral("IsFinal"), info.isFinal},
        {QStringLiteral("PartialUploads"), info.partialUploads.isEmpty()
                                               ? QJsonValue(QJsonValue::Null)
                                               : QJsonValue(QJsonArray::fromStringList(info.partialUploads))},
        {QStringLiteral("Storage"), QJsonObject{{QStringLiteral("Type"), QStringLiteral("filestore")}}},
        {QStringLiteral("CreatedAt"), isoUtc(info.createdAt)},
        {QStringLiteral("LastActivityAt"), isoUtc(info.lastActivityAt)},
        {QStringLiteral("ExpiresAt"), info.isComplete() ? QString() : isoUtc(info.expiresAt(expireAfter))},
        {QStringLiteral("CompletedAt"), isoUtc(info.completedAt)},
    };
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

std::optional<UploadInfo> fromInfoJson(const QByteArray &json, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<UploadInfo> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not JSON: %1").arg(parseError.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("not a JSON object"));
    const QJsonObject o = doc.object();
    UploadInfo info;
    info.id = o.value(QLatin1String("ID")).toString();
    if (!isId(info.id))
        return fail(QStringLiteral("missing or invalid ID"));
    const QJsonValue size = o.value(QLatin1String("Size"));
    info.sizeIsDeferred = o.value(QLatin1String("SizeIsDeferred")).toBool();
    if (!size.isDouble() || size.toDouble() < 0)
        return fail(QStringLiteral("missing or invalid Size"));
    info.size = size.toInteger();
    info.offset = qMax<qint64>(0, o.value(QLatin1String("Offset")).toInteger());
    const QJsonValue raw = o.value(QLatin1String("RawMetaData"));
    if (raw.isString()) {
        info.metadataHeader = raw.toString().toLatin1();
    } else {  // written by tusd: rebuild the header from the decoded map
        QList<UploadMetadata::Entry> entries;
        const QJsonObject meta = o.value(QLatin1String("MetaData")).toObject();
        for (auto it = meta.begin(); it != meta.end(); ++it)
            entries.append({it.key().toUtf8(), it.value().toString().toUtf8()});
        info.metadataHeader = UploadMetadata::fromEntries(entries).toHeader();
    }
    info.isPartial = o.value(QLatin1String("IsPartial")).toBool();
    info.isFinal = o.value(QLatin1String("IsFinal")).toBool();
    for (const QJsonValue &v : o.value(QLatin1String("PartialUploads")).toArray())
        info.partialUploads << v.toString();
    info.createdAt = parseIso(o.value(QLatin1String("CreatedAt")));
    info.lastActivityAt = parseIso(o.value(QLatin1String("LastActivityAt")));
    info.completedAt = parseIso(o.value(QLatin1String("CompletedAt")));
    return info;
}

} // namespace qtus

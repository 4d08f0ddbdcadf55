#include "uploadinfo.h"

#include "uploadid.h"

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

QDateTime parseIso(const QJsonValue &v) { return parseInfoDate(v.toString()); }


} // namespace

namespace {

// A JSON string (RFC 8259): UTF-8, with quote, backslash and control characters escaped.
void appendJsonString(QByteArray &out, const QString &text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text.toUtf8()) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20) {
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

} // namespace

QDateTime parseInfoDate(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(text, Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

QByteArray toInfoJson(const UploadInfo &info, Duration expireAfter)
{
    // Written by hand: building a QJsonObject and QJsonDocument::toJson() took about two thirds
    // of the instructions of a whole creation (callgrind). fromInfoJson reads it with
    // QJsonDocument; tst_uploadinfo checks the two agree for hostile metadata too.
    QByteArray out;
    out.reserve(640 + 3 * info.metadataHeader.size());
    bool first = true;
    const auto key = [&out, &first](const char *name) {
        out += first ? "{\n    \"" : ",\n    \"";
        first = false;
        out += name;
        out += "\": ";
    };
    const auto boolean = [&out](bool value) { out += value ? "true" : "false"; };
    key("ID");
    appendJsonString(out, info.id);
    key("Size");
    out += QByteArray::number(info.sizeIsDeferred ? qint64(0) : info.size);
    key("SizeIsDeferred");
    boolean(info.sizeIsDeferred);
    key("Offset");
    out += QByteArray::number(info.offset);
    key("MetaData");
    out += '{';
    if (const auto parsed = UploadMetadata::parse(info.metadataHeader)) {
        bool firstEntry = true;
        for (const auto &entry : parsed->entries()) {
            out += firstEntry ? "" : ", ";
            firstEntry = false;
            appendJsonString(out, QString::fromUtf8(entry.first));
            out += ": ";
            appendJsonString(out, QString::fromUtf8(entry.second));
        }
    }
    out += '}';
    key("RawMetaData");
    appendJsonString(out, QString::fromLatin1(info.metadataHeader));
    key("IsPartial");
    boolean(info.isPartial);
    key("IsFinal");
    boolean(info.isFinal);
    key("PartialUploads");
    if (info.partialUploads.isEmpty()) {
        out += "null";
    } else {
        out += '[';
        for (qsizetype i = 0; i < info.partialUploads.size(); ++i) {
            out += i ? ", " : "";
            appendJsonString(out, info.partialUploads.at(i));
        }
        out += ']';
    }
    key("Storage");
    out += "{\"Type\": \"filestore\"}";
    key("CreatedAt");
    appendJsonString(out, isoUtc(info.createdAt));
    key("LastActivityAt");
    appendJsonString(out, isoUtc(info.lastActivityAt));
    key("ExpiresAt");
    appendJsonString(out, info.isComplete() ? QString() : isoUtc(info.expiresAt(expireAfter)));
    key("CompletedAt");
    appendJsonString(out, isoUtc(info.completedAt));
    out += "\n}\n";
    return out;
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
    if (!isValidUploadId(info.id))
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

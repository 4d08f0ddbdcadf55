#include "hookevent.h"

#include "uploadid.h"
#include "uploadmetadata.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace qtus {

namespace {
bool isToken(const QByteArray &name)
{
    if (name.isEmpty() || name.size() > 256)
        return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || QByteArrayView("!#$%&'*+-.^_`|~").contains(c)))
            return false;
    }
    return true;
}

bool isFieldValue(const QByteArray &value)
{
    for (const char c : value) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && b != '\t') || b == 0x7f)
            return false;
    }
    return value.size() <= 4096;
}
} // namespace

QJsonObject hookPayload(HookType type, const UploadInfo &upload, const HookRequest &request, const QJsonObject &storage)
{
    QJsonObject uploadJson{{QStringLiteral("ID"), upload.id},
                           {QStringLiteral("Size"), upload.sizeIsDeferred ? QJsonValue(0) : QJsonValue(upload.size)},
                           {QStringLiteral("SizeIsDeferred"), upload.sizeIsDeferred},
                           {QStringLiteral("Offset"), upload.offset},
                           {QStringLiteral("MetaData"), upload.metadataObject()},
                           {QStringLiteral("IsPartial"), upload.isPartial},
                           {QStringLiteral("IsFinal"), upload.isFinal},
                           {QStringLiteral("PartialUploads"), upload.partialUploads.isEmpty() ? QJsonValue()
                                                                 : QJsonValue(QJsonArray::fromStringList(upload.partialUploads))},
                           {QStringLiteral("Storage"), storage}};
    QJsonObject header;  // tusd: a map of name -> list of values, names in canonical case
    for (const auto &h : request.headers) {
        const QString name = QString::fromLatin1(h.first);
        QJsonArray values = header.value(name).toArray();
        values.append(QString::fromLatin1(h.second));
        header.insert(name, values);
    }
    const QJsonObject http{{QStringLiteral("Method"), QString::fromLatin1(request.method)},
                           {QStringLiteral("URI"), QString::fromLatin1(request.uri)},
                           {QStringLiteral("RemoteAddr"), request.remoteAddr},
                           {QStringLiteral("Header"), header}};
    return QJsonObject{{QStringLiteral("Type"), QLatin1String(hookTypeName(type))},
                       {QStringLiteral("Event"), QJsonObject{{QStringLiteral("Upload"), uploadJson},
                                                             {QStringLiteral("HTTPRequest"), http}}}};
}

std::optional<HookResponse> parseHookResponse(const QByteArray &json, QString *why)
{
    HookResponse r;
    if (json.trimmed().isEmpty())
        return r;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        *why = QStringLiteral("the answer is not a JSON object");
        return std::nullopt;
    }
    const QJsonObject o = doc.object();
    const auto flag = [&o](const char *name, bool *out) {
        const QJsonValue v = o.value(QLatin1String(name));
        if (v.isUndefined() || v.isNull())
            return true;
        if (!v.isBool())
            return false;
        *out = v.toBool();
        return true;
    };
    if (!flag("RejectUpload", &r.rejectUpload) || !flag("RejectTermination", &r.rejectTermination)
        || !flag("StopUpload", &r.stopUpload)) {
        *why = QStringLiteral("RejectUpload, RejectTermination and StopUpload must be true or false");
        return std::nullopt;
    }
    if (const QJsonValue v = o.value(QLatin1String("HTTPResponse")); !v.isUndefined() && !v.isNull()) {
        const QJsonObject http = v.toObject();
        if (!v.isObject()) {
            *why = QStringLiteral("HTTPResponse must be an object");
            return std::nullopt;
        }
        if (http.contains(QLatin1String("StatusCode"))) {
            const QJsonValue code = http.value(QLatin1String("StatusCode"));
            if (!code.isDouble() || code.toInteger(-1) < 200 || code.toInteger(-1) > 599 || double(code.toInteger()) != code.toDouble()) {
                *why = QStringLiteral("HTTPResponse.StatusCode must be a status from 200 to 599");
                return std::nullopt;
            }
            r.statusCode = int(code.toInteger());
        }
        const QJsonValue body = http.value(QLatin1String("Body"));
        if (!body.isUndefined() && !body.isNull()) {
            r.body = body.toString().toUtf8();
            if (!body.isString() || r.body.size() > maxHookResponseBody) {
                *why = QStringLiteral("HTTPResponse.Body must be a string of at most 16 KiB");
                return std::nullopt;
            }
        }
        const QJsonValue headers = http.value(QLatin1String("Header"));
        if (!headers.isUndefined() && !headers.isNull()) {
            if (!headers.isObject() || headers.toObject().size() > 32) {
                *why = QStringLiteral("HTTPResponse.Header must be an object of at most 32 headers");
                return std::nullopt;
            }
            const QJsonObject map = headers.toObject();
            for (auto it = map.begin(); it != map.end(); ++it) {
                const QByteArray name = it.key().toLatin1();
                const QByteArray value = it.value().toString().toUtf8();
                if (!it.value().isString() || !isToken(name) || !isFieldValue(value)) {
                    *why = QStringLiteral("HTTPResponse.Header has a malformed field: %1").arg(it.key().left(64));
                    return std::nullopt;
                }
                // What qtus itself must decide about the answer is not the hook's.
                const QByteArray lower = name.toLower();
                if (lower == "content-length" || lower == "transfer-encoding" || lower == "connection")
                    continue;
                r.headers.append({name, value});
            }
        }
    }
    if (const QJsonValue v = o.value(QLatin1String("ChangeFileInfo")); !v.isUndefined() && !v.isNull()) {
        if (!v.isObject()) {
            *why = QStringLiteral("ChangeFileInfo must be an object");
            return std::nullopt;
        }
        const QJsonObject change = v.toObject();
        const QJsonValue id = change.value(QLatin1String("ID"));
        if (!id.isUndefined() && !id.isNull() && !(id.isString() && id.toString().isEmpty())) {
            if (!id.isString() || !isValidUploadId(id.toString())) {
                *why = QStringLiteral("ChangeFileInfo.ID must be 32 lowercase hex characters");
                return std::nullopt;
            }
            r.changeId = id.toString();
        }
        const QJsonValue meta = change.value(QLatin1String("MetaData"));
        if (!meta.isUndefined() && !meta.isNull()) {
            if (!meta.isObject()) {
                *why = QStringLiteral("ChangeFileInfo.MetaData must be an object of strings");
                return std::nullopt;
            }
            QList<UploadMetadata::Entry> entries;
            const QJsonObject map = meta.toObject();
            for (auto it = map.begin(); it != map.end(); ++it) {
                if (!it.value().isString()) {
                    *why = QStringLiteral("ChangeFileInfo.MetaData must be an object of strings");
                    return std::nullopt;
                }
                entries.append({it.key().toUtf8(), it.value().toString().toUtf8()});
            }
            const QByteArray header = UploadMetadata::fromEntries(entries).toHeader();
            if (!entries.isEmpty() && !UploadMetadata::parse(header)) {
                *why = QStringLiteral("ChangeFileInfo.MetaData has a key that cannot be sent (spaces, commas)");
                return std::nullopt;
            }
            if (header.size() > 64 * 1024) {
                *why = QStringLiteral("ChangeFileInfo.MetaData is larger than 64 KiB");
                return std::nullopt;
            }
            r.changeMetadata = header;
        }
    }
    return r;
}

HeaderList forwardedHeaders(const HeaderList &headers, const QByteArrayList &listed)
{
    HeaderList out;
    for (const auto &h : headers) {
        bool keep = false;
        if (listed.isEmpty()) {
            keep = h.first.compare("Cookie", Qt::CaseInsensitive) != 0;
        } else {
            for (const QByteArray &name : listed)
                keep = keep || h.first.compare(name, Qt::CaseInsensitive) == 0;
        }
        if (keep)
            out.append(h);
    }
    return out;
}

} // namespace qtus

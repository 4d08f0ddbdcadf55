#pragma once
// What qtus knows about one upload session, and its JSON form in <dir>/<id>.info.
// Field names follow tusd's filestore (ID, Size, SizeIsDeferred, Offset, MetaData, IsPartial,
// IsFinal, PartialUploads, Storage) so a tusd upload directory can be served; qtus adds
// CreatedAt, LastActivityAt, ExpiresAt, CompletedAt (ISO-8601 UTC) and RawMetaData.
#include "units.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <optional>

namespace qtus {

enum class SessionState { Active, Completed, Expired };

struct UploadInfo
{
    QString id;
    qint64 size = 0;              // Upload-Length; not meaningful while sizeIsDeferred
    bool sizeIsDeferred = false;
    qint64 offset = 0;            // bytes durably stored
    QByteArray metadataHeader;    // Upload-Metadata exactly as the client sent it (rule H6)
    bool isPartial = false;
    bool isFinal = false;
    QStringList partialUploads;
    QDateTime createdAt;
    QDateTime lastActivityAt;
    QDateTime completedAt;        // invalid while incomplete

    bool isComplete() const { return !sizeIsDeferred && offset >= size; }
    // Sliding expiry: last activity + expire-after. Completed uploads do not expire.
    QDateTime expiresAt(Duration expireAfter) const { return lastActivityAt.addMSecs(expireAfter.count()); }
    SessionState stateAt(const QDateTime &now, Duration expireAfter) const;
    QString fileName() const;     // from the "filename" or "name" metadata
    QJsonObject metadataObject() const;  // decoded metadata as tusd's MetaData map
};

QByteArray toInfoJson(const UploadInfo &info, Duration expireAfter);
// A date field of a .info (ISO 8601, with or without milliseconds), in UTC; invalid when empty
// or malformed.
QDateTime parseInfoDate(const QString &text);
// Nullopt (with a reason) when the document is not an upload description we can trust.
std::optional<UploadInfo> fromInfoJson(const QByteArray &json, QString *error = nullptr);

QString sessionStateName(SessionState state);

} // namespace qtus

Q_DECLARE_METATYPE(qtus::UploadInfo)

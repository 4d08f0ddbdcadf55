#pragma once
// The admin API's JSON forms (docs/admin-api.md), one definition for both ends: the server
// writes sessions and cleanup reports with these, and qtus-admin --connect reads them back
// into the same values the in-process window uses. Pure; any thread.
#include "cleanuppass.h"
#include "uploadinfo.h"

#include <QJsonObject>
#include <QUrl>
#include <optional>

namespace qtus {

// uploadUrl: the endpoint clients use ("http://host:port/files/"); the session's url is it
// plus the id.
QJsonObject sessionToJson(const UploadInfo &info, const QDateTime &now, Duration expireAfter, const QString &uploadUrl);
// Back into an UploadInfo: its metadata is rebuilt from fileName and fileType (the API
// carries no other metadata). nullopt when the object is not a session.
std::optional<UploadInfo> sessionFromJson(const QJsonObject &object);
QString sessionStateKey(SessionState state);  // "active", "expired", "completed"
std::optional<SessionState> sessionStateFromKey(const QString &key);

QJsonObject cleanupReportToJson(const CleanupReport &report);
CleanupReport cleanupReportFromJson(const QJsonObject &object);

QString isoTime(const QDateTime &when);  // "2026-12-05T15:00:00.000Z"; "" when invalid

} // namespace qtus

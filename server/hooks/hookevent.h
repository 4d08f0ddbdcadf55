#pragma once
// What a hook is told and what it may answer (docs/hooks.md), in tusd's shapes so that
// tusd hook programs work unchanged where the meaning is the same:
//
//   request:  {"Type": "pre-create", "Event": {"Upload": {...}, "HTTPRequest": {"Method",
//              "URI", "RemoteAddr", "Header": {"Name": ["value"]}}}}
//   response: {"HTTPResponse": {"StatusCode", "Body", "Header"}, "RejectUpload",
//              "RejectTermination", "ChangeFileInfo": {"ID", "MetaData"}, "StopUpload"}
//
// An answer is never trusted: parseHookResponse() checks every field (status in range,
// header names tokens and values without line breaks, a body of at most maxBody bytes, an
// id of the one form, metadata that makes a valid Upload-Metadata header) and refuses the
// whole answer otherwise. Pure; any thread.
#include "uploadevents.h"

#include <QJsonObject>
#include <QMap>
#include <optional>

namespace qtus {

// storage: the upload's Upload.Storage object, as its store describes it (UploadStore::hookStorage).
QJsonObject hookPayload(HookType type, const UploadInfo &upload, const HookRequest &request, const QJsonObject &storage);

struct HookResponse
{
    // HTTPResponse: what the client is answered when the hook rejects.
    int statusCode = 0;      // 0: none given
    QByteArray body;
    HeaderList headers;
    bool rejectUpload = false;
    bool rejectTermination = false;
    bool stopUpload = false;
    std::optional<QString> changeId;               // ChangeFileInfo.ID
    std::optional<QByteArray> changeMetadata;      // ChangeFileInfo.MetaData, as an Upload-Metadata header
};

constexpr qsizetype maxHookResponseBody = 16 * 1024;
// An empty answer is an empty response (accept, change nothing). nullopt with *why when the
// answer is not one qtus can act on.
std::optional<HookResponse> parseHookResponse(const QByteArray &json, QString *why);

// Which of a request's headers a hook sees (--hooks-forward-headers): every one but Cookie,
// or when names are listed exactly those (Cookie too if listed). Names compare case-insensitively.
HeaderList forwardedHeaders(const HeaderList &headers, const QByteArrayList &listed);

} // namespace qtus

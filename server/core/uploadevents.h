#pragma once
// What happens to an upload, told to whoever listens (the hooks, docs/hooks.md): the seven
// events of tusd's hook system, and the request that caused each. TusHandler tells a
// listener the events it causes; the blocking ones (pre-*) it does not run itself: it hands
// the caller a decision to ask for, and acts only on the answer's approval.
//
// Threads: notify() is called from the event-loop thread and from storage workers (a commit,
// a creation); implementations must be thread-safe.
#include "tusmessage.h"
#include "uploadinfo.h"

#include <QMetaType>
#include <QString>
#include <optional>

namespace qtus {

enum class HookType { PreCreate, PostCreate, PostReceive, PreFinish, PostFinish, PreTerminate, PostTerminate, Count };
const char *hookTypeName(HookType type);
std::optional<HookType> hookTypeFromName(QStringView name);
bool isBlocking(HookType type);  // pre-* decide; the others are told

// The request that caused an event, as hooks see it.
struct HookRequest
{
    QByteArray method;
    QByteArray uri;          // the request target as sent (path and query)
    QString remoteAddr;      // after --behind-proxy
    HeaderList headers;      // filtered by --hooks-forward-headers when sent
};

class UploadEvents
{
public:
    virtual ~UploadEvents() = default;
    virtual bool wants(HookType type) const = 0;
    // A non-blocking event (post-*); never waits.
    virtual void notify(HookType type, const UploadInfo &upload, const HookRequest &request) = 0;
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::HookType)

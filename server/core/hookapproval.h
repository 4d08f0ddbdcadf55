#pragma once
// A blocking hook's consent to one act: a creation (pre-create), the commit that completes
// an upload (pre-finish), a termination (pre-terminate). When such a hook is configured,
// TusHandler does the act only with one of these, and only the hooks (UploadHooks) can make
// one (the constructor is private): whichever route a request takes to the handler, the act
// without the hook's consent is impossible, not merely avoided.
//
// A pre-create approval names the id the hook was told, or the one it chose (ChangeFileInfo),
// and the metadata it set, if it set any. A value; any thread.
#include "uploadevents.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace qtus {

class HookApproval
{
public:
    HookType type() const { return m_type; }
    const QString &uploadId() const { return m_uploadId; }
    const std::optional<QByteArray> &metadata() const { return m_metadata; }  // pre-create: ChangeFileInfo.MetaData

private:
    friend class UploadHooks;
    HookApproval(HookType type, const QString &uploadId, std::optional<QByteArray> metadata = std::nullopt)
        : m_type(type), m_uploadId(uploadId), m_metadata(std::move(metadata))
    {
    }
    HookType m_type;
    QString m_uploadId;
    std::optional<QByteArray> m_metadata;
};

} // namespace qtus

#pragma once
// The pre-create hook's consent to one creation. When --hook-pre-create is set, TusHandler
// creates an upload only with one of these, and only UploadHooks can make one (the
// constructor is private): whichever route a request takes to the handler, a creation
// without the hook's consent is impossible, not merely avoided. It names the id the hook
// was told, which the upload gets. A value; any thread.
#include <QString>

namespace qtus {

class PreCreateApproval
{
public:
    const QString &uploadId() const { return m_uploadId; }

private:
    friend class UploadHooks;
    explicit PreCreateApproval(const QString &uploadId) : m_uploadId(uploadId) {}
    QString m_uploadId;
};

} // namespace qtus

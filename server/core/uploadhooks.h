#pragma once
// External commands run at two points of an upload's life (--hook-pre-create,
// --hook-post-finish). Each gets a JSON document on stdin; commands run without a shell
// (their words were split once at startup). pre-create decides: exit 0 accepts, another
// exit refuses with 403 and the first line of stderr, no answer within the time limit
// refuses with 503. post-finish runs after the client's answer; failures are logged and
// retried a few times. In-process users (the admin window) get the same events as
// FileUploadStore signals.
#include "units.h"
#include "uploadinfo.h"

#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <functional>

namespace qtus {

struct HookVerdict
{
    bool allowed = true;
    int status = 0;      // 403 or 503 when refused
    QByteArray reason;   // short plain text for the client
};

class UploadHooks final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadHooks)

public:
    UploadHooks(const QStringList &preCreate, const QStringList &postFinish, Duration timeout,
                QObject *parent = nullptr);
    ~UploadHooks() override;

    bool hasPreCreate() const { return !m_preCreate.isEmpty(); }
    bool hasPostFinish() const { return !m_postFinish.isEmpty(); }
    static constexpr int postFinishAttempts = 3;

    // Runs the pre-create hook; done is called exactly once, later, on this thread, unless
    // context is destroyed first.
    void runPreCreate(const QJsonObject &event, QObject *context, std::function<void(const HookVerdict &)> done);
    void runPostFinish(const QJsonObject &event);

    static QJsonObject uploadEvent(const char *type, const UploadInfo &info, const QString &remoteAddress);

signals:
    void postFinishFailed(const QString &id, const QString &why);  // after the last attempt

private:
    void runPostFinishAttempt(const QJsonObject &event, int attempt);

    const QStringList m_preCreate;
    const QStringList m_postFinish;
    const Duration m_timeout;
};

} // namespace qtus

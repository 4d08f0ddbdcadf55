#include "uploadhooks.h"

#include "commandhooktransport.h"
#include "hookevent.h"
#include "httphooktransport.h"
#include "logging.h"
#include "tuserror.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QTimer>

namespace qtus {

namespace {

TusResponse refusalOf(int status, const QByteArray &body, const HeaderList &headers = {})
{
    TusResponse r;
    r.status = status;
    r.body = body.isEmpty() ? QByteArray(statusReasonPhrase(status)) + '\n' : body;  // a hook's body verbatim
    bool typed = false;
    for (const auto &h : headers) {
        r.setHeader(h.first, h.second);
        typed = typed || h.first.compare("Content-Type", Qt::CaseInsensitive) == 0;
    }
    if (!typed)
        r.setHeader("Content-Type", "text/plain; charset=utf-8");
    r.setHeader("Tus-Resumable", "1.0.0");
    return r;
}

ServerMetrics::Hook metricsHook(HookType type) { return ServerMetrics::Hook(int(type)); }

} // namespace

UploadHooks::UploadHooks(const HookSettings &settings, QObject *parent) : QObject(parent), m_settings(settings)
{
    qRegisterMetaType<qtus::HookType>();
    if (settings.httpUrl.isValid() && !settings.httpUrl.isEmpty())
        m_transport = std::make_unique<HttpHookTransport>(settings.httpUrl, settings.httpTimeout);
    else if (!settings.commands.isEmpty() || !settings.directory.isEmpty())
        m_transport = std::make_unique<CommandHookTransport>(settings.commands, settings.directory, settings.commandTimeout);
}

UploadHooks::~UploadHooks() = default;

bool UploadHooks::has(HookType type) const
{
    return m_transport && m_transport->serves(type) && (m_settings.enabled.isEmpty() || m_settings.enabled.contains(type));
}

int UploadHooks::running() const { return m_transport ? m_transport->running() : 0; }
int UploadHooks::queued() const { return m_transport ? m_transport->queued() : 0; }

HookRequest UploadHooks::hookRequest(const TusRequest &request) const
{
    return shaped(HookRequest{request.method, request.target.isEmpty() ? request.path : request.target,
                              request.remoteAddress, request.headers});
}

HookRequest UploadHooks::shaped(const HookRequest &raw) const
{
    HookRequest r = raw;
    if (m_settings.behindProxy) {
        // The client as the proxy saw it: the first X-Forwarded-For entry, or Forwarded's for=.
        TusRequest headers;
        headers.headers = raw.headers;
        QByteArray client = headers.header("X-Forwarded-For").split(',').constFirst().trimmed();
        if (client.isEmpty()) {
            for (const QByteArray &part : headers.header("Forwarded").split(',').constFirst().split(';')) {
                const QByteArray item = part.trimmed();
                if (item.toLower().startsWith("for="))
                    client = item.mid(4).replace('"', "");
            }
            if (client.startsWith('[') && client.contains(']'))
                client = client.mid(1, client.indexOf(']') - 1);  // [v6]:port
            else if (client.count(':') == 1)
                client = client.left(client.indexOf(':'));       // v4:port
        }
        if (!QHostAddress(QString::fromLatin1(client)).isNull())
            r.remoteAddr = QString::fromLatin1(client);
    }
    r.headers = forwardedHeaders(raw.headers, m_settings.forwardHeaders);
    return r;
}

QByteArray UploadHooks::payload(HookType type, const UploadInfo &upload, const HookRequest &request) const
{
    const QJsonObject storage = m_store ? m_store->hookStorage(upload.id) : QJsonObject();
    return QJsonDocument(hookPayload(type, upload, request, storage)).toJson(QJsonDocument::Compact);
}

void UploadHooks::decide(HookType type, const UploadInfo &upload, const HookRequest &request, QObject *context,
                         std::function<void(const HookVerdict &)> done)
{
    QPointer<QObject> guard(context);
    const QString id = upload.id;
    m_transport->call(type, payload(type, upload, request), [this, type, id, guard, done](const HookOutcome &outcome) {
        HookVerdict verdict;
        verdict.allowed = false;
        const char *name = hookTypeName(type);
        switch (outcome.result) {
        case HookOutcome::Result::Answered: {
            QString why;
            const auto answer = parseHookResponse(outcome.answer, &why);
            if (!answer) {
                qCWarning(lcServer).noquote() << name << "hook gave an answer qtus cannot use, so the request is refused:" << why;
                verdict.refusal = refusalOf(503, QByteArray(name) + " hook answered with something qtus cannot read\n");
                break;
            }
            const bool rejected = type == HookType::PreTerminate ? answer->rejectTermination : answer->rejectUpload;
            if (rejected) {
                verdict.refusal = refusalOf(answer->statusCode ? answer->statusCode : 403,
                                            answer->body.isEmpty() ? QByteArray(name) + " hook refused\n" : answer->body,
                                            answer->headers);
                break;
            }
            verdict.allowed = true;
            const QString approvedId = type == HookType::PreCreate && answer->changeId ? *answer->changeId : id;
            verdict.approval = HookApproval(type, approvedId, type == HookType::PreCreate ? answer->changeMetadata : std::nullopt);
            break;
        }
        case HookOutcome::Result::Refused:
            // tusd's command hooks refuse by their exit status; the first line of stderr says why.
            verdict.refusal = refusalOf(403, outcome.detail.isEmpty() ? QByteArray("upload refused\n") : outcome.detail + '\n');
            break;
        case HookOutcome::Result::TimedOut:
            verdict.refusal = refusalOf(503, QByteArray(name) + " hook timed out\n");
            break;
        case HookOutcome::Result::Overloaded:
            verdict.refusal = refusalOf(503, "too many uploads waiting for the " + QByteArray(name) + " hook\n");
            break;
        case HookOutcome::Result::Failed:
            qCWarning(lcServer).noquote() << name << "hook could not run:" << outcome.detail;
            verdict.refusal = refusalOf(503, QByteArray(name) + " hook unavailable\n");
            break;
        }
        if (m_metrics)
            m_metrics->countHook(metricsHook(type), !verdict.allowed);
        if (guard)
            done(verdict);
    });
}

void UploadHooks::notify(HookType type, const UploadInfo &upload, const HookRequest &request)
{
    if (!has(type))
        return;
    // From any thread: build the document here (cheap), hand it to this object's thread.
    const QByteArray body = payload(type, upload, shaped(request));
    const QString id = upload.id;
    QMetaObject::invokeMethod(this, [this, type, id, body] {
        if (type == HookType::PostReceive) {
            QElapsedTimer &last = m_lastProgress[id];
            if (last.isValid() && !last.hasExpired(m_settings.progressInterval.count()))
                return;  // at most once per interval per upload
            last.start();
        } else if (type == HookType::PostFinish || type == HookType::PostTerminate) {
            m_lastProgress.remove(id);
        }
        if (m_pending >= maxPending) {
            ++m_dropped;
            qCWarning(lcServer).noquote() << hookTypeName(type) << "hook for" << id << "dropped:" << m_pending
                                          << "events already waiting (" << m_dropped << "dropped so far)";
            emit notificationFailed(type, id, QStringLiteral("queue full"));
            return;
        }
        ++m_pending;
        deliver(type, id, body, 1);
    }, Qt::QueuedConnection);
}

void UploadHooks::deliver(HookType type, const QString &id, const QByteArray &body, int attempt)
{
    m_transport->call(type, body, [this, type, id, body, attempt](const HookOutcome &outcome) {
        const bool ok = outcome.result == HookOutcome::Result::Answered;
        if (m_metrics)
            m_metrics->countHook(metricsHook(type), !ok);
        if (ok) {
            --m_pending;
            if (type == HookType::PostReceive) {
                QString why;
                const auto answer = parseHookResponse(outcome.answer, &why);
                if (!answer)
                    qCWarning(lcServer).noquote() << "post-receive hook's answer for" << id << "ignored:" << why;
                else if (answer->stopUpload)
                    emit stopRequested(id);
            }
            return;
        }
        const QString why = QString::fromUtf8(outcome.detail) + QStringLiteral(" (%1)").arg(outcome.code);
        qCWarning(lcServer).noquote() << hookTypeName(type) << "hook failed for" << id << "attempt" << attempt << ":" << why;
        if (attempt >= attempts || outcome.result == HookOutcome::Result::Overloaded) {
            --m_pending;
            ++m_dropped;
            emit notificationFailed(type, id, why);
            return;
        }
        QTimer::singleShot(1000 * attempt, this, [this, type, id, body, attempt] { deliver(type, id, body, attempt + 1); });
    });
}

} // namespace qtus

#include "uploadhooks.h"

#include "logging.h"

#include <QJsonDocument>
#include <QPointer>
#include <QProcess>
#include <QTimer>

namespace qtus {

namespace {

// Starts program with the event on stdin; finished(exitOk, exitCode, stderr) is called once
// (exitOk false when it could not start, crashed, or ran past timeout).
void runCommand(const QStringList &command, const QJsonObject &event, Duration timeout, QObject *owner,
                std::function<void(bool, int, const QByteArray &)> finished)
{
    auto *process = new QProcess(owner);
    auto done = std::make_shared<bool>(false);
    auto finish = [done, finished](bool ok, int code, const QByteArray &err) {
        if (*done)
            return;
        *done = true;
        finished(ok, code, err);
    };
    // The QProcess goes only once the child is reaped (after a kill too), so its destructor
    // never has to wait for a process on the event-loop thread.
    QObject::connect(process, &QProcess::finished, process, [process, finish](int code, QProcess::ExitStatus status) {
        finish(status == QProcess::NormalExit, code, process->readAllStandardError());
        process->deleteLater();
    });
    QObject::connect(process, &QProcess::errorOccurred, process, [process, finish](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) {
            finish(false, -1, process->errorString().toUtf8());
            process->deleteLater();
        }
    });
    auto *timer = new QTimer(process);
    timer->setSingleShot(true);
    QObject::connect(timer, &QTimer::timeout, process, [process, finish] {
        process->kill();
        finish(false, -1, QByteArrayLiteral("timed out"));
    });
    timer->start(int(timeout.count()));
    process->setProgram(command.first());
    process->setArguments(command.mid(1));
    process->start();
    process->write(QJsonDocument(event).toJson(QJsonDocument::Compact));
    process->closeWriteChannel();
}

QByteArray firstLine(const QByteArray &text)
{
    const QByteArray line = text.trimmed().split('\n').constFirst().trimmed();
    return line.left(200);
}

} // namespace

UploadHooks::UploadHooks(const QStringList &preCreate, const QStringList &postFinish, Duration timeout, QObject *parent)
    : QObject(parent), m_preCreate(preCreate), m_postFinish(postFinish), m_timeout(timeout)
{
}

UploadHooks::~UploadHooks() = default;

QJsonObject UploadHooks::uploadEvent(const char *type, const UploadInfo &info, const QString &remoteAddress)
{
    QJsonObject upload{{QStringLiteral("ID"), info.id},
                       {QStringLiteral("Size"), info.sizeIsDeferred ? QJsonValue() : QJsonValue(info.size)},
                       {QStringLiteral("SizeIsDeferred"), info.sizeIsDeferred},
                       {QStringLiteral("Offset"), info.offset},
                       {QStringLiteral("MetaData"), info.metadataObject()},
                       {QStringLiteral("IsPartial"), info.isPartial},
                       {QStringLiteral("IsFinal"), info.isFinal}};
    return QJsonObject{{QStringLiteral("Type"), QLatin1String(type)},
                       {QStringLiteral("Upload"), upload},
                       {QStringLiteral("RemoteAddress"), remoteAddress}};
}

void UploadHooks::runPreCreate(const QJsonObject &event, QObject *context, std::function<void(const HookVerdict &)> done)
{
    QPointer<QObject> guard(context);
    runCommand(m_preCreate, event, m_timeout, this, [guard, done](bool ok, int code, const QByteArray &err) {
        if (!guard)
            return;
        HookVerdict verdict;
        if (!ok && err == "timed out") {
            verdict = {false, 503, "pre-create hook timed out"};
        } else if (!ok && code == -1) {
            qCWarning(lcServer).noquote() << "pre-create hook could not run:" << err;
            verdict = {false, 503, "pre-create hook unavailable"};
        } else if (!ok || code != 0) {
            const QByteArray line = firstLine(err);
            verdict = {false, 403, line.isEmpty() ? QByteArray("upload refused") : line};
        }
        done(verdict);
    });
}

void UploadHooks::runPostFinish(const QJsonObject &event) { runPostFinishAttempt(event, 1); }

void UploadHooks::runPostFinishAttempt(const QJsonObject &event, int attempt)
{
    runCommand(m_postFinish, event, std::max(m_timeout, Duration(std::chrono::seconds(30))), this,
               [this, event, attempt](bool ok, int code, const QByteArray &err) {
        if (ok && code == 0)
            return;
        const QString id = event.value(QLatin1String("Upload")).toObject().value(QLatin1String("ID")).toString();
        const QString why = QString::fromUtf8(firstLine(err)) + QStringLiteral(" (exit %1)").arg(code);
        qCWarning(lcServer).noquote() << "post-finish hook failed for" << id << "attempt" << attempt << ":" << why;
        if (attempt >= postFinishAttempts) {
            emit postFinishFailed(id, why);
            return;
        }
        QTimer::singleShot(1000 * attempt, this, [this, event, attempt] { runPostFinishAttempt(event, attempt + 1); });
    });
}

} // namespace qtus

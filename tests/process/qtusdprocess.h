#pragma once
// A real qtusd for the process tests: started with the given flags on port 0, its two startup
// lines read for the upload and admin URLs, stopped with SIGTERM at the end. Plus small HTTP
// helpers over QNetworkAccessManager, which waits on signals (never sleeps).
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>
#include <memory>

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
};

class QtusdProcess
{
public:
    QTemporaryDir dir;
    QProcess process;
    QUrl uploadUrl;  // http://127.0.0.1:PORT/files/
    QUrl adminUrl;   // http://127.0.0.1:PORT/
    QByteArray token;
    QNetworkAccessManager network;

    QString uploadDirectory;  // empty: <dir>/uploads
    quint16 adminPort = 0;    // 0: a free one
    QStringList environment;  // NAME=value entries qtusd gets beside the test's own
    QString uploadDir() const { return uploadDirectory.isEmpty() ? dir.filePath(QStringLiteral("uploads")) : uploadDirectory; }

    // Starts qtusd with the admin API (and extra flags); false on failure.
    bool start(const QStringList &extra = {}, bool admin = true)
    {
        QStringList args{QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--dir"), uploadDir()};
        if (admin)
            args << QStringLiteral("--admin-listen") << QStringLiteral("127.0.0.1:%1").arg(adminPort);
        // qtusd logs as configured by its flags, whatever the test runner's QT_LOGGING_RULES.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("QT_LOGGING_RULES"));
        // Nor does it talk to a service manager the test runner may be under.
        env.remove(QStringLiteral("NOTIFY_SOCKET"));
        env.remove(QStringLiteral("JOURNAL_STREAM"));
        for (const QString &entry : environment)
            env.insert(entry.section(QLatin1Char('='), 0, 0), entry.section(QLatin1Char('='), 1));
        process.setProcessEnvironment(env);
        process.start(QStringLiteral(QTUSD_PATH), args + extra);
        if (!process.waitForStarted())
            return false;
        const int lines = admin ? 2 : 1;
        QByteArray out;
        if (!QTest::qWaitFor([&] { out += process.readAllStandardOutput(); return out.count('\n') >= lines
                                                                                 || process.state() != QProcess::Running; }, 15000))
            return false;
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith("qtusd listening on "))
                uploadUrl = QUrl(QString::fromLatin1(line.mid(19).trimmed()));
            else if (line.startsWith("qtusd admin on "))
                adminUrl = QUrl(QString::fromLatin1(line.mid(15).trimmed()));
        }
        if (admin) {
            QFile file(uploadDir() + QStringLiteral("/.qtus-admin-token"));
            if (!file.open(QIODevice::ReadOnly))
                return false;
            token = file.readAll().trimmed();
        }
        return uploadUrl.isValid() && (!admin || adminUrl.isValid());
    }

    ~QtusdProcess()
    {
        if (process.state() == QProcess::Running) {
            ::kill(pid_t(process.processId()), SIGTERM);
            if (!process.waitForFinished(10000))
                process.kill();
        }
    }

    HttpResult request(const QByteArray &method, const QUrl &url, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                       const QByteArray &body = {}, int timeoutMs = 15000)
    {
        QNetworkRequest request(url);
        for (const auto &h : headers)
            request.setRawHeader(h.first, h.second);
        // HEAD through head(): as a custom verb QNAM would wait for a body that never comes.
        QNetworkReply *reply = method == "HEAD" ? network.head(request) : network.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        HttpResult r;
        if (!reply->isFinished() && !finished.wait(timeoutMs)) {
            reply->abort();
            reply->deleteLater();
            return r;
        }
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.headers = reply->rawHeaderPairs();
        reply->deleteLater();
        return r;
    }

    // An admin API call with the token.
    HttpResult api(const QByteArray &method, const QString &pathAndQuery, int timeoutMs = 15000)
    {
        return request(method, adminUrl.resolved(QUrl(pathAndQuery)), {{"Authorization", "Bearer " + token}}, {}, timeoutMs);
    }

    // Creates an upload of `length` bytes; its URL.
    QUrl createUpload(qint64 length, const QByteArray &fileName = {})
    {
        QList<QPair<QByteArray, QByteArray>> headers{{"Tus-Resumable", "1.0.0"}, {"Upload-Length", QByteArray::number(length)}};
        if (!fileName.isEmpty())
            headers.append({"Upload-Metadata", "filename " + fileName.toBase64()});
        const HttpResult r = request("POST", uploadUrl, headers);
        return r.status == 201 ? QUrl(QString::fromLatin1(r.header("Location"))) : QUrl();
    }

    int patch(const QUrl &upload, qint64 offset, const QByteArray &bytes)
    {
        return request("PATCH", upload,
                       {{"Tus-Resumable", "1.0.0"}, {"Upload-Offset", QByteArray::number(offset)},
                        {"Content-Type", "application/offset+octet-stream"}},
                       bytes)
            .status;
    }
};

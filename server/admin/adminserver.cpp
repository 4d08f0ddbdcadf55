#include "tlssetup.h"
#include "adminserver.h"

#include "adminconnection.h"
#include "adminjson.h"
#include "logging.h"
#include "prometheustext.h"
#include "responsewriter.h"
#include "uploadid.h"
#include "uploadserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QStorageInfo>
#include <QTcpSocket>
#include <QUrlQuery>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

AdminServer::AdminServer(UploadServer &server, QObject *parent) : QSslServer(parent), m_server(server)
{
    // Ready connections: at once for plain ones, after the handshake for TLS ones.
    connect(this, &QTcpServer::pendingConnectionAvailable, this, &AdminServer::acceptAll);
}

void AdminServer::incomingConnection(qintptr descriptor)
{
    if (m_server.tlsConfiguration())
        QSslServer::incomingConnection(descriptor);
    else
        QTcpServer::incomingConnection(descriptor);
}

AdminServer::~AdminServer() = default;

bool AdminServer::loadToken(QString *error)
{
    const ServerConfig &config = m_server.config();
    m_tokenFile = config.adminTokenFile.isEmpty() ? config.dir + QStringLiteral("/.qtus-admin-token") : config.adminTokenFile;
    const QByteArray path = QFile::encodeName(m_tokenFile);
    // A new token: 256 random bits, in a file only this user can read, made in one step so
    // no other process sees it half written or with wider permissions.
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
        quint32 words[8];
        QRandomGenerator::system()->fillRange(words);
        const QByteArray token = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
        const QByteArray line = token + '\n';
        const bool written = ::write(fd, line.constData(), size_t(line.size())) == line.size() && ::fsync(fd) == 0;
        ::close(fd);
        if (!written) {
            ::unlink(path.constData());
            *error = QStringLiteral("cannot write the admin token file %1").arg(m_tokenFile);
            return false;
        }
        qCInfo(lcAdmin).noquote() << "created the admin token file" << m_tokenFile;
    } else if (errno != EEXIST) {
        *error = QStringLiteral("cannot create the admin token file %1: %2").arg(m_tokenFile, QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    QFile file(m_tokenFile);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the admin token file %1: %2").arg(m_tokenFile, file.errorString());
        return false;
    }
    m_token = file.readLine(4096).trimmed();
    if (m_token.size() < 16) {
        *error = QStringLiteral("the admin token in %1 is shorter than 16 characters").arg(m_tokenFile);
        return false;
    }
    struct stat st;
    if (::stat(path.constData(), &st) == 0 && (st.st_mode & 077))
        qCWarning(lcAdmin).noquote() << "the admin token file" << m_tokenFile << "can be read by other users";
    return true;
}

bool AdminServer::start(QString *error)
{
    const ServerConfig &config = m_server.config();
    if (!loadToken(error))
        return false;
    m_feed = std::make_unique<EventFeed>(m_server.store(), m_server.scheduler(), m_server.clock(),
                                         m_server.url().toString(), this);
    connect(&m_server, &UploadServer::stopping, m_feed.get(), &EventFeed::publishStopping);
    const QHostAddress address = config.adminHost == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                               : QHostAddress(config.adminHost);
    if (const auto tls = m_server.tlsConfiguration()) {
        setSslConfiguration(*tls);  // the upload endpoint's certificate serves here too
        setHandshakeTimeout(tlsHandshakeTimeoutMs);
        setMaxPendingConnections(adminMaxHandshakes);  // not Qt's 30: silent peers would block it
    }
    if (!listen(address, config.adminPort)) {
        *error = QStringLiteral("cannot listen on %1:%2 for the admin API: %3").arg(config.adminHost).arg(config.adminPort).arg(errorString());
        return false;
    }
    return true;
}

QUrl AdminServer::url() const
{
    QUrl u;
    u.setScheme(m_server.tlsConfiguration() ? QStringLiteral("https") : QStringLiteral("http"));
    u.setHost(m_server.config().adminHost);
    u.setPort(serverPort());
    u.setPath(QStringLiteral("/"));
    return u;
}

void AdminServer::acceptAll()
{
    while (QTcpSocket *socket = nextPendingConnection()) {
        if (m_connections >= maxConnections) {
            socket->write(serializeResponse(error(503, QStringLiteral("too many admin connections")), false));
            socket->disconnectFromHost();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            continue;
        }
        ++m_connections;
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        auto *connection = new AdminConnection(socket, *this);
        connect(connection, &QObject::destroyed, this, [this] { --m_connections; });
    }
}

bool AdminServer::isAuthorized(const QByteArray &authorization) const
{
    const QByteArray prefix = "Bearer ";
    if (!authorization.startsWith(prefix))
        return false;
    const QByteArray given = authorization.mid(prefix.size()).trimmed();
    // Constant time in the token's content: every byte is compared whatever the first
    // difference; only the length can differ early, and the length is not the secret.
    if (given.size() != m_token.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        difference |= static_cast<unsigned char>(given.at(i) ^ m_token.at(i));
    return difference == 0;
}

TusResponse AdminServer::json(int status, const QJsonObject &body)
{
    TusResponse r;
    r.status = status;
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact) + '\n';
    r.setHeader("Content-Type", "application/json");
    r.setHeader("Cache-Control", "no-store");
    return r;
}

TusResponse AdminServer::error(int status, const QString &reason)
{
    return json(status, QJsonObject{{QStringLiteral("error"), reason}});
}

std::optional<TusResponse> AdminServer::answer(const RequestHead &head)
{
    const QByteArray &path = head.path;
    const QByteArray query = head.target.contains('?') ? head.target.mid(head.target.indexOf('?') + 1) : QByteArray();
    const bool get = head.method == "GET" || head.method == "HEAD";
    if (path == "/healthz")
        return get ? health() : error(405, QStringLiteral("method not allowed"));
    if (path == "/metrics")
        return get ? metrics() : error(405, QStringLiteral("method not allowed"));
    if (!path.startsWith("/api/"))
        return error(404, QStringLiteral("not found"));
    if (path == "/api/v1/server")
        return get ? serverInfo() : error(405, QStringLiteral("method not allowed"));
    if (path == "/api/v1/uploads")
        return get ? listUploads(query) : error(405, QStringLiteral("method not allowed"));
    if (path.startsWith("/api/v1/uploads/")) {
        const QByteArrayView id = QByteArrayView(path).sliced(16);
        if (!isValidUploadId(id))
            return error(404, QStringLiteral("upload not found"));
        if (get)
            return upload(QString::fromLatin1(id));
        if (head.method == "DELETE")
            return terminate(QString::fromLatin1(id));
        return error(405, QStringLiteral("method not allowed"));
    }
    if (path == "/api/v1/cleanup")
        return head.method == "POST" ? std::nullopt : std::optional(error(405, QStringLiteral("method not allowed")));
    if (path == "/api/v1/events")
        return get ? std::nullopt : std::optional(error(405, QStringLiteral("method not allowed")));
    return error(404, QStringLiteral("not found"));
}

TusResponse AdminServer::health() const
{
    TusResponse r;
    r.setHeader("Content-Type", "text/plain; charset=utf-8");
    r.setHeader("Cache-Control", "no-store");
    if (m_server.isStopping()) {
        r.status = 503;
        r.body = "stopping\n";
    } else if (const QString dir = m_server.store().localDirectory();
               !dir.isEmpty() && ::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0) {
        r.status = 503;
        r.body = "upload directory not writable\n";
    } else {
        r.status = 200;
        r.body = "ok\n";
    }
    return r;
}

TusResponse AdminServer::metrics() const
{
    ScrapeInputs in;
    in.counters = m_server.metrics().snapshot();
    in.uploads = m_server.store().stateTotals(m_server.clock().now());
    in.connectionsOpen = m_server.connectionCount();
    const QStorageInfo storage(m_server.store().localDirectory());
    in.diskFreeBytes = storage.isValid() ? storage.bytesAvailable() : -1;
    in.nextCleanupAt = m_server.scheduler().nextPassAt();
    in.residentBytes = processResidentBytes();
    in.openFds = processOpenFds();
    in.startTimeSeconds = double(m_server.startedAt().toMSecsSinceEpoch()) / 1000.0;
    TusResponse r;
    r.status = 200;
    r.body = prometheusText(in);
    r.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
}

TusResponse AdminServer::serverInfo() const
{
    const ServerConfig &c = m_server.config();
    const QDateTime now = m_server.clock().now();
    const UploadIndex::StateTotals totals = m_server.store().stateTotals(now);
    const QStorageInfo storage(m_server.store().localDirectory());
    const CleanupScheduler &scheduler = m_server.scheduler();
    const auto report = scheduler.lastReport();
    const QDateTime next = scheduler.nextPassAt();
    const auto seconds = [](Duration d) { return qint64(d.count() / 1000); };
    QJsonObject options{
        {QStringLiteral("host"), c.host}, {QStringLiteral("port"), int(m_server.port())},
        {QStringLiteral("basePath"), c.basePath}, {QStringLiteral("baseUrl"), c.baseUrl},
        {QStringLiteral("maxSize"), c.maxSize}, {QStringLiteral("expireAfterSeconds"), seconds(c.expireAfter)},
        {QStringLiteral("cleanupIntervalSeconds"), seconds(c.cleanupInterval)},
        {QStringLiteral("keepCompletedSeconds"), seconds(c.keepCompleted)},
        {QStringLiteral("orphanGraceSeconds"), seconds(c.orphanGrace)},
        {QStringLiteral("shutdownTimeoutSeconds"), seconds(c.shutdownTimeout)},
        {QStringLiteral("fsync"), c.fsync == FsyncPolicy::Always ? QStringLiteral("always") : QStringLiteral("never")},
        {QStringLiteral("maxHeaderSize"), c.maxHeaderSize}, {QStringLiteral("idleTimeoutSeconds"), seconds(c.idleTimeout)},
        {QStringLiteral("readTimeoutSeconds"), seconds(c.readTimeout)},
        {QStringLiteral("releaseStalledAfterSeconds"), double(c.releaseStalledAfter.count()) / 1000.0},
        {QStringLiteral("maxConnections"), c.maxConnections},
        {QStringLiteral("corsOrigins"), QJsonArray::fromStringList(c.corsOrigins)},
        {QStringLiteral("behindProxy"), c.behindProxy}, {QStringLiteral("disableDownload"), c.disableDownload},
        {QStringLiteral("hookPreCreate"), !c.hookPreCreate.isEmpty()}, {QStringLiteral("hookPostFinish"), !c.hookPostFinish.isEmpty()},
        {QStringLiteral("hookTimeoutSeconds"), double(c.hookTimeout.count()) / 1000.0},
    };
    const QDateTime started = m_server.startedAt();
    return json(200, QJsonObject{
        {QStringLiteral("version"), QStringLiteral(QTUS_VERSION)},
        {QStringLiteral("instance"), QString::fromLatin1(m_feed->instance())},
        {QStringLiteral("startedAt"), isoTime(started)},
        {QStringLiteral("uptimeSeconds"), double(started.msecsTo(QDateTime::currentDateTimeUtc())) / 1000.0},
        {QStringLiteral("uploadUrl"), m_server.url().toString()},
        {QStringLiteral("directory"), m_server.store().location()},
        {QStringLiteral("stopping"), m_server.isStopping()},
        {QStringLiteral("options"), options},
        {QStringLiteral("uploads"), QJsonObject{
             {QStringLiteral("active"), totals.count[std::size_t(SessionState::Active)]},
             {QStringLiteral("expired"), totals.count[std::size_t(SessionState::Expired)]},
             {QStringLiteral("completed"), totals.count[std::size_t(SessionState::Completed)]},
             {QStringLiteral("total"), totals.count[0] + totals.count[1] + totals.count[2]}}},
        {QStringLiteral("storedBytes"), totals.bytes[0] + totals.bytes[1] + totals.bytes[2]},
        {QStringLiteral("disk"), QJsonObject{{QStringLiteral("freeBytes"), storage.isValid() ? storage.bytesAvailable() : -1},
                                             {QStringLiteral("totalBytes"), storage.isValid() ? storage.bytesTotal() : -1}}},
        {QStringLiteral("cleanup"), QJsonObject{
             {QStringLiteral("running"), scheduler.isPassRunning()},
             {QStringLiteral("intervalSeconds"), seconds(c.cleanupInterval)},
             {QStringLiteral("nextPassAt"), next.isValid() ? QJsonValue(isoTime(next)) : QJsonValue()},
             {QStringLiteral("lastReport"), report ? QJsonValue(cleanupReportToJson(*report)) : QJsonValue()}}},
    });
}

TusResponse AdminServer::listUploads(const QByteArray &query) const
{
    const QUrlQuery q(QString::fromLatin1(query));
    const QString stateText = q.queryItemValue(QStringLiteral("state"), QUrl::FullyDecoded);
    std::optional<SessionState> state;
    if (!stateText.isEmpty() && !(state = sessionStateFromKey(stateText)))
        return error(400, QStringLiteral("state must be active, expired or completed"));
    const QString text = q.queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded);
    int limit = 100;
    if (q.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = q.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 1000)
            return error(400, QStringLiteral("limit must be 1 to 1000"));
    }
    // The cursor: "<createdAt ms>-<id>" of the last session of the previous page.
    qint64 afterMs = std::numeric_limits<qint64>::min();
    QString afterId;
    if (q.hasQueryItem(QStringLiteral("after"))) {
        const QString after = q.queryItemValue(QStringLiteral("after"), QUrl::FullyDecoded);
        const qsizetype dash = after.lastIndexOf(QLatin1Char('-'));
        bool ok = false;
        afterMs = dash > 0 ? after.left(dash).toLongLong(&ok) : 0;
        afterId = after.mid(dash + 1);
        if (!ok || !isValidUploadId(afterId))
            return error(400, QStringLiteral("after must be a cursor from a previous page"));
    }
    const QDateTime now = m_server.clock().now();
    const Duration expireAfter = m_server.store().expireAfter();
    QList<UploadInfo> matching;
    for (const UploadInfo &info : m_server.store().sessions()) {
        if (state && info.stateAt(now, expireAfter) != *state)
            continue;
        if (!text.isEmpty() && !info.id.contains(text, Qt::CaseInsensitive) && !info.fileName().contains(text, Qt::CaseInsensitive))
            continue;
        matching << info;
    }
    const auto key = [](const UploadInfo &i) { return std::make_pair(i.createdAt.toMSecsSinceEpoch(), i.id); };
    std::sort(matching.begin(), matching.end(), [&key](const UploadInfo &a, const UploadInfo &b) { return key(a) < key(b); });
    const auto start = std::upper_bound(matching.cbegin(), matching.cend(), std::make_pair(afterMs, afterId),
                                        [&key](const std::pair<qint64, QString> &cursor, const UploadInfo &i) { return cursor < key(i); });
    QJsonArray page;
    auto it = start;
    for (; it != matching.cend() && page.size() < limit; ++it)
        page.append(sessionJson(*it));
    QJsonValue next;
    if (it != matching.cend() && !page.isEmpty()) {
        const UploadInfo &last = *(it - 1);
        next = QStringLiteral("%1-%2").arg(last.createdAt.toMSecsSinceEpoch()).arg(last.id);
    }
    return json(200, QJsonObject{{QStringLiteral("uploads"), page},
                                 {QStringLiteral("total"), matching.size()},
                                 {QStringLiteral("next"), next}});
}

TusResponse AdminServer::upload(const QString &id) const
{
    const auto info = m_server.store().find(id);
    return info ? json(200, sessionJson(*info)) : error(404, QStringLiteral("upload not found"));
}

TusResponse AdminServer::terminate(const QString &id)
{
    if (!m_server.store().find(id))
        return error(404, QStringLiteral("upload not found"));
    UploadLock lock = m_server.locks().tryLock(id);
    if (lock.isUnavailable())
        return error(503, QStringLiteral("upload locks unavailable, try again"));
    if (!lock.isHeld())
        return error(423, QStringLiteral("a request is writing this upload"));
    const StoreStatus status = m_server.store().remove(id, nullptr, RemovalReason::Terminated);
    if (status == StoreStatus::NotFound)
        return error(404, QStringLiteral("upload not found"));
    if (status != StoreStatus::Ok)
        return error(500, QStringLiteral("the upload could not be removed"));
    TusResponse r;
    r.status = 204;
    return r;
}

} // namespace qtus

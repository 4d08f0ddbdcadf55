#include "uploadserver.h"

#include "logging.h"
#include "tlssetup.h"

#include <QDir>
#include <QElapsedTimer>
#include <QProcessEnvironment>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace qtus {

namespace {
HookSettings hookSettings(const ServerConfig &config)
{
    HookSettings h;
    if (!config.hookPreCreate.isEmpty())
        h.commands.insert(HookType::PreCreate, config.hookPreCreate);
    if (!config.hookPostFinish.isEmpty())
        h.commands.insert(HookType::PostFinish, config.hookPostFinish);
    h.directory = config.hooksDir;
    h.httpUrl = QUrl(config.hooksHttp);
    h.commandTimeout = config.hookTimeout;
    h.httpTimeout = config.hooksHttpTimeout;
    for (const QString &name : config.hooksEnabledEvents) {
        if (const auto type = hookTypeFromName(name))
            h.enabled.insert(*type);
    }
    for (const QString &name : config.hooksForwardHeaders)
        h.forwardHeaders << name.toLatin1();
    h.progressInterval = config.hooksProgressInterval;
    h.behindProxy = config.behindProxy;
    return h;
}

CleanupPolicy cleanupPolicy(const ServerConfig &config)
{
    CleanupPolicy policy;
    policy.interval = config.cleanupInterval;
    policy.expireAfter = config.expireAfter;
    policy.keepCompleted = config.keepCompleted;
    policy.orphanGrace = config.orphanGrace;
    return policy;
}
std::unique_ptr<UploadStore> makeStore(const ServerConfig &config, const Clock &clock, FileUploadStore **file)
{
    if (config.s3Endpoint.isEmpty()) {
        auto store = std::make_unique<FileUploadStore>(config.dir, config.fsync, config.expireAfter, clock);
        *file = store.get();
        return store;
    }
    S3StoreSettings settings;
    settings.s3.endpoint = QUrl(config.s3Endpoint);
    settings.s3.bucket = config.s3Bucket;
    settings.s3.region = config.s3Region;
    settings.s3.pathStyle = config.s3PathStyle;
    settings.prefix = config.s3Prefix;
    settings.stagingDirectory = QDir(config.dir).filePath(QStringLiteral("staging"));
    settings.expireAfter = config.expireAfter;
    // The credentials are checked at start() (s3Problem), which can fail with a reason.
    QString why;
    settings.s3.credentials = config.s3CredentialsFile.isEmpty()
                                  ? credentialsFromEnvironment(QProcessEnvironment::systemEnvironment()).value_or(sigv4::Credentials{})
                                  : credentialsFromFile(config.s3CredentialsFile, &why).value_or(sigv4::Credentials{});
    return std::make_unique<S3UploadStore>(settings, clock);
}

QString s3Problem(const ServerConfig &config)
{
    if (config.s3Endpoint.isEmpty())
        return {};
    if (config.s3CredentialsFile.isEmpty()) {
        if (!credentialsFromEnvironment(QProcessEnvironment::systemEnvironment()))
            return QStringLiteral("--s3-endpoint needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --s3-credentials-file");
        return {};
    }
    QString why;
    if (!credentialsFromFile(config.s3CredentialsFile, &why))
        return QStringLiteral("--s3-credentials-file: %1").arg(why);
    return {};
}

std::unique_ptr<UploadLocker> makeLocks(const ServerConfig &config, RedisUploadLocks **redis)
{
    if (config.redis.isEmpty())
        return std::make_unique<UploadLocks>();
    QString why;
    RedisLockSettings settings;
    // The option's form was checked when it was read; parse() says what else is wrong at start().
    settings.address = RedisAddress::parse(config.redis, &why).value_or(RedisAddress());
    settings.ttl = std::chrono::duration_cast<std::chrono::milliseconds>(config.redisLockTtl);
    auto locks = std::make_unique<RedisUploadLocks>(settings);
    *redis = locks.get();
    return locks;
}
} // namespace

UploadServer::UploadServer(const ServerConfig &config, const Clock *clock, QObject *parent)
    : QObject(parent),
      m_config(config),
      m_s3Problem(s3Problem(config)),
      m_clock(clock ? *clock : m_systemClock),
      m_locks(makeLocks(config, &m_redisLocks)),
      m_store(makeStore(config, m_clock, &m_fileStore)),
      m_handler(config, *m_store, *m_locks, m_clock),
      m_scheduler(*m_store, *m_locks, m_clock, cleanupPolicy(config)),
      m_hooks(hookSettings(config))
{
    m_hooks.setMetrics(&m_metrics);
    m_hooks.setStore(m_store.get());
    // The handler tells the hooks what happens, and waits for the blocking ones it has.
    QSet<HookType> blocking;
    for (const HookType type : {HookType::PreCreate, HookType::PreFinish, HookType::PreTerminate}) {
        if (m_hooks.has(type))
            blocking.insert(type);
    }
    m_handler.setHooks(&m_hooks, blocking);
    connect(&m_hooks, &UploadHooks::stopRequested, this, [this](const QString &id) { m_handler.stopUpload(id); });
    // Upload events for the metrics. Direct: the counters are atomic, and removals by the
    // cleanup pass arrive from its worker.
    connect(m_store.get(), &UploadStore::uploadCreated, this, [this] { m_metrics.countUploadCreated(); }, Qt::DirectConnection);
    connect(m_store.get(), &UploadStore::uploadCompleted, this, [this] { m_metrics.countUploadFinished(); }, Qt::DirectConnection);
    connect(m_store.get(), &UploadStore::uploadRemoved, this, [this](const QString &, RemovalReason reason) {
        if (reason == RemovalReason::Terminated)
            m_metrics.countUploadTerminated();
        else if (reason == RemovalReason::Expired)
            m_metrics.countUploadExpired();
    }, Qt::DirectConnection);
    connect(&m_scheduler, &CleanupScheduler::passFinished, this, [this](const CleanupReport &report) {
        m_metrics.countCleanupPass(report.removed, report.errors, report.duration);
    });
}

UploadServer::~UploadServer() { stop(); }

bool UploadServer::start(QString *error)
{
    if (m_listener)
        return true;
    if (!QDir().mkpath(m_config.dir)) {
        *error = QStringLiteral("cannot create upload directory %1").arg(m_config.dir);
        return false;
    }
    if (!m_config.tlsCert.isEmpty() && !m_tls) {
        m_tls = loadServerTls(m_config.tlsCert, m_config.tlsKey, error);  // before anything is locked or opened
        if (!m_tls)
            return false;
    }
    if (!m_directoryLock.acquire(m_config.dir, error))
        return false;
    if (m_redisLocks && !RedisAddress::parse(m_config.redis, error)) {
        *error = QStringLiteral("--redis: %1").arg(*error);
        m_directoryLock.release();
        return false;
    }
    if (!m_s3Problem.isEmpty()) {
        *error = m_s3Problem;
        m_directoryLock.release();
        return false;
    }
    if (!m_store->open(error) || (m_redisLocks && !m_redisLocks->start(error))) {
        m_directoryLock.release();
        return false;
    }
    IntakeLimits limits;
    limits.head.maxHeaderSize = m_config.maxHeaderSize;
    limits.head.maxRequestLine = qMin<qsizetype>(8 * 1024, m_config.maxHeaderSize);
    limits.idleTimeout = m_config.idleTimeout;
    limits.readTimeout = m_config.readTimeout;
    limits.releaseStalledAfter = m_config.releaseStalledAfter;
    IntakeServices services;
    services.handler = &m_handler;
    services.hooks = &m_hooks;
    services.storage = &m_storage;
    services.assembly = &m_assembly;
    services.metrics = &m_metrics;
    services.accessLog = m_config.accessLog;
    auto listener = std::make_unique<IntakeTcpServer>(services, limits, m_config.maxConnections, m_tls);
    const QHostAddress address = m_config.host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                            : QHostAddress(m_config.host);
    if (!listener->listen(address, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(m_config.host).arg(m_config.port).arg(listener->errorString());
        m_directoryLock.release();
        return false;
    }
    m_port = listener->serverPort();
    m_listener = std::move(listener);
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_stopping = false;
    m_scheduler.start();
    m_handler.setFallbackOrigin(url().adjusted(QUrl::RemovePath).toString().toLatin1());
    qCInfo(lcServer).noquote() << "serving" << m_store->count() << "uploads from" << m_store->location() << "at"
                               << url().toString();
    return true;
}

void UploadServer::stopGracefully()
{
    if (!m_listener || m_stopping)
        return;
    m_stopping = true;
    emit stopping();
    m_listener->close();  // no new connections
    // A pass over a large directory can take minutes; end it after the upload it is on
    // (the next start's pass does the rest) so uploads in flight get the shutdown time.
    m_scheduler.interruptPass();
    m_scheduler.stop();
    // Uploads in flight hold their lock until their body is committed.
    auto *poll = new QTimer(this);
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    const qint64 timeoutMs = m_config.shutdownTimeout.count();
    connect(poll, &QTimer::timeout, this, [this, poll, elapsed, timeoutMs] {
        const int inFlight = m_locks->count() + m_storage.inFlight() + m_assembly.inFlight();
        if (inFlight > 0 && elapsed->elapsed() < timeoutMs && m_listener)
            return;
        if (inFlight > 0)
            qCWarning(lcServer) << "shutdown timeout:" << inFlight << "uploads still in flight; keeping what arrived";
        poll->deleteLater();
        stop();
    });
    poll->start(20);
    QMetaObject::invokeMethod(poll, "timeout", Qt::QueuedConnection);
}

void UploadServer::stop()
{
    if (!m_listener)
        return;
    m_scheduler.interruptPass();
    m_scheduler.stop();
    // Creations already on a worker finish and are answered: their uploads exist.
    m_storage.finishAll();
    m_assembly.finishAll();
    // Answers already written are sent before the sockets go (accepted sockets are
    // children of the listener).
    for (QTcpSocket *socket : m_listener->findChildren<QTcpSocket *>())
        socket->flush();
    m_listener.reset();  // closes the listener and every connection; intakes commit what arrived
    m_directoryLock.release();
    m_stopping = false;
    qCInfo(lcServer) << "stopped";
    emit stopped();
}

QUrl UploadServer::url() const
{
    QUrl u;
    u.setScheme(m_config.tlsCert.isEmpty() ? QStringLiteral("http") : QStringLiteral("https"));
    u.setHost(m_config.host);
    u.setPort(m_port);
    u.setPath(m_config.basePath);
    return u;
}

} // namespace qtus

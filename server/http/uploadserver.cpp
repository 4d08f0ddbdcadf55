#include "uploadserver.h"

#include "intaketcpserver.h"
#include "logging.h"

#include <QHttpServer>
#include <QTcpServer>

namespace qtus {

UploadServer::UploadServer(const ServerConfig &config, const Clock *clock, QObject *parent)
    : QObject(parent),
      m_config(config),
      m_clock(clock ? *clock : m_systemClock),
      m_store(config.dir, config.fsync, config.expireAfter, m_clock),
      m_handler(config, m_store, m_locks, m_clock),
      m_binding(m_handler)
{
}

UploadServer::~UploadServer() { stop(); }

bool UploadServer::start(QString *error)
{
    if (m_http)
        return true;
    if (!m_store.open(error))
        return false;
    auto http = std::make_unique<QHttpServer>();
    IntakeLimits limits;
    limits.head.maxHeaderSize = m_config.maxHeaderSize;
    limits.head.maxRequestLine = qMin<qsizetype>(8 * 1024, m_config.maxHeaderSize);
    limits.idleTimeout = m_config.idleTimeout;
    limits.readTimeout = m_config.readTimeout;
    auto *tcp = new IntakeTcpServer(m_handler, limits, m_config.maxConnections, http.get());
    const QHostAddress address = m_config.host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost)
                                                                            : QHostAddress(m_config.host);
    if (!tcp->listen(address, m_config.port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(m_config.host).arg(m_config.port).arg(tcp->errorString());
        return false;
    }
    m_port = tcp->serverPort();
    m_binding.attach(*http);
    http->bind(tcp);
    m_http = std::move(http);
    m_handler.setFallbackOrigin(url().adjusted(QUrl::RemovePath).toString().toLatin1());
    qCInfo(lcServer).noquote() << "serving" << m_store.count() << "uploads from" << m_store.directory() << "at"
                               << url().toString();
    return true;
}

void UploadServer::stop()
{
    if (!m_http)
        return;
    m_http.reset();  // closes the listening socket and every connection
    emit stopped();
}

QUrl UploadServer::url() const
{
    QUrl u;
    u.setScheme(QStringLiteral("http"));
    u.setHost(m_config.host);
    u.setPort(m_port);
    u.setPath(m_config.basePath);
    return u;
}

} // namespace qtus

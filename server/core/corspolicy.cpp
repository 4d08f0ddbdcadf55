#include "corspolicy.h"

namespace qtus {

CorsPolicy::CorsPolicy(const QStringList &allowedOrigins, bool allowCredentials) : m_credentials(allowCredentials)
{
    for (const QString &origin : allowedOrigins) {
        m_origins << origin.toLatin1();
        if (origin == QLatin1String("*"))
            m_any = true;
    }
    // Credentials only for origins named one by one: with "*" every site could send a
    // user's cookies (ServerConfig refuses the pair at startup; this holds without it).
    m_credentials = m_credentials && !m_any;
}

bool CorsPolicy::isPreflight(const TusRequest &request)
{
    return request.method == "OPTIONS" && request.hasHeader("Origin")
        && request.hasHeader("Access-Control-Request-Method");
}

// QByteArrayLiteral: static data, no allocation per response.
QByteArray CorsPolicy::exposedHeaders()
{
    return QByteArrayLiteral("Location, Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, Upload-Defer-Length, "
           "Upload-Concat, Upload-Checksum, Tus-Version, Tus-Resumable, Tus-Extension, Tus-Max-Size, "
           "Tus-Checksum-Algorithm, Content-Disposition, Content-Range");
}

QByteArray CorsPolicy::allowedHeaders()
{
    return QByteArrayLiteral("Authorization, Origin, X-Requested-With, X-Request-ID, X-HTTP-Method-Override, Content-Type, "
           "Upload-Length, Upload-Offset, Tus-Resumable, Upload-Metadata, Upload-Defer-Length, Upload-Concat, "
           "Upload-Checksum, Range");
}

QByteArray CorsPolicy::allowedMethods() { return QByteArrayLiteral("POST, GET, HEAD, PATCH, DELETE, OPTIONS"); }

QByteArray CorsPolicy::allowOrigin(const QByteArray &origin) const
{
    if (m_any)
        return "*";
    return !origin.isEmpty() && m_origins.contains(origin) ? origin : QByteArray();
}

void CorsPolicy::apply(TusResponse &response, const QByteArray &origin) const
{
    if (!enabled())
        return;
    const QByteArray allowed = allowOrigin(origin);
    if (!m_any || m_credentials)
        response.setHeader("Vary", "Origin");  // the answer depends on who asks
    if (allowed.isEmpty())
        return;
    response.setHeader("Access-Control-Allow-Origin", allowed);
    if (m_credentials)
        response.setHeader("Access-Control-Allow-Credentials", "true");
    response.setHeader("Access-Control-Expose-Headers", exposedHeaders());
}

void CorsPolicy::applyPreflight(TusResponse &response, const QByteArray &origin) const
{
    apply(response, origin);
    if (!enabled() || allowOrigin(origin).isEmpty())
        return;
    response.setHeader("Access-Control-Allow-Methods", allowedMethods());
    response.setHeader("Access-Control-Allow-Headers", allowedHeaders());
    response.setHeader("Access-Control-Max-Age", "86400");
}

} // namespace qtus

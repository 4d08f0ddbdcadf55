#pragma once
// Cross-origin access for browser clients (--cors-origins): which origins may use the
// endpoint, the answer to a preflight, and the headers every response carries so a
// browser lets tus-js-client read Location, Upload-Offset and the rest.
// Threads: any; it is immutable after construction.
#include "tusmessage.h"

#include <QStringList>

namespace qtus {

class CorsPolicy
{
public:
    // "*" or exact origins; empty = off. allowCredentials: browsers may send cookies; the
    // answer then names the origin (never "*") and says Access-Control-Allow-Credentials.
    explicit CorsPolicy(const QStringList &allowedOrigins, bool allowCredentials = false);

    bool enabled() const { return !m_origins.isEmpty(); }
    // OPTIONS with Origin and Access-Control-Request-Method.
    static bool isPreflight(const TusRequest &request);
    // Adds the headers for a request from origin (empty when the request had none).
    void apply(TusResponse &response, const QByteArray &origin) const;
    void applyPreflight(TusResponse &response, const QByteArray &origin) const;

    static QByteArray exposedHeaders();
    static QByteArray allowedHeaders();
    static QByteArray allowedMethods();

private:
    QByteArray allowOrigin(const QByteArray &origin) const;
    QList<QByteArray> m_origins;
    bool m_any = false;
    bool m_credentials = false;
};

} // namespace qtus

// TusHandler, part three: the absolute URL a creation answers in Location (rule CR5), from
// Host, from Forwarded / X-Forwarded-* behind a proxy, or from --base-url. Every value a
// client sends is validated first. Split from tushandler.cpp by responsibility.
#include "tushandler.h"

#include "headervalues.h"

namespace qtus {

namespace {

// host[:port] as a client or proxy may send it: a DNS name or bracketed IPv6 literal, and a
// port from 1 to 65535. Anything else (paths, spaces, control characters) is not a host.
// Written out rather than a QRegularExpression: creations run on the storage workers too,
// and this is on every creation's path.
bool isValidHost(const QByteArray &host)
{
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    const auto isNameChar = [&](char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
    };
    const auto isLiteralChar = [&](char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
    };
    const qsizetype n = host.size();
    qsizetype i = 0;
    if (n > 0 && host.at(0) == '[') {
        for (i = 1; i < n && isLiteralChar(host.at(i)); ++i) {}
        if (i == 1 || i == n || host.at(i) != ']')
            return false;
        ++i;
    } else {
        for (; i < n && isNameChar(host.at(i)); ++i) {}
        if (i == 0)
            return false;
    }
    if (i == n)
        return true;
    if (host.at(i) != ':')
        return false;
    const qsizetype digits = n - i - 1;
    if (digits < 1 || digits > 5)
        return false;
    int port = 0;
    for (qsizetype k = i + 1; k < n; ++k) {
        if (!isDigit(host.at(k)))
            return false;
        port = port * 10 + (host.at(k) - '0');
    }
    return port >= 1 && port <= 65535;
}

bool isValidPort(const QByteArray &port)
{
    const auto value = parseNonNegativeInteger(port);
    return value && *value >= 1 && *value <= 65535;
}

QByteArray withoutPort(const QByteArray &host)
{
    const qsizetype colon = host.lastIndexOf(':');
    return colon > host.lastIndexOf(']') ? host.left(colon) : host;
}

QByteArray firstValue(const QByteArray &list)
{
    return list.split(',').constFirst().trimmed();
}

} // namespace

QByteArray TusHandler::location(const TusRequest &request, const QString &id) const
{
    if (!m_baseUrl.isEmpty())
        return m_baseUrl + id.toLatin1();  // --base-url: the public URL, outright
    // Host and forwarded headers are client input: each is used only when well-formed.
    auto validScheme = [](const QByteArray &scheme) { return scheme == "http" || scheme == "https"; };
    QByteArray scheme = request.scheme;
    QByteArray host = request.header("Host").trimmed();
    if (m_behindProxy) {
        // RFC 7239 Forwarded (its first element: the hop nearest the client) wins over X-Forwarded-*.
        QByteArray fwdProto, fwdHost;
        for (const QByteArray &pair : firstValue(request.header("Forwarded")).split(';')) {
            const qsizetype eq = pair.indexOf('=');
            const QByteArray key = pair.left(eq).trimmed().toLower();
            QByteArray value = pair.mid(eq + 1).trimmed();
            if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
                value = value.mid(1, value.size() - 2);
            if (key == "proto")
                fwdProto = value.toLower();
            else if (key == "host")
                fwdHost = value;
        }
        const QByteArray xProto = firstValue(request.header("X-Forwarded-Proto")).toLower();
        const QByteArray xHost = firstValue(request.header("X-Forwarded-Host"));
        const QByteArray xPort = firstValue(request.header("X-Forwarded-Port"));
        if (validScheme(fwdProto))
            scheme = fwdProto;
        else if (validScheme(xProto))
            scheme = xProto;
        if (isValidHost(fwdHost)) {
            host = fwdHost;
        } else {
            if (isValidHost(xHost))
                host = xHost;
            if (isValidPort(xPort) && isValidHost(host))
                host = withoutPort(host) + ':' + xPort;
        }
    }
    const QByteArray origin = isValidHost(host) ? scheme + "://" + host : m_fallbackOrigin;
    return origin + m_basePath + id.toLatin1();
}

} // namespace qtus

#include "sigv4.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>

#include <algorithm>

namespace qtus::sigv4 {

namespace {

bool unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~';
}

QByteArray hmac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

} // namespace

QByteArray uriEncode(QByteArrayView bytes, bool encodeSlash)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(bytes.size() * 3);
    for (const char c : bytes) {
        if (unreserved(c) || (c == '/' && !encodeSlash)) {
            out += c;
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 0xf];
        }
    }
    return out;
}

QByteArray objectPath(const QString &bucket, const QString &key)
{
    QByteArray path("/");
    if (!bucket.isEmpty()) {
        path += uriEncode(bucket.toUtf8());
        if (!key.isEmpty())
            path += '/';
    }
    return path + uriEncode(key.toUtf8(), false);
}

QByteArray canonicalQuery(const Pairs &query)
{
    Pairs encoded;
    encoded.reserve(query.size());
    for (const auto &item : query)
        encoded.append({uriEncode(item.first), uriEncode(item.second)});
    std::sort(encoded.begin(), encoded.end());
    QByteArray out;
    for (const auto &item : std::as_const(encoded)) {
        if (!out.isEmpty())
            out += '&';
        out += item.first + '=' + item.second;
    }
    return out;
}

QByteArray canonicalHeaders(const Pairs &headers, QByteArray *signedHeaders)
{
    Pairs lowered;
    lowered.reserve(headers.size());
    for (const auto &header : headers)
        lowered.append({header.first.toLower(), header.second.simplified()});
    // Stable: a header given twice keeps its values in the order sent.
    std::stable_sort(lowered.begin(), lowered.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out;
    QByteArray names;
    for (qsizetype i = 0; i < lowered.size(); ++i) {
        if (i > 0 && lowered[i].first == lowered[i - 1].first) {
            out.chop(1);  // the '\n' of the same name's line
            out += ',' + lowered[i].second + '\n';
            continue;
        }
        if (!names.isEmpty())
            names += ';';
        names += lowered[i].first;
        out += lowered[i].first + ':' + lowered[i].second + '\n';
    }
    if (signedHeaders)
        *signedHeaders = names;
    return out;
}

QByteArray canonicalRequest(const Request &request)
{
    QByteArray signedHeaders;
    const QByteArray headers = canonicalHeaders(request.headers, &signedHeaders);
    return request.method + '\n' + request.path + '\n' + canonicalQuery(request.query) + '\n'
        + headers + '\n' + signedHeaders + '\n' + request.payloadHash;
}

QByteArray amzDate(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1();
}

QByteArray scopeDate(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyyMMdd")).toLatin1();
}

QByteArray credentialScope(const QByteArray &date, const QByteArray &region, const QByteArray &service)
{
    return date + '/' + region + '/' + service + "/aws4_request";
}

QByteArray stringToSign(const QByteArray &amzDate, const QByteArray &scope, const QByteArray &canonicalRequest)
{
    return "AWS4-HMAC-SHA256\n" + amzDate + '\n' + scope + '\n' + sha256Hex(canonicalRequest);
}

QByteArray signingKey(const QByteArray &secretKey, const QByteArray &date, const QByteArray &region,
                      const QByteArray &service)
{
    const QByteArray dateKey = hmac("AWS4" + secretKey, date);
    const QByteArray regionKey = hmac(dateKey, region);
    const QByteArray serviceKey = hmac(regionKey, service);
    return hmac(serviceKey, QByteArrayLiteral("aws4_request"));
}

QByteArray signature(const QByteArray &signingKey, const QByteArray &stringToSign)
{
    return hmac(signingKey, stringToSign).toHex();
}

QByteArray authorization(const QByteArray &accessKey, const QByteArray &scope,
                         const QByteArray &signedHeaders, const QByteArray &signature)
{
    return "AWS4-HMAC-SHA256 Credential=" + accessKey + '/' + scope + ",SignedHeaders=" + signedHeaders
        + ",Signature=" + signature;
}

QByteArray sign(Request &request, const Credentials &credentials, const QByteArray &region,
                const QDateTime &now, const QByteArray &service)
{
    const QByteArray date = amzDate(now);
    request.headers.append({QByteArrayLiteral("x-amz-date"), date});
    request.headers.append({QByteArrayLiteral("x-amz-content-sha256"), request.payloadHash});
    if (!credentials.sessionToken.isEmpty())
        request.headers.append({QByteArrayLiteral("x-amz-security-token"), credentials.sessionToken});
    QByteArray signedHeaders;
    canonicalHeaders(request.headers, &signedHeaders);
    const QByteArray scope = credentialScope(scopeDate(now), region, service);
    const QByteArray key = signingKey(credentials.secretKey, scopeDate(now), region, service);
    return authorization(credentials.accessKey, scope, signedHeaders,
                         signature(key, stringToSign(date, scope, canonicalRequest(request))));
}

} // namespace qtus::sigv4

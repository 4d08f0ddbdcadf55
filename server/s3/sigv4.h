#pragma once
// AWS Signature Version 4 for S3 requests: the Authorization header form, payload in a single
// chunk ("Signature Calculations for the Authorization Header: Transferring Payload in a
// Single Chunk" in AWS's S3 API reference). Pure functions; S3Client (s3client.h) builds a
// Request, signs it with sign() and sends it with QNetworkAccessManager.
//
// Why a signer of our own: Debian 12's libs3 is version 2.0, which signs with Signature
// Version 2 only and does its I/O with blocking libcurl calls. QNetworkAccessManager streams a
// request body from a QIODevice (a range of a staging file, never read whole into memory) and
// runs on the server's event loop like everything else; all it lacks is this signature.
//
// Threads: any (pure).
#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

namespace qtus::sigv4 {

// Query parameters and headers as (name, value) pairs of raw bytes (not yet encoded).
using Pairs = QList<QPair<QByteArray, QByteArray>>;

// SHA-256 of nothing, in hex: the payload hash of a request without body.
inline constexpr char emptyPayloadHash[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// The payload "hash" that says the body is not signed (x-amz-content-sha256).
inline constexpr char unsignedPayload[] = "UNSIGNED-PAYLOAD";

// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - . _ ~ stay, every other byte
// becomes %XX (upper-case hex). With encodeSlash false, '/' stays (object key paths).
QByteArray uriEncode(QByteArrayView bytes, bool encodeSlash = true);

// The absolute path of an S3 resource: "/" + bucket + "/" + key (path style) or "/" + key
// (virtual-hosted style: bucket empty), the UTF-8 of the key encoded once by uriEncode with
// '/' kept. S3 compares this very string: it is not normalised and not encoded again, so the
// canonical URI and the path on the wire are the same bytes.
QByteArray objectPath(const QString &bucket, const QString &key);

// "a=1&b=2": names and values encoded by uriEncode, sorted by encoded name, then value; a
// parameter without value is "name=".
QByteArray canonicalQuery(const Pairs &query);

// "name:value\n" per header: names in lower case, values with the spaces around them cut
// and runs of spaces inside made one; sorted by name; a name given twice gets its values
// joined by ','. Sets *signedHeaders to the names joined by ';'.
QByteArray canonicalHeaders(const Pairs &headers, QByteArray *signedHeaders);

// What gets signed. path is already encoded (objectPath); every header in headers is signed
// and must be sent with exactly that value.
struct Request
{
    QByteArray method;
    QByteArray path;
    Pairs query;
    Pairs headers;
    QByteArray payloadHash;  // hex SHA-256 of the body, or unsignedPayload
};

QByteArray canonicalRequest(const Request &request);

// 20130524T000000Z (the x-amz-date value) and 20130524 (the scope's date), in UTC.
QByteArray amzDate(const QDateTime &time);
QByteArray scopeDate(const QDateTime &time);
QByteArray credentialScope(const QByteArray &date, const QByteArray &region, const QByteArray &service);
QByteArray stringToSign(const QByteArray &amzDate, const QByteArray &scope, const QByteArray &canonicalRequest);
QByteArray signingKey(const QByteArray &secretKey, const QByteArray &date, const QByteArray &region,
                      const QByteArray &service);
QByteArray signature(const QByteArray &signingKey, const QByteArray &stringToSign);  // hex
QByteArray authorization(const QByteArray &accessKey, const QByteArray &scope,
                         const QByteArray &signedHeaders, const QByteArray &signature);

struct Credentials
{
    QByteArray accessKey;
    QByteArray secretKey;     // never logged
    QByteArray sessionToken;  // empty unless temporary credentials
};

// Adds x-amz-date, x-amz-content-sha256 (request.payloadHash) and, with a session token,
// x-amz-security-token to request.headers, and returns the Authorization header's value.
// request.headers must already hold host and whatever else is to be signed.
QByteArray sign(Request &request, const Credentials &credentials, const QByteArray &region,
                const QDateTime &now, const QByteArray &service = QByteArrayLiteral("s3"));

} // namespace qtus::sigv4

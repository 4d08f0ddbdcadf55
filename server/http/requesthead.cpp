#include "requesthead.h"

#include "headervalues.h"

namespace qtus {

namespace {

bool isTokenChar(char c)
{
    // RFC 9110 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    }
    return false;
}

bool isToken(const QByteArray &text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool hasToken(const QByteArray &list, const QByteArray &token)
{
    for (const QByteArray &item : list.split(',')) {
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

HeadParseResult invalid(TusError error)
{
    HeadParseResult r;
    r.status = HeadParseResult::Status::Invalid;
    r.error = error;
    return r;
}

} // namespace

HeadParseResult parseRequestHead(const QByteArray &buffer, const HeadLimits &limits)
{
    const qsizetype lineEnd = buffer.indexOf("\r\n");
    if (lineEnd < 0 || lineEnd > limits.maxRequestLine) {
        // The verdict must not depend on where a read ended: a line of exactly the limit may
        // have arrived with the CR of its CRLF but not yet the LF, and is not too long.
        const qsizetype lineSoFar = lineEnd >= 0 ? lineEnd : buffer.size() - (buffer.endsWith('\r') ? 1 : 0);
        if (lineSoFar > limits.maxRequestLine)
            return invalid(TusError::RequestLineTooLong);
        // A line that fits, but not with the CRLFs still to come: wait no longer than the
        // head may be (with maxRequestLine == maxHeaderSize this is the limit that bites).
        if (buffer.size() >= limits.maxHeaderSize)
            return invalid(TusError::HeaderTooLarge);
        return {};
    }
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return buffer.size() >= limits.maxHeaderSize ? invalid(TusError::HeaderTooLarge) : HeadParseResult();
    if (end + 4 > limits.maxHeaderSize)
        return invalid(TusError::HeaderTooLarge);

    HeadParseResult result;
    RequestHead &h = result.head;
    h.size = end + 4;
    const QByteArray requestLine = buffer.left(lineEnd);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty())
        return invalid(TusError::MalformedRequestLine);
    h.method = parts[0];
    h.target = parts[1];
    for (const char c : h.target) {
        if (c <= ' ' || c == 127)
            return invalid(TusError::MalformedRequestLine);
    }
    QByteArray originForm = h.target;
    if (h.target.startsWith("http://") || h.target.startsWith("https://")) {
        // absolute-form (RFC 9112 section 3.2.2): servers must accept it; the path is what routes.
        const qsizetype slash = h.target.indexOf('/', h.target.indexOf("//") + 2);
        originForm = slash < 0 ? QByteArray("/") : h.target.mid(slash);
    } else if (!h.target.startsWith('/') && h.target != "*") {
        return invalid(TusError::MalformedRequestLine);
    }
    h.path = originForm.left(originForm.indexOf('?') < 0 ? originForm.size() : originForm.indexOf('?'));
    if (parts[2] == "HTTP/1.1")
        h.minorVersion = 1;
    else if (parts[2] == "HTTP/1.0")
        h.minorVersion = 0;
    else
        return invalid(TusError::UnsupportedHttpVersion);

    bool hasHost = false;
    std::optional<qint64> contentLength;
    bool hasTransferEncoding = false;
    qsizetype pos = lineEnd + 2;
    while (pos < end + 2) {
        const qsizetype next = buffer.indexOf("\r\n", pos);
        const QByteArray line = buffer.mid(pos, next - pos);
        pos = next + 2;
        if (line.startsWith(' ') || line.startsWith('\t'))
            return invalid(TusError::MalformedHeader);  // obsolete line folding
        const qsizetype colon = line.indexOf(':');
        const QByteArray name = colon > 0 ? line.left(colon) : QByteArray();
        if (!isToken(name))
            return invalid(TusError::MalformedHeader);
        const QByteArray value = line.mid(colon + 1).trimmed();
        for (const char c : value) {
            // Unsigned: bytes >= 0x80 (obs-text, e.g. UTF-8) are allowed field content
            // (RFC 9110 section 5.5); only controls are refused.
            const auto byte = static_cast<unsigned char>(c);
            if ((byte < ' ' && byte != '\t') || byte == 127)
                return invalid(TusError::MalformedHeader);
        }
        h.headers.append({name, value});
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            // "5, 5" or repeated identical fields are one length; anything else is ambiguous.
            for (const QByteArray &item : value.split(',')) {
                const auto n = parseNonNegativeInteger(item.trimmed());
                if (!n)
                    return invalid(TusError::ConflictingContentLength);
                if (contentLength && *contentLength != *n)
                    return invalid(TusError::ConflictingContentLength);
                contentLength = n;
            }
        } else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            if (hasTransferEncoding || value.compare("chunked", Qt::CaseInsensitive) != 0)
                return invalid(TusError::UnsupportedTransferEncoding);
            hasTransferEncoding = true;
        } else if (name.compare("Host", Qt::CaseInsensitive) == 0) {
            hasHost = true;
        } else if (name.compare("Connection", Qt::CaseInsensitive) == 0) {
            if (hasToken(value, "close"))
                h.keepAlive = false;
        } else if (name.compare("Expect", Qt::CaseInsensitive) == 0) {
            h.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    if (hasTransferEncoding && contentLength)
        return invalid(TusError::LengthWithTransferEncoding);
    if (hasTransferEncoding && h.minorVersion == 0)
        return invalid(TusError::UnsupportedTransferEncoding);
    if (h.minorVersion == 1 && !hasHost)
        return invalid(TusError::MissingHost);
    if (h.minorVersion == 0) {
        h.keepAlive = false;        // HTTP/1.0: one request per connection
        h.expectContinue = false;   // RFC 9110 10.1.1: an HTTP/1.0 client cannot read a 100
    }
    h.chunked = hasTransferEncoding;
    h.contentLength = contentLength.value_or(-1);
    result.status = HeadParseResult::Status::Complete;
    return result;
}

} // namespace qtus

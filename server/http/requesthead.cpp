#include "requesthead.h"

#include "headervalues.h"

#include <cstring>

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

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool hasToken(QByteArrayView list, QByteArrayView token)
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView item = comma < 0 ? list : list.first(comma);
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
        list = comma < 0 ? QByteArrayView() : list.sliced(comma + 1);
    }
    return false;
}

// memchr: QByteArray::indexOf() of a short needle costs more than the rest of a
// line's parsing, and every line of every request is searched.
qsizetype indexOfCrlf(const QByteArray &buffer, qsizetype from)
{
    const char *begin = buffer.constData();
    const char *end = begin + buffer.size();
    for (const char *p = begin + from; p < end;) {
        const auto *cr = static_cast<const char *>(std::memchr(p, '\r', size_t(end - p)));
        if (!cr || cr + 1 >= end)
            return -1;
        if (cr[1] == '\n')
            return cr - begin;
        p = cr + 1;
    }
    return -1;
}

qsizetype indexOfBlankLine(const QByteArray &buffer)
{
    // Every "\r\n\r\n" starts at a CRLF, and CRLFs never overlap: the first CRLF followed by
    // another is the first blank line (memmem's setup costs more than a short head).
    const char *data = buffer.constData();
    for (qsizetype at = indexOfCrlf(buffer, 0); at >= 0; at = indexOfCrlf(buffer, at + 2)) {
        if (at + 3 < buffer.size() && data[at + 2] == '\r' && data[at + 3] == '\n')
            return at;
    }
    return -1;
}

// The names and methods nearly every request spells the same way are kept as static data,
// not copied per request: the same bytes, so case-sensitive equality is enough.
QByteArray stored(QByteArrayView text)
{
    static constexpr QByteArrayView common[] = {
        "HEAD", "PATCH", "POST", "GET", "DELETE", "OPTIONS",
        "Host", "Tus-Resumable", "Upload-Offset", "Upload-Length", "Upload-Metadata", "Upload-Defer-Length",
        "Upload-Concat", "Upload-Checksum", "Content-Type", "Content-Length", "Transfer-Encoding", "Connection",
        "User-Agent", "Accept", "Accept-Encoding", "Origin", "Authorization", "Expect",
        "host", "tus-resumable", "upload-offset", "upload-length", "upload-metadata", "content-type",
        "content-length", "connection", "user-agent", "accept", "origin", "authorization"};
    for (const QByteArrayView known : common) {
        if (known.size() == text.size() && std::memcmp(known.data(), text.data(), size_t(text.size())) == 0)
            return QByteArray::fromRawData(known.data(), known.size());
    }
    return text.toByteArray();
}

// Field names are ASCII: a different length is a different name (and the usual case).
bool isField(QByteArrayView name, QByteArrayView want)
{
    return name.size() == want.size() && name.compare(want, Qt::CaseInsensitive) == 0;
}

// A LF without the CR before it. RFC 9112 section 2.2 lets a server read a bare LF as a line
// end; qtus refuses it instead (400 at once): a head cut at bare LFs by one parser and at
// CRLFs by another is how requests are smuggled past a proxy. Only heads without a CRLF
// where one is due are searched, so a well-formed head never pays for the scan.
bool hasBareLf(const QByteArray &buffer)
{
    const char *data = buffer.constData();
    const char *end = data + buffer.size();
    for (const char *p = data; p < end;) {
        const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
        if (!lf)
            return false;
        if (lf == data || lf[-1] != '\r')
            return true;
        p = lf + 1;
    }
    return false;
}

QByteArrayView trimOws(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
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
    const qsizetype lineEnd = indexOfCrlf(buffer, 0);
    if (lineEnd < 0 && hasBareLf(buffer))
        return invalid(TusError::BareLineFeed);
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
    const qsizetype end = indexOfBlankLine(buffer);
    if (end < 0) {
        if (hasBareLf(buffer))
            return invalid(TusError::BareLineFeed);
        return buffer.size() >= limits.maxHeaderSize ? invalid(TusError::HeaderTooLarge) : HeadParseResult();
    }
    if (end + 4 > limits.maxHeaderSize)
        return invalid(TusError::HeaderTooLarge);

    HeadParseResult result;
    RequestHead &h = result.head;
    h.size = end + 4;
    // method SP target SP version: exactly two spaces.
    const QByteArrayView requestLine(buffer.constData(), lineEnd);
    if (requestLine.contains('\n'))
        return invalid(TusError::BareLineFeed);
    const qsizetype space1 = requestLine.indexOf(' ');
    const qsizetype space2 = space1 < 0 ? -1 : requestLine.indexOf(' ', space1 + 1);
    if (space2 < 0 || requestLine.indexOf(' ', space2 + 1) >= 0)
        return invalid(TusError::MalformedRequestLine);
    const QByteArrayView method = requestLine.first(space1);
    const QByteArrayView target = requestLine.sliced(space1 + 1, space2 - space1 - 1);
    const QByteArrayView version = requestLine.sliced(space2 + 1);
    if (!isToken(method) || target.isEmpty())
        return invalid(TusError::MalformedRequestLine);
    h.method = stored(method);
    h.target = target.toByteArray();
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
    if (version == "HTTP/1.1")
        h.minorVersion = 1;
    else if (version == "HTTP/1.0")
        h.minorVersion = 0;
    else
        return invalid(TusError::UnsupportedHttpVersion);

    bool hasHost = false;
    std::optional<qint64> contentLength;
    bool hasTransferEncoding = false;
    h.headers.reserve(8);  // one allocation for a usual head
    qsizetype pos = lineEnd + 2;
    // Views into the buffer: only the stored name and value are copied (this runs for every
    // request; the HEAD benchmark sees each allocation).
    while (pos < end + 2) {
        const qsizetype next = indexOfCrlf(buffer, pos);
        const QByteArrayView line(buffer.constData() + pos, next - pos);
        pos = next + 2;
        if (line.startsWith(' ') || line.startsWith('\t'))
            return invalid(TusError::MalformedHeader);  // obsolete line folding
        const qsizetype colon = line.indexOf(':');
        const QByteArrayView name = colon > 0 ? line.first(colon) : QByteArrayView();
        if (!isToken(name))
            return invalid(TusError::MalformedHeader);
        // OWS is space and tab only: trimmed() would also drop a CR or LF at either end,
        // and a bare line end must be refused, not hidden.
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        for (const char c : value) {
            // Unsigned: bytes >= 0x80 (obs-text, e.g. UTF-8) are allowed field content
            // (RFC 9110 section 5.5); only controls are refused.
            const auto byte = static_cast<unsigned char>(c);
            if ((byte < ' ' && byte != '\t') || byte == 127)
                return invalid(TusError::MalformedHeader);
        }
        h.headers.append({stored(name), value.toByteArray()});
        if (isField(name, "Content-Length")) {
            // "5, 5" or repeated identical fields are one length; anything else is ambiguous.
            for (const QByteArray &item : value.toByteArray().split(',')) {
                const auto n = parseNonNegativeInteger(item.trimmed());
                if (!n)
                    return invalid(TusError::ConflictingContentLength);
                if (contentLength && *contentLength != *n)
                    return invalid(TusError::ConflictingContentLength);
                contentLength = n;
            }
        } else if (isField(name, "Transfer-Encoding")) {
            if (hasTransferEncoding || value.compare("chunked", Qt::CaseInsensitive) != 0)
                return invalid(TusError::UnsupportedTransferEncoding);
            hasTransferEncoding = true;
        } else if (isField(name, "Host")) {
            if (hasHost)
                return invalid(TusError::DuplicateHost);  // RFC 9112 section 3.2: 400
            hasHost = true;
        } else if (isField(name, "Connection")) {
            if (hasToken(value, "close"))
                h.keepAlive = false;
        } else if (isField(name, "Expect")) {
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

#include "chunkeddecoder.h"

#include <cstring>

namespace qtus {

namespace {

constexpr qsizetype maxLine = 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The grammar of RFC 9112 section 7.1, exactly: no space before the size, extensions as
// *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ). Leniency here is what a
// proxy and a server disagree on when a body is smuggled.
class LineReader
{
public:
    explicit LineReader(const QByteArray &line) : m_p(line.constData()), m_end(m_p + line.size()) {}
    bool atEnd() const { return m_p == m_end; }
    char peek() const { return atEnd() ? '\0' : *m_p; }
    void skipBws()
    {
        while (!atEnd() && (*m_p == ' ' || *m_p == '\t'))
            ++m_p;
    }
    bool take(char c)
    {
        if (peek() != c || atEnd())
            return false;
        ++m_p;
        return true;
    }
    bool token()
    {
        const char *start = m_p;
        while (!atEnd() && isTokenChar(*m_p))
            ++m_p;
        return m_p != start;
    }
    bool quotedString()
    {
        if (!take('"'))
            return false;
        while (!atEnd()) {
            const auto c = static_cast<unsigned char>(*m_p++);
            if (c == '"')
                return true;
            if (c == '\\') {
                if (atEnd())
                    return false;
                const auto escaped = static_cast<unsigned char>(*m_p++);
                if (escaped != '\t' && (escaped < ' ' || escaped == 127))
                    return false;
            } else if (c != '\t' && (c < ' ' || c == 127)) {
                return false;
            }
        }
        return false;
    }
    bool hexSize(qint64 *size)
    {
        qint64 value = 0;
        int digits = 0;
        for (int d; !atEnd() && (d = hexDigit(*m_p)) >= 0; ++m_p) {
            if (++digits > 15)  // 15 hex digits stay below 2^63
                return false;
            value = value * 16 + d;
        }
        *size = value;
        return digits > 0;
    }

private:
    const char *m_p;
    const char *m_end;
};

bool parseChunkSizeLine(const QByteArray &line, qint64 *size)
{
    LineReader r(line);
    if (!r.hexSize(size))
        return false;
    for (;;) {
        if (r.atEnd())
            return true;
        r.skipBws();  // BWS only before a ";": "3 " is not a chunk size
        if (!r.take(';'))
            return false;
        r.skipBws();
        if (!r.token())
            return false;
        r.skipBws();
        if (r.take('=')) {
            r.skipBws();
            if (!(r.peek() == '"' ? r.quotedString() : r.token()))
                return false;
        }
    }
}

// field-name ":" OWS field-value OWS, with the same characters a header field may hold.
bool isTrailerField(const QByteArray &line)
{
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0)
        return false;
    for (qsizetype i = 0; i < colon; ++i) {
        if (!isTokenChar(line.at(i)))
            return false;
    }
    for (qsizetype i = colon + 1; i < line.size(); ++i) {
        const auto c = static_cast<unsigned char>(line.at(i));
        if (c != '\t' && (c < ' ' || c == 127))
            return false;
    }
    return true;
}

} // namespace

ChunkedDecoder::Result ChunkedDecoder::feed(const char *data, qint64 size, const Sink &sink)
{
    qint64 pos = 0;
    auto error = [&pos] { return Result{Status::Error, pos}; };
    while (pos < size && m_state != State::Done) {
        switch (m_state) {
        case State::Size:
        case State::DataEnd:
        case State::Trailer: {
            // Line-oriented states: collect up to CRLF.
            const char *start = data + pos;
            const char *newline = static_cast<const char *>(memchr(start, '\n', size_t(size - pos)));
            const qint64 take = newline ? (newline - start) + 1 : size - pos;
            m_line.append(start, take);
            pos += take;
            if (m_state == State::Trailer) {
                m_trailerBytes += take;
                if (m_trailerBytes > m_maxTrailerBytes)
                    return error();
            } else if (m_line.size() > maxLine) {
                return error();
            }
            if (!newline)
                return {Status::NeedMore, pos};
            if (!m_line.endsWith("\r\n"))
                return error();
            const QByteArray line = m_line.chopped(2);
            m_line.clear();
            if (m_state == State::DataEnd) {
                if (!line.isEmpty())
                    return error();
                m_state = State::Size;
            } else if (m_state == State::Size) {
                if (!parseChunkSizeLine(line, &m_chunkLeft))
                    return error();
                m_state = m_chunkLeft == 0 ? State::Trailer : State::Data;
            } else if (line.isEmpty()) {
                m_state = State::Done;  // end of trailers
            } else if (!isTrailerField(line)) {
                return error();
            }
            break;
        }
        case State::Data: {
            const qint64 take = qMin(m_chunkLeft, size - pos);
            if (!sink(data + pos, take))
                return error();
            pos += take;
            m_chunkLeft -= take;
            if (m_chunkLeft == 0)
                m_state = State::DataEnd;
            break;
        }
        case State::Done:
            break;
        }
    }
    return {m_state == State::Done ? Status::Done : Status::NeedMore, pos};
}

void ChunkedDecoder::reset()
{
    const qint64 maxTrailers = m_maxTrailerBytes;
    *this = ChunkedDecoder(maxTrailers);
}

} // namespace qtus

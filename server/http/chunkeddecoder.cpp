#include "chunkeddecoder.h"

namespace qtus {

namespace {

constexpr qsizetype maxLine = 1024;
constexpr qint64 maxTrailers = 16 * 1024;

// Hex chunk size, optionally followed by ";extension". Nullopt when malformed or too big.
bool parseChunkSize(const QByteArray &line, qint64 *size)
{
    const qsizetype semicolon = line.indexOf(';');
    const QByteArray hex = (semicolon < 0 ? line : line.left(semicolon)).trimmed();
    if (hex.isEmpty() || hex.size() > 15)  // 15 hex digits stay below 2^63
        return false;
    qint64 value = 0;
    for (const char c : hex) {
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = value * 16 + digit;
    }
    *size = value;
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
                if (m_trailerBytes > maxTrailers)
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
                if (!parseChunkSize(line, &m_chunkLeft))
                    return error();
                m_state = m_chunkLeft == 0 ? State::Trailer : State::Data;
            } else if (line.isEmpty()) {
                m_state = State::Done;  // end of trailers
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

} // namespace qtus

#pragma once
// Decodes a Transfer-Encoding: chunked request body incrementally, from whatever TCP
// segments arrive, by the grammar of RFC 9112 section 7.1 and nothing looser: no space
// before a chunk size, extensions as `;name[=token|"quoted"]`, trailer lines that are
// well-formed field lines. Extensions are skipped; trailers are checked and dropped.
// Pure and bounded: a chunk-size line longer than 1 KiB, or trailers longer than the limit
// given (the server passes --max-header-size), are errors, so a client cannot make it
// buffer without limit. One object per connection; not thread-safe.
#include <QByteArray>
#include <functional>

namespace qtus {

class ChunkedDecoder
{
public:
    enum class Status { NeedMore, Done, Error };
    // Called with each piece of decoded body; return false to stop (the sink failed).
    using Sink = std::function<bool(const char *data, qint64 size)>;

    struct Result
    {
        Status status;
        qint64 consumed;  // input bytes used; the rest belongs to the next request
    };

    explicit ChunkedDecoder(qint64 maxTrailerBytes = 16 * 1024) : m_maxTrailerBytes(maxTrailerBytes) {}
    Result feed(const char *data, qint64 size, const Sink &sink);
    void reset();  // a fresh body, same limit

private:
    enum class State { Size, Data, DataEnd, Trailer, Done };
    State m_state = State::Size;
    QByteArray m_line;
    qint64 m_chunkLeft = 0;
    qint64 m_trailerBytes = 0;
    qint64 m_maxTrailerBytes;
};

} // namespace qtus

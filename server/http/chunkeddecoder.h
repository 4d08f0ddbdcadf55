#pragma once
// Decodes a Transfer-Encoding: chunked request body incrementally, from whatever TCP
// segments arrive. Chunk extensions are skipped; trailer fields are read and dropped.
// Pure and bounded: a chunk-size line longer than 1 KiB or trailers longer than 16 KiB are
// errors, so a client cannot make it buffer without limit.
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

    Result feed(const char *data, qint64 size, const Sink &sink);
    void reset() { *this = ChunkedDecoder(); }

private:
    enum class State { Size, Data, DataEnd, Trailer, Done };
    State m_state = State::Size;
    QByteArray m_line;
    qint64 m_chunkLeft = 0;
    qint64 m_trailerBytes = 0;
};

} // namespace qtus

// The intake's request framing on a keep-alive connection: heads (parseRequestHead) and
// bodies (Content-Length, or ChunkedDecoder) one after another, the way UploadIntake splits
// a byte stream into requests. Whatever the TCP segments were, the same requests with the
// same bodies must come out and the connection must end the same way; this is what keeps
// a pipelined request from being smuggled inside another one's body.
#include "chunkeddecoder.h"
#include "fuzzcheck.h"
#include "requesthead.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <vector>

using namespace qtus;

namespace {

struct Request
{
    QByteArray method;
    QByteArray target;
    QByteArray body;
    bool operator==(const Request &o) const { return method == o.method && target == o.target && body == o.body; }
};

// UploadIntake's framing without the socket and the handler: bytes in, requests out.
class Connection
{
public:
    enum class End { Open, BadHead, BadChunk };

    explicit Connection(const HeadLimits &limits) : m_limits(limits) {}

    void receive(const QByteArray &segment)
    {
        if (m_end != End::Open)
            return;  // closed: the rest is never read
        m_in += segment;
        m_received += segment.size();
        while (m_end == End::Open && !m_in.isEmpty()) {
            if (!m_inBody) {
                const HeadParseResult parsed = parseRequestHead(m_in, m_limits);
                if (parsed.status == HeadParseResult::Status::Incomplete)
                    break;
                if (parsed.status == HeadParseResult::Status::Invalid) {
                    m_end = End::BadHead;
                    break;
                }
                const RequestHead &h = parsed.head;
                m_current = Request{h.method, h.target, {}};
                m_framed += h.size;
                m_in.remove(0, h.size);
                m_chunked = h.chunked;
                m_bodyLeft = qMax<qint64>(h.contentLength, 0);
                m_decoder.reset();
                m_inBody = h.hasBody();
                if (!m_inBody)
                    m_requests.append(m_current);
                continue;
            }
            qint64 consumed = 0;
            bool done = false;
            if (m_chunked) {
                const auto sink = [this](const char *data, qint64 size) {
                    m_current.body.append(data, size);
                    return true;
                };
                const ChunkedDecoder::Result r = m_decoder.feed(m_in.constData(), m_in.size(), sink);
                consumed = r.consumed;
                if (r.status == ChunkedDecoder::Status::Error) {
                    m_end = End::BadChunk;
                    break;
                }
                done = r.status == ChunkedDecoder::Status::Done;
            } else {
                consumed = qMin<qint64>(m_in.size(), m_bodyLeft);
                m_current.body.append(m_in.constData(), consumed);
                m_bodyLeft -= consumed;
                done = m_bodyLeft == 0;
            }
            FUZZ_REQUIRE(consumed >= 0 && consumed <= m_in.size());
            FUZZ_REQUIRE(done || consumed == m_in.size());
            m_framed += consumed;
            m_in.remove(0, consumed);
            if (done) {
                m_inBody = false;
                m_requests.append(m_current);
            }
        }
        // Every byte received is either framed or still waiting in the buffer (or the
        // connection was closed on it).
        FUZZ_REQUIRE(m_end != End::Open || m_framed + m_in.size() == m_received);
        // The buffer never holds more than one head's worth while it waits for a head.
        FUZZ_REQUIRE(m_end != End::Open || m_inBody || m_in.size() <= m_limits.maxHeaderSize);
    }

    End end() const { return m_end; }
    bool inBody() const { return m_inBody; }
    const QList<Request> &requests() const { return m_requests; }

private:
    const HeadLimits m_limits;
    QByteArray m_in;
    qint64 m_received = 0;
    qint64 m_framed = 0;
    bool m_inBody = false;
    bool m_chunked = false;
    qint64 m_bodyLeft = 0;
    ChunkedDecoder m_decoder;
    Request m_current;
    QList<Request> m_requests;
    End m_end = End::Open;
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider input(data, size);
    HeadLimits limits;
    limits.maxHeaderSize = input.ConsumeIntegralInRange<qsizetype>(64, 1024);
    limits.maxRequestLine = input.ConsumeIntegralInRange<qsizetype>(16, limits.maxHeaderSize);
    std::vector<qsizetype> cuts(input.ConsumeIntegralInRange<size_t>(0, 12));
    for (qsizetype &cut : cuts)
        cut = qsizetype(input.ConsumeIntegral<quint16>());
    const std::string rest = input.ConsumeRemainingBytesAsString();
    const QByteArray stream(rest.data(), qsizetype(rest.size()));
    for (qsizetype &cut : cuts)
        cut = cut % (stream.size() + 1);
    std::sort(cuts.begin(), cuts.end());

    Connection whole(limits);
    whole.receive(stream);

    Connection pieces(limits);
    qsizetype start = 0;
    cuts.push_back(stream.size());
    for (const qsizetype end : cuts) {
        pieces.receive(stream.mid(start, end - start));
        start = end;
    }
    FUZZ_REQUIRE(pieces.end() == whole.end());
    FUZZ_REQUIRE(pieces.inBody() == whole.inBody());
    FUZZ_REQUIRE(pieces.requests() == whole.requests());
    return 0;
}

#pragma once
// Parses and validates the head of an HTTP/1.x request (request line and header fields)
// before any body byte is read. Rejects what would make framing ambiguous: two different
// Content-Length values, Content-Length with Transfer-Encoding, a Transfer-Encoding other
// than chunked, header folding, versions other than HTTP/1.0 and 1.1. Pure function: no
// socket, so it is unit-tested and fuzzed directly.
// Threads: any (pure).
#include "tuserror.h"
#include "tusmessage.h"

#include <optional>

namespace qtus {

struct RequestHead
{
    QByteArray method;
    QByteArray target;       // as sent ("/files/abc?x=1")
    QByteArray path;         // target without the query
    int minorVersion = 1;    // HTTP/1.<minor>
    HeaderList headers;
    qint64 contentLength = -1;  // -1: no Content-Length
    bool chunked = false;
    bool keepAlive = true;      // HTTP/1.1 without "Connection: close"
    bool expectContinue = false;
    qsizetype size = 0;         // bytes of the head, including the blank line

    bool hasBody() const { return chunked || contentLength > 0; }
    // The body's length as the handler takes it: -1 for chunked (not known yet), else the
    // Content-Length (0 without one).
    qint64 bodyLength() const { return chunked ? -1 : qMax<qint64>(0, contentLength); }
};

struct HeadLimits
{
    qsizetype maxHeaderSize = 16 * 1024;  // the whole head
    qsizetype maxRequestLine = 8 * 1024;
};

struct HeadParseResult
{
    enum class Status { Incomplete, Complete, Invalid };
    Status status = Status::Incomplete;
    RequestHead head;
    TusError error = TusError::MalformedRequestLine;  // when Invalid
};

HeadParseResult parseRequestHead(const QByteArray &buffer, const HeadLimits &limits);

} // namespace qtus

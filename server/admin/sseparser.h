#pragma once
// Reads a Server-Sent Events stream (the HTML standard's event-stream format) as it arrives
// in pieces: "id:", "event:" and "data:" fields, events ended by a blank line, comments
// (": keepalive") skipped. The client side of GET /api/v1/events: qtus-admin --connect and
// the tests use it. A line longer than maxLine is an error (the stream is broken).
// Threads: one object per stream; not thread-safe.
#include <QByteArray>
#include <QList>

namespace qtus {

struct SseEvent
{
    QByteArray id;
    QByteArray type = "message";
    QByteArray data;
};

class SseParser
{
public:
    static constexpr qsizetype maxLine = 64 * 1024 * 1024;  // a snapshot page of 500 sessions fits many times

    // The events completed by these bytes. False when the stream cannot be read any more.
    bool feed(const QByteArray &bytes, QList<SseEvent> *events);
    const QByteArray &lastEventId() const { return m_lastEventId; }

private:
    QByteArray m_buffer;
    SseEvent m_current;
    bool m_hasData = false;
    QByteArray m_lastEventId;
};

} // namespace qtus

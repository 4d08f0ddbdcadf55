#include "sseparser.h"

namespace qtus {

bool SseParser::feed(const QByteArray &bytes, QList<SseEvent> *events)
{
    m_buffer += bytes;
    qsizetype start = 0;
    for (;;) {
        const qsizetype end = m_buffer.indexOf('\n', start);
        if (end < 0)
            break;
        QByteArray line = m_buffer.mid(start, end - start);
        start = end + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.isEmpty()) {  // dispatch
            if (m_hasData || !m_current.id.isEmpty()) {
                if (!m_current.id.isEmpty())
                    m_lastEventId = m_current.id;
                events->append(m_current);
            }
            m_current = SseEvent();
            m_hasData = false;
            continue;
        }
        if (line.startsWith(':'))
            continue;  // a comment
        const qsizetype colon = line.indexOf(':');
        const QByteArray field = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        if (field == "id") {
            m_current.id = value;
        } else if (field == "event") {
            m_current.type = value;
        } else if (field == "data") {
            if (m_hasData)
                m_current.data += '\n';
            m_current.data += value;
            m_hasData = true;
        }
    }
    m_buffer.remove(0, start);
    return m_buffer.size() <= maxLine;
}

} // namespace qtus

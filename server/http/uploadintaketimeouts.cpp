// UploadIntake's clocks: the idle timeout between requests, the read timeout of a head or
// body in progress (which slow trickles do not reset), and the drain before a close.
#include "uploadintake.h"

#include "logging.h"

#include <QTcpSocket>

#include <limits>

namespace qtus {

void UploadIntake::onTimeout()
{
    if (!m_socket)
        return;
    if (!m_due.hasExpired()) {  // pushed back since the timer started (startTimeout)
        startTimeout(qMax<qint64>(1, m_due.remainingTime()));
        return;
    }
    if (m_state == State::Draining) {
        m_socket->abort();
        return;
    }
    if (m_state == State::Body)
        commitInterrupted("read timeout");
    qCDebug(lcHttp) << (m_state == State::Head && m_in.isEmpty() ? "idle timeout" : "read timeout") << "closing connection";
    closeGracefully();
}

void UploadIntake::armTimer()
{
    if (m_state == State::Draining || m_state == State::Closed)
        return;
    const bool idle = m_state == State::Head && m_in.isEmpty();
    const bool partialHead = m_state == State::Head && !m_in.isEmpty();
    if (!partialHead)
        m_headDeadline = QDeadlineTimer(QDeadlineTimer::Forever);  // the next head's clock starts at its first byte
    const Duration timeout = idle ? m_limits.idleTimeout : m_limits.readTimeout;
    if (timeout.count() <= 0) {
        m_timer.stop();
        return;
    }
    qint64 ms = timeout.count();
    if (m_state == State::Body) {
        // The read timeout restarts only when the body made progress: at least
        // minBodyProgress bytes since the last restart. A client that sends a byte every few
        // seconds would otherwise hold the connection and the upload's lock for as long as
        // it likes; any real client, however slow, brings 1 KiB within a read timeout.
        if (m_bodyClockRunning && m_bodyProgress < minBodyProgress)
            return;
        m_bodyClockRunning = true;
        m_bodyProgress = 0;
    } else if (partialHead) {
        // A head must arrive whole within the read timeout of its first byte. Restarting the
        // timer per byte would let a client that sends one byte every few seconds hold the
        // connection for hours (slowloris; tests/reliability/slowloris.py).
        if (m_headDeadline.isForever())
            m_headDeadline.setRemainingTime(ms);
        ms = qMax<qint64>(0, m_headDeadline.remainingTime());
    }
    startTimeout(ms);
}

void UploadIntake::startTimeout(qint64 ms)
{
    const QDeadlineTimer due(ms);
    m_due = due;
    // A deadline later than the running timer's (an idle timeout pushed back by the next
    // keep-alive request) leaves the timer alone: onTimeout() sees it has not come yet and
    // waits the rest. Restarting a QTimer per request cost as much as parsing the request.
    if (m_timer.isActive() && !(due < m_timerDue))
        return;
    m_timerDue = due;
    m_timer.start(int(qMin<qint64>(ms, std::numeric_limits<int>::max())));
}

} // namespace qtus

#include "hooktransport.h"

namespace qtus {

void HookTransport::call(HookType type, const QByteArray &payload, Done done)
{
    if (m_running < maxRunning) {
        ++m_running;
        run(type, payload, std::move(done));
    } else if (int(m_queue.size()) < maxQueued) {
        m_queue.push_back(Call{type, payload, std::move(done)});
    } else {
        answerLater(std::move(done), HookOutcome{HookOutcome::Result::Overloaded, 0, {}, "too many hooks waiting"});
    }
}

void HookTransport::finished(const Done &done, const HookOutcome &outcome)
{
    --m_running;
    done(outcome);
    if (!m_queue.empty())
        QMetaObject::invokeMethod(this, &HookTransport::startWaiting, Qt::QueuedConnection);
}

void HookTransport::answerLater(Done done, HookOutcome outcome)
{
    QMetaObject::invokeMethod(this, [done = std::move(done), outcome] { done(outcome); }, Qt::QueuedConnection);
}

void HookTransport::startWaiting()
{
    while (m_running < maxRunning && !m_queue.empty()) {
        Call next = std::move(m_queue.front());
        m_queue.pop_front();
        ++m_running;
        run(next.type, next.payload, std::move(next.done));
    }
}

} // namespace qtus

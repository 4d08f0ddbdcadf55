#include "creationqueue.h"

#include <QCoreApplication>
#include <QThread>

#include <memory>

namespace qtus {

CreationQueue::CreationQueue(QObject *parent) : QObject(parent)
{
    m_pool.setMaxThreadCount(qBound(2, QThread::idealThreadCount(), 4));
    m_pool.setExpiryTimeout(-1);  // keep them; starting threads per burst costs more
}

CreationQueue::~CreationQueue() { m_pool.waitForDone(); }

void CreationQueue::run(QObject *receiver, Job job, Done done)
{
    // The receiver is checked on its own thread, where it is deleted, never on the worker's.
    struct Task
    {
        QPointer<QObject> receiver;
        Job job;
        Done done;
        BodyDecision result;
    };
    auto task = std::make_shared<Task>(Task{receiver, std::move(job), std::move(done), {}});
    m_inFlight.ref();
    m_pool.start([this, task] {
        task->result = task->job();
        QMetaObject::invokeMethod(this, [this, task] {
            m_inFlight.deref();
            if (task->receiver)
                task->done(task->result);
        }, Qt::QueuedConnection);
    });
}

void CreationQueue::finishAll()
{
    m_pool.waitForDone();
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

} // namespace qtus

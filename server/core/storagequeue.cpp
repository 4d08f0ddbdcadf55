#include "storagequeue.h"

#include <QCoreApplication>
#include <QThread>

#include <memory>

namespace qtus {

StorageQueue::StorageQueue(int threads, QObject *parent) : QObject(parent)
{
    m_pool.setMaxThreadCount(threads > 0 ? threads : qBound(2, QThread::idealThreadCount(), 4));
    m_pool.setExpiryTimeout(-1);  // keep them; starting threads per burst costs more
}

StorageQueue::~StorageQueue() { m_pool.waitForDone(); }

void StorageQueue::submit(QObject *receiver, std::function<void()> work, std::function<void()> deliver)
{
    // The receiver is checked on its own thread, where it is deleted, never on the worker's.
    struct Task
    {
        QPointer<QObject> receiver;
        std::function<void()> work;
        std::function<void()> deliver;
    };
    auto task = std::make_shared<Task>(Task{receiver, std::move(work), std::move(deliver)});
    m_inFlight.ref();
    m_pool.start([this, task] {
        task->work();
        QMetaObject::invokeMethod(this, [this, task] {
            m_inFlight.deref();
            if (task->receiver)
                task->deliver();
        }, Qt::QueuedConnection);
    });
}

void StorageQueue::finishAll()
{
    // An answer handed back may let its connection go on to a request pipelined behind it,
    // and that may submit another job: repeat until none is left. Finite: no socket is read
    // meanwhile, so only bytes already buffered can become requests.
    while (m_inFlight.loadAcquire() > 0) {
        m_pool.waitForDone();
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    }
}

} // namespace qtus

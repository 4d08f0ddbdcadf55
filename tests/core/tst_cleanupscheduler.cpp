// CleanupScheduler: a pass at start and then on its interval, joined triggers, stop() and
// destruction during a pass, errors that never stop it, and the start pass after a restart.
// What a pass removes is tst_cleanuppass's subject; here it only has to be visible.
#include "cleanupscheduler.h"
#include "uploaddir.h"

#include <QCoreApplication>
#include <QDir>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace qtus;
using namespace qtus::test;
using namespace std::chrono_literals;

namespace {

// Tells the time of another clock, but holds any thread other than the test's (the cleanup
// worker) at its first look until open(): the test acts while a pass provably runs.
class GatedClock final : public Clock
{
public:
    explicit GatedClock(const Clock &inner) : m_inner(inner) {}

    QDateTime now() const override
    {
        if (QThread::currentThread() != QCoreApplication::instance()->thread()) {
            std::unique_lock lock(m_mutex);
            m_workerWaiting = true;
            m_opened.wait(lock, [this] { return m_open; });
        }
        return m_inner.now();
    }

    void open()
    {
        std::lock_guard lock(m_mutex);
        m_open = true;
        m_opened.notify_all();
    }

    bool isWorkerWaiting() const
    {
        std::lock_guard lock(m_mutex);
        return m_workerWaiting;
    }

private:
    const Clock &m_inner;
    // std rather than Qt primitives: ThreadSanitizer sees through these in an uninstrumented Qt.
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_opened;
    mutable bool m_workerWaiting = false;
    bool m_open = false;
};

// Makes call() (stop() or destruction, which must wait for the held pass) while another
// thread opens the gate once the call is under way, so the pass ends only while it waits.
template <typename Call>
void openGateDuring(GatedClock &gate, Call call)
{
    std::atomic_bool calling{false};
    std::thread opener([&] {
        while (!calling)
            std::this_thread::yield();
        gate.open();
    });
    calling = true;
    call();
    opener.join();
}

// QTRY_* return as soon as their condition holds: a long limit costs a passing run nothing
// and keeps a loaded CI machine (ctest -j) from failing a test that is merely slow.
constexpr int patience = 30000;

CleanupPolicy withInterval(Duration interval)
{
    CleanupPolicy policy;
    policy.interval = interval;
    return policy;
}

CleanupReport reportAt(const QSignalSpy &spy, int i) { return spy.at(i).at(0).value<CleanupReport>(); }

} // namespace

class tst_CleanupScheduler : public QObject
{
    Q_OBJECT
private slots:
    void passAtStartThenOnInterval();
    void noTimerWhenIntervalIsZero();
    void nextPassAt();
    void runNowJoinsRunningPass();
    void stopWaitsForRunningPass();
    void destructionDuringPassWaits();
    void errorsNeverStopTheScheduler();
    void removalsReachTheEventLoopThreadQueued();
    void startPassAfterRestartRemovesWhatExpiredWhileDown();
};

void tst_CleanupScheduler::passAtStartThenOnInterval()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString first = d.createUpload(10);
    d.clock.advance(2h);
    const QString second = d.createUpload(10);
    d.clock.advance(23h);  // first idle 25h: expired; second idle 23h: active

    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(50ms));
    QSignalSpy started(&scheduler, &CleanupScheduler::passStarted);
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    QVERIFY(!scheduler.lastReport());
    QVERIFY(!scheduler.nextPassAt().isValid());

    scheduler.start();
    QCOMPARE(started.count(), 1);  // at once, not after the first interval
    QCOMPARE(started.at(0).at(0).toDateTime(), d.clock.now());
    QVERIFY(scheduler.isPassRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    QCOMPARE(reportAt(finished, 0).startedAt, d.clock.now());
    QCOMPARE(reportAt(finished, 0).removed, 1);
    QCOMPARE(scheduler.lastReport()->removed, 1);
    QVERIFY(!d.store->find(first));
    QVERIFY(d.store->find(second));

    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 3, patience);  // the timer keeps passing
    d.clock.advance(2h);
    QTRY_VERIFY_WITH_TIMEOUT(!d.store->find(second), patience);  // and a timer pass removes what expires later
    QVERIFY(started.count() >= finished.count());
}

void tst_CleanupScheduler::noTimerWhenIntervalIsZero()
{
    UploadDir d;
    QVERIFY(d.open());
    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(0ms));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    scheduler.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    QVERIFY(!scheduler.nextPassAt().isValid());
    scheduler.runNow();  // manual passes still work
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, patience);
    QVERIFY(!scheduler.nextPassAt().isValid());
}

void tst_CleanupScheduler::nextPassAt()
{
    UploadDir d;
    QVERIFY(d.open());
    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(10min));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    scheduler.start();
    // A coarse timer may fire up to 5% late, and nextPassAt() tells when it really will.
    const qint64 untilNext = d.clock.now().msecsTo(scheduler.nextPassAt());
    QVERIFY2(untilNext > 9 * 60 * 1000 && untilNext <= 10.5 * 60 * 1000, qPrintable(QString::number(untilNext)));
    // On the injected clock: moving it moves the answer, as the admin window's countdown expects.
    d.clock.advance(1h);
    QVERIFY(scheduler.nextPassAt() > d.clock.now());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    scheduler.stop();
    QVERIFY(!scheduler.nextPassAt().isValid());
}

void tst_CleanupScheduler::runNowJoinsRunningPass()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10);
    d.clock.advance(25h);
    GatedClock gate(d.clock);
    CleanupScheduler scheduler(*d.store, d.locks, gate, withInterval(0ms));
    QSignalSpy started(&scheduler, &CleanupScheduler::passStarted);
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    // Declared after the scheduler, so destroyed first: a failed check returns early, and the
    // scheduler's destructor must not wait on a pass the gate still holds.
    const auto openOnExit = qScopeGuard([&gate] { gate.open(); });

    scheduler.start();
    QTRY_VERIFY_WITH_TIMEOUT(gate.isWorkerWaiting(), patience);
    scheduler.runNow();
    scheduler.runNow();
    QCOMPARE(started.count(), 1);  // joined, not queued: a second pass would have started here
    QVERIFY(scheduler.isPassRunning());

    gate.open();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    QCoreApplication::processEvents();
    QCOMPARE(finished.count(), 1);
    QCOMPARE(started.count(), 1);
    QCOMPARE(reportAt(finished, 0).removed, 1);
    QVERIFY(!scheduler.isPassRunning());
    QVERIFY(!d.store->find(id));
}

void tst_CleanupScheduler::stopWaitsForRunningPass()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10);
    d.clock.advance(25h);
    GatedClock gate(d.clock);
    CleanupScheduler scheduler(*d.store, d.locks, gate, withInterval(1h));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    // (see runNowJoinsRunningPass)
    const auto openOnExit = qScopeGuard([&gate] { gate.open(); });
    scheduler.start();
    QTRY_VERIFY_WITH_TIMEOUT(gate.isWorkerWaiting(), patience);

    openGateDuring(gate, [&] { scheduler.stop(); });  // must not return before the pass ends

    QVERIFY(!scheduler.isPassRunning());
    QCOMPARE(finished.count(), 1);  // reported by stop() itself
    QVERIFY(scheduler.lastReport());
    QCOMPARE(scheduler.lastReport()->removed, 1);
    QVERIFY(!isPresent(d.store->dataPath(id)));
    QVERIFY(!scheduler.nextPassAt().isValid());
    QCoreApplication::processEvents();  // the worker's own finished signal arrives late...
    QCOMPARE(finished.count(), 1);      // ...and is not a second report

    scheduler.runNow();  // a stopped scheduler still takes manual passes
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, patience);
}

void tst_CleanupScheduler::destructionDuringPassWaits()
{
    UploadDir d;
    QVERIFY(d.open());
    QStringList ids;
    for (int i = 0; i < 20; ++i)
        ids << d.createUpload(10, "12");
    d.clock.advance(25h);
    GatedClock gate(d.clock);
    auto scheduler = std::make_unique<CleanupScheduler>(*d.store, d.locks, gate, withInterval(1h));
    // (see runNowJoinsRunningPass)
    const auto openOnExit = qScopeGuard([&gate] { gate.open(); });
    scheduler->start();
    QTRY_VERIFY_WITH_TIMEOUT(gate.isWorkerWaiting(), patience);

    openGateDuring(gate, [&] { scheduler.reset(); });  // interrupts the pass and waits for it

    QCOMPARE(d.locks.count(), 0);
    for (const QString &id : std::as_const(ids))
        QVERIFY(d.isWholeOrGone(id));
}

void tst_CleanupScheduler::errorsNeverStopTheScheduler()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10);
    d.clock.advance(25h);
    // Fails even as root: unlink() of a directory is EISDIR.
    const QString data = d.store->dataPath(id);  // no byte yet, so no data file: a directory takes its name
    QVERIFY(QDir().mkpath(data + QStringLiteral("/inside")));

    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(50ms));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    scheduler.start();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 2, patience);
    for (int i = 0; i < 2; ++i) {
        QCOMPARE(reportAt(finished, i).errors, 1);
        QVERIFY(reportAt(finished, i).errorMessages.value(0).contains(id));
    }
    QVERIFY(scheduler.nextPassAt().isValid());

    QVERIFY(QDir(data).removeRecursively());
    QTRY_VERIFY_WITH_TIMEOUT(!d.store->find(id), patience);  // a later pass succeeds once the cause is gone...
    auto cleanRemoval = [&finished] {
        for (int i = 0; i < finished.count(); ++i) {
            if (reportAt(finished, i).removed == 1)
                return reportAt(finished, i).errors == 0;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(cleanRemoval(), patience);  // ...and says so (its report may still be on its way)
}

void tst_CleanupScheduler::removalsReachTheEventLoopThreadQueued()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString id = d.createUpload(10);
    d.clock.advance(25h);
    // The admin window's model connects like this; the worker emits uploadRemoved.
    QObject receiver;
    QList<QThread *> threads;
    QStringList removed;
    connect(d.store.get(), &FileUploadStore::uploadRemoved, &receiver, [&](const QString &removedId) {
        threads << QThread::currentThread();
        removed << removedId;
    });
    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(0ms));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    scheduler.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    QTRY_COMPARE_WITH_TIMEOUT(removed, QStringList{id}, patience);
    QCOMPARE(threads, QList<QThread *>{QThread::currentThread()});
}

void tst_CleanupScheduler::startPassAfterRestartRemovesWhatExpiredWhileDown()
{
    UploadDir d;
    QVERIFY(d.open());
    const QString incomplete = d.createUpload(10, "123");
    const QString complete = d.createUpload(3, "abc");
    {
        CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(10min));
        QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
        scheduler.start();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
        QCOMPARE(reportAt(finished, 0).removed, 0);
        scheduler.stop();
    }
    d.store.reset();       // the server is down...
    d.clock.advance(25h);  // ...while the incomplete upload expires

    QVERIFY(d.open());
    QCOMPARE(d.store->count(), 2);
    CleanupScheduler scheduler(*d.store, d.locks, d.clock, withInterval(10min));
    QSignalSpy finished(&scheduler, &CleanupScheduler::passFinished);
    scheduler.start();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, patience);
    QCOMPARE(reportAt(finished, 0).removed, 1);
    QVERIFY(!d.store->find(incomplete));
    QVERIFY(!isPresent(d.store->dataPath(incomplete)));
    QVERIFY(d.store->find(complete));
    QCOMPARE(readFile(d.store->dataPath(complete)), QByteArray("abc"));
}

QTEST_GUILESS_MAIN(tst_CleanupScheduler)
#include "tst_cleanupscheduler.moc"

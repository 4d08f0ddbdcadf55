// SessionTableModel following a real FileUploadStore in a QTemporaryDir through a
// LocalSessionSource, with a manual clock: the model contract (QAbstractItemModelTester),
// rows following the store's signals (create, progress, complete, remove, also from another
// thread), progress coalesced into few dataChanged ranges, a reset of the source re-read
// whole; and how long 10,000 sessions take to load (printed, never
// asserted). What the rows say (states, texts, sorting, filters) is in
// tst_sessiontablemodelstates.
#include "sessionfilterproxy.h"
#include "sessionmodelfixture.h"
#include "sessiontablemodel.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>

using namespace qtus;
using namespace std::chrono_literals;

using Filter = SessionFilterProxy::StateFilter;

class tst_SessionTableModel : public QObject, public SessionModelFixture
{
    Q_OBJECT
private slots:
    void init() { setUp(); }
    void cleanup() { tearDown(); }

    void modelContract();
    void loadsExistingSessions();
    void followsCreate();
    void followsProgressAndCompletion();
    void followsRemoval();
    void followsSignalsFromAWorkerThread();
    void progressIsCoalesced();
    void simultaneousProgressIsOneRange();
    void rereadsEverythingOnAReset();
    void loadTenThousandSessions();
};

void tst_SessionTableModel::modelContract()
{
    const QString kept = createUpload(QStringLiteral("kept.bin"), 100);
    auto model = makeModel();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());
    proxy.sort(SessionTableModel::ProgressColumn);
    QAbstractItemModelTester modelTester(model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);

    const QString a = createUpload(QStringLiteral("a.bin"), 100);
    const QString b = createUpload(QStringLiteral("b.bin"), 100);
    const QString c = createUpload({}, 0, true);
    QTRY_COMPARE(model->rowCount(), 4);
    write(a, 40);
    write(b, 100);
    write(c, 10);
    terminate(kept);
    QTRY_COMPARE(model->rowCount(), 3);
    proxy.setStateFilter(Filter::Active);
    QCOMPARE(proxy.rowCount(), 2);
    m_clock->advance(25h);
    model->refreshStates();
    QCOMPARE(proxy.rowCount(), 0);
    proxy.setStateFilter(Filter::Expired);
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setSearchText(QStringLiteral("a.b"));
    QCOMPARE(proxy.rowCount(), 1);
    terminate(a);
    terminate(b);
    QTRY_COMPARE(model->rowCount(), 1);
}

void tst_SessionTableModel::loadsExistingSessions()
{
    const QString first = createUpload(QStringLiteral("first.bin"), 10);
    m_clock->advance(1min);
    const QString second = createUpload(QStringLiteral("second.bin"), 10);
    write(second, 10);

    auto model = makeModel();
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->columnCount(), int(SessionTableModel::ColumnCount));
    // Oldest first, so an unsorted view reads like a log.
    QCOMPARE(columnValues(*model, 0, SessionTableModel::IdRole), QStringList({first, second}));
    QCOMPARE(columnValues(*model, SessionTableModel::FileNameColumn), QStringList({"first.bin", "second.bin"}));
    QCOMPARE(model->stateCount(SessionState::Active), 1);
    QCOMPARE(model->stateCount(SessionState::Completed), 1);
    QCOMPARE(model->rowOf(second), 1);
    QCOMPARE(model->sessionAt(1)->offset, 10);
}

void tst_SessionTableModel::followsCreate()
{
    auto model = makeModel();
    QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy counts(model.get(), &SessionTableModel::stateCountsChanged);
    const QString id = createUpload(QStringLiteral("movie.mkv"), 4096);

    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(counts.count(), 1);
    const QModelIndex idIndex = model->index(0, SessionTableModel::IdColumn);
    QCOMPARE(idIndex.data().toString(), id.left(8));
    QCOMPARE(idIndex.data(Qt::ToolTipRole).toString(), id);
    QCOMPARE(model->index(0, SessionTableModel::FileNameColumn).data().toString(), QStringLiteral("movie.mkv"));
    QCOMPARE(model->index(0, SessionTableModel::StateColumn).data().toString(), QStringLiteral("Active"));
    QCOMPARE(model->stateCount(SessionState::Active), 1);
}

void tst_SessionTableModel::followsProgressAndCompletion()
{
    const QString id = createUpload(QStringLiteral("disk.img"), 1000);
    auto model = makeModel();
    const QModelIndex progress = model->index(0, SessionTableModel::ProgressColumn);
    const QModelIndex received = model->index(0, SessionTableModel::ReceivedColumn);
    const QModelIndex state = model->index(0, SessionTableModel::StateColumn);

    m_clock->advance(5min);
    write(id, 250);
    QTRY_COMPARE(received.data(SessionTableModel::SortRole).toLongLong(), 250);
    QCOMPARE(progress.data().toString(), QStringLiteral("25%"));
    QCOMPARE(progress.data(SessionTableModel::ProgressRole).toDouble(), 0.25);
    QCOMPARE(model->index(0, SessionTableModel::LastActivityColumn).data(SessionTableModel::SortRole).toLongLong(),
             m_clock->now().toMSecsSinceEpoch());

    QSignalSpy counts(model.get(), &SessionTableModel::stateCountsChanged);
    write(id, 750);
    QTRY_COMPARE(state.data().toString(), QStringLiteral("Completed"));
    QCOMPARE(progress.data().toString(), QStringLiteral("100%"));
    QCOMPARE(model->index(0, SessionTableModel::ExpiryColumn).data().toString(), QString());
    QCOMPARE(counts.count(), 1);
    QCOMPARE(model->stateCount(SessionState::Completed), 1);
    QCOMPARE(model->stateCount(SessionState::Active), 0);
}

void tst_SessionTableModel::followsRemoval()
{
    const QString a = createUpload(QStringLiteral("a"), 10);
    m_clock->advance(1s);
    const QString b = createUpload(QStringLiteral("b"), 10);
    m_clock->advance(1s);
    const QString c = createUpload(QStringLiteral("c"), 10);
    auto model = makeModel();
    QSignalSpy removed(model.get(), &QAbstractItemModel::rowsRemoved);

    terminate(b);
    QTRY_COMPARE(model->rowCount(), 2);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 1);
    QCOMPARE(columnValues(*model, 0, SessionTableModel::IdRole), QStringList({a, c}));
    QCOMPARE(model->rowOf(b), -1);
    QCOMPARE(model->rowOf(c), 1);
    QCOMPARE(model->stateCount(SessionState::Active), 2);
}

void tst_SessionTableModel::followsSignalsFromAWorkerThread()
{
    // The cleanup pass removes uploads on a worker thread; the store then signals from it.
    const QString doomed = createUpload(QStringLiteral("doomed"), 10);
    auto model = makeModel();
    QString created;
    std::unique_ptr<QThread> worker(QThread::create([&] {
        created = createUpload(QStringLiteral("from-worker"), 10);
        UploadLock lock = m_locks.tryLock(doomed);
        m_store->remove(doomed);
    }));
    worker->start();
    QVERIFY(worker->wait(10000));

    QTRY_COMPARE(columnValues(*model, SessionTableModel::FileNameColumn), QStringList({"from-worker"}));
    QCOMPARE(model->rowOf(created), 0);
}

void tst_SessionTableModel::progressIsCoalesced()
{
    const QString id = createUpload(QStringLiteral("stream.bin"), 100000);
    auto model = makeModel();
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);

    // 200 commits without returning to the event loop, as a fast upload produces them.
    for (int i = 0; i < 200; ++i)
        write(id, 100);
    QCOMPARE(changed.count(), 0);
    QTRY_COMPARE(model->index(0, SessionTableModel::ReceivedColumn).data(SessionTableModel::SortRole).toLongLong(),
                 20000);
    QCOMPARE(changed.count(), 1);
}

void tst_SessionTableModel::simultaneousProgressIsOneRange()
{
    QStringList ids;
    for (int i = 0; i < 50; ++i)
        ids << createUpload(QStringLiteral("part-%1").arg(i), 1000);
    auto model = makeModel();
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);

    for (const QString &id : std::as_const(ids))
        write(id, 10);
    QTRY_COMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
    QCOMPARE(changed.at(0).at(1).toModelIndex().row(), 49);
    QCOMPARE(columnValues(*model, SessionTableModel::ReceivedColumn, SessionTableModel::SortRole),
             QStringList(50, QStringLiteral("10")));
}

void tst_SessionTableModel::rereadsEverythingOnAReset()
{
    // A remote source that reconnects cannot tell what changed while it was away: it resets,
    // and the model shows the source as it is now, whatever it was told before.
    const QString kept = createUpload(QStringLiteral("kept.bin"), 100);
    const QString gone = createUpload(QStringLiteral("gone.bin"), 100);
    auto model = makeModel();
    QSignalSpy reset(model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy counts(model.get(), &SessionTableModel::stateCountsChanged);
    m_clock->advance(1s);  // rows come oldest first
    const QString pending = createUpload(QStringLiteral("pending.bin"), 10);  // told, not flushed yet
    {
        const QSignalBlocker unheard(m_store.get());  // changes the model is never told about
        terminate(gone);
        write(kept, 100);
        m_clock->advance(1s);
        createUpload(QStringLiteral("unheard.bin"), 10);
    }
    QCOMPARE(model->rowCount(), 2);

    emit m_source->sessionsReset();
    QCOMPARE(reset.count(), 1);
    QCOMPARE(columnValues(*model, SessionTableModel::FileNameColumn),
             QStringList({"kept.bin", "pending.bin", "unheard.bin"}));
    QCOMPARE(model->rowOf(gone), -1);
    QCOMPARE(model->index(model->rowOf(kept), SessionTableModel::StateColumn).data().toString(),
             QStringLiteral("Completed"));
    QCOMPARE(model->stateCount(SessionState::Active), 2);
    QCOMPARE(model->stateCount(SessionState::Completed), 1);
    QCOMPARE(counts.count(), 1);

    // The change told before the reset is in the snapshot: nothing is left to fold in.
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(model.get(), &QAbstractItemModel::rowsInserted);
    model->flushPendingChanges();
    QCOMPARE(changed.count(), 0);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model->rowOf(pending), 1);
}

void tst_SessionTableModel::loadTenThousandSessions()
{
    // A benchmark, not a timed assertion: the numbers are printed for the record.
    constexpr int sessions = 10000;
    QElapsedTimer timer;

    // Arriving live: created through the store while a sorted view is attached. The creates
    // run without returning to the event loop, so one flush folds all of them in.
    auto live = makeModel();
    SessionFilterProxy liveProxy;
    liveProxy.setSourceModel(live.get());
    liveProxy.sort(SessionTableModel::CreatedColumn, Qt::DescendingOrder);
    timer.start();
    for (int i = 0; i < sessions; ++i)
        createUpload(QStringLiteral("upload-%1.bin").arg(i, 5, 10, QLatin1Char('0')), 1000 + i);
    const qint64 createMs = timer.restart();
    live->flushPendingChanges();
    const qint64 flushMs = timer.restart();
    QCOMPARE(liveProxy.rowCount(), sessions);

    // Loaded at startup: the store's snapshot, then sorted by the view's proxy.
    auto model = makeModel();
    const qint64 loadMs = timer.restart();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());
    proxy.sort(SessionTableModel::CreatedColumn, Qt::DescendingOrder);
    const qint64 sortMs = timer.restart();
    QCOMPARE(model->rowCount(), sessions);
    QCOMPARE(proxy.count(Filter::Active), sessions);

    m_clock->advance(25h);
    timer.restart();
    model->refreshStates();
    const qint64 refreshMs = timer.restart();
    QCOMPARE(proxy.count(Filter::Expired), sessions);

    qInfo("10,000 sessions: store.create x10000 %lld ms; folded into a live sorted model in %lld ms; "
          "initial load %lld ms + proxy sort %lld ms; one state refresh (all turn Expired) %lld ms",
          createMs, flushMs, loadMs, sortMs, refreshMs);
}

QTEST_MAIN(tst_SessionTableModel)
#include "tst_sessiontablemodel.moc"

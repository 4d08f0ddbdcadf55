// SessionTableModel and SessionFilterProxy over a real FileUploadStore in a QTemporaryDir,
// with a manual clock: the model contract (QAbstractItemModelTester), rows following the
// store's signals (create, progress, complete, remove, also from another thread), progress
// coalesced into few dataChanged ranges, expiry with no request arriving, texts and raw
// sort values per column, state filters, search and counts; and how long 10,000 sessions
// take to load (printed, never asserted).
#include "fileuploadstore.h"
#include "sessionfilterproxy.h"
#include "sessiontablemodel.h"
#include "uploadlocks.h"
#include "uploadmetadata.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

using namespace qtus;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(qtus::SessionTableModel::Column)
Q_DECLARE_METATYPE(qtus::SessionFilterProxy::StateFilter)

using Filter = SessionFilterProxy::StateFilter;

class tst_SessionTableModel : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void modelContract();
    void loadsExistingSessions();
    void followsCreate();
    void followsProgressAndCompletion();
    void followsRemoval();
    void followsSignalsFromAWorkerThread();
    void progressIsCoalesced();
    void simultaneousProgressIsOneRange();
    void expiresWithNoRequestArriving();
    void displayTexts_data();
    void displayTexts();
    void everyColumnSortsByRawValue_data();
    void everyColumnSortsByRawValue();
    void filtersAndCounts_data();
    void filtersAndCounts();
    void countsFollowTheStore();
    void loadTenThousandSessions();

private:
    QString createUpload(const QString &fileName, qint64 size, bool deferred = false);
    void write(const QString &id, qint64 bytes);
    void terminate(const QString &id);
    std::unique_ptr<SessionTableModel> makeModel();
    static QStringList columnValues(const QAbstractItemModel &model, int column, int role = Qt::DisplayRole);

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<FileUploadStore> m_store;
    UploadLocks m_locks;
};

void tst_SessionTableModel::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_clock = std::make_unique<ManualClock>();
    m_store = std::make_unique<FileUploadStore>(m_tmp->path(), FsyncPolicy::Never, 24h, *m_clock);
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
}

void tst_SessionTableModel::cleanup()
{
    m_store.reset();
    m_tmp.reset();
}

QString tst_SessionTableModel::createUpload(const QString &fileName, qint64 size, bool deferred)
{
    UploadInfo info;
    info.size = deferred ? 0 : size;
    info.sizeIsDeferred = deferred;
    if (!fileName.isEmpty())
        info.metadataHeader = UploadMetadata::fromEntries({{"filename", fileName.toUtf8()}}).toHeader();
    if (m_store->create(info) != StoreStatus::Ok)
        qFatal("cannot create an upload in %s", qPrintable(m_tmp->path()));
    return info.id;
}

void tst_SessionTableModel::write(const QString &id, qint64 bytes)
{
    UploadWriter writer;
    QCOMPARE(m_store->openWriter(m_locks.tryLock(id), 0, &writer), StoreStatus::Ok);
    const QByteArray chunk(int(bytes), 'x');
    QCOMPARE(writer.append(chunk.constData(), chunk.size()), StoreStatus::Ok);
    QCOMPARE(m_store->commit(writer), StoreStatus::Ok);
}

void tst_SessionTableModel::terminate(const QString &id)
{
    UploadLock lock = m_locks.tryLock(id);
    QVERIFY(lock.isHeld());
    QCOMPARE(m_store->remove(id), StoreStatus::Ok);
}

std::unique_ptr<SessionTableModel> tst_SessionTableModel::makeModel()
{
    auto model = std::make_unique<SessionTableModel>(*m_store, *m_clock);
    model->setFlushInterval(10ms);
    model->setRefreshInterval(1h);  // tests call refreshStates() or shorten it themselves
    return model;
}

QStringList tst_SessionTableModel::columnValues(const QAbstractItemModel &model, int column, int role)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values << model.index(row, column).data(role).toString();
    return values;
}

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

void tst_SessionTableModel::expiresWithNoRequestArriving()
{
    const QString stalled = createUpload(QStringLiteral("stalled.bin"), 100);
    m_clock->advance(2h);
    const QString fresh = createUpload(QStringLiteral("fresh.bin"), 100);
    auto model = makeModel();
    model->setRefreshInterval(10ms);
    const QModelIndex stalledState = model->index(model->rowOf(stalled), SessionTableModel::StateColumn);
    const QModelIndex stalledExpiry = model->index(model->rowOf(stalled), SessionTableModel::ExpiryColumn);
    QCOMPARE(stalledExpiry.data().toString(), QStringLiteral("in 22h"));
    QSignalSpy counts(model.get(), &SessionTableModel::stateCountsChanged);

    m_clock->advance(23h);
    QTRY_COMPARE(stalledState.data().toString(), QStringLiteral("Expired"));
    QCOMPARE(stalledExpiry.data().toString(), QStringLiteral("expired 1h ago"));
    QCOMPARE(model->index(model->rowOf(fresh), SessionTableModel::ExpiryColumn).data().toString(),
             QStringLiteral("in 1h"));
    QCOMPARE(model->stateCount(SessionState::Expired), 1);
    QCOMPARE(model->stateCount(SessionState::Active), 1);
    QCOMPARE(counts.count(), 1);
}

void tst_SessionTableModel::displayTexts_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<bool>("deferred");
    QTest::addColumn<qint64>("received");
    QTest::addColumn<SessionTableModel::Column>("column");
    QTest::addColumn<QString>("text");

    QTest::addRow("size") << qint64(2 << 20) << false << qint64(512 << 10) << SessionTableModel::SizeColumn << "2.0 MiB";
    QTest::addRow("received") << qint64(2 << 20) << false << qint64(512 << 10) << SessionTableModel::ReceivedColumn << "512.0 KiB";
    QTest::addRow("progress") << qint64(2 << 20) << false << qint64(512 << 10) << SessionTableModel::ProgressColumn << "25%";
    QTest::addRow("progress rounds down") << qint64(1000) << false << qint64(999) << SessionTableModel::ProgressColumn << "99%";
    QTest::addRow("expiry") << qint64(1000) << false << qint64(0) << SessionTableModel::ExpiryColumn << "in 1d";
    QTest::addRow("deferred size") << qint64(0) << true << qint64(300) << SessionTableModel::SizeColumn << "unknown";
    QTest::addRow("deferred progress") << qint64(0) << true << qint64(300) << SessionTableModel::ProgressColumn << "unknown";
    QTest::addRow("deferred received") << qint64(0) << true << qint64(300) << SessionTableModel::ReceivedColumn << "300 B";
    QTest::addRow("completed state") << qint64(10) << false << qint64(10) << SessionTableModel::StateColumn << "Completed";
    QTest::addRow("completed expiry") << qint64(10) << false << qint64(10) << SessionTableModel::ExpiryColumn << "";
    QTest::addRow("empty upload") << qint64(0) << false << qint64(0) << SessionTableModel::ProgressColumn << "100%";
}

void tst_SessionTableModel::displayTexts()
{
    QFETCH(qint64, size);
    QFETCH(bool, deferred);
    QFETCH(qint64, received);
    QFETCH(SessionTableModel::Column, column);
    QFETCH(QString, text);

    const QString id = createUpload(QStringLiteral("file"), size, deferred);
    if (received > 0)
        write(id, received);
    auto model = makeModel();
    QCOMPARE(model->index(0, column).data().toString(), text);
}

void tst_SessionTableModel::everyColumnSortsByRawValue_data()
{
    QTest::addColumn<SessionTableModel::Column>("column");
    QTest::addColumn<QString>("order");  // ascending

    // a: complete, 300 B; b: 100 of 1000 B; c: deferred length, 500 B received.
    QTest::addRow("file name (case-insensitive)") << SessionTableModel::FileNameColumn << "acb";
    QTest::addRow("size (deferred first)") << SessionTableModel::SizeColumn << "cab";
    QTest::addRow("progress (unknown first)") << SessionTableModel::ProgressColumn << "cba";
    QTest::addRow("received") << SessionTableModel::ReceivedColumn << "bac";
    QTest::addRow("created") << SessionTableModel::CreatedColumn << "abc";
    QTest::addRow("last activity") << SessionTableModel::LastActivityColumn << "acb";
    QTest::addRow("expiry (completed last)") << SessionTableModel::ExpiryColumn << "cba";
    QTest::addRow("state (active, then completed)") << SessionTableModel::StateColumn << "bca";
}

void tst_SessionTableModel::everyColumnSortsByRawValue()
{
    QFETCH(SessionTableModel::Column, column);
    QFETCH(QString, order);

    const QString a = createUpload(QStringLiteral("alpha.bin"), 300);
    write(a, 300);
    m_clock->advance(1h);
    const QString b = createUpload(QStringLiteral("Charlie.iso"), 1000);
    write(b, 50);
    m_clock->advance(1h);
    const QString c = createUpload(QStringLiteral("bravo.txt"), 0, true);
    write(c, 500);
    m_clock->advance(30min);
    write(b, 50);
    auto model = makeModel();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());

    proxy.sort(column, Qt::AscendingOrder);
    const QHash<QString, QChar> label = {{"alpha.bin", 'a'}, {"Charlie.iso", 'b'}, {"bravo.txt", 'c'}};
    QString actual;
    for (const QString &name : columnValues(proxy, SessionTableModel::FileNameColumn))
        actual += label.value(name);
    QCOMPARE(actual, order);

    proxy.sort(SessionTableModel::IdColumn, Qt::AscendingOrder);
    QStringList ids = {a, b, c};
    ids.sort();
    QCOMPARE(columnValues(proxy, SessionTableModel::IdColumn, Qt::ToolTipRole), ids);
}

void tst_SessionTableModel::filtersAndCounts_data()
{
    QTest::addColumn<Filter>("filter");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QStringList>("shown");
    QTest::addColumn<QList<int>>("counts");  // All, Active, Expired, Completed

    const QList<int> all = {5, 2, 1, 2};
    QTest::addRow("all") << Filter::All << "" << QStringList{"backup.tar", "photo.jpg", "report-final.pdf", "report.pdf", "video.mp4"} << all;
    QTest::addRow("active") << Filter::Active << "" << QStringList{"report.pdf", "video.mp4"} << all;
    QTest::addRow("expired") << Filter::Expired << "" << QStringList{"backup.tar"} << all;
    QTest::addRow("completed") << Filter::Completed << "" << QStringList{"photo.jpg", "report-final.pdf"} << all;
    QTest::addRow("search file name") << Filter::All << "report" << QStringList{"report-final.pdf", "report.pdf"} << QList<int>{2, 1, 0, 1};
    QTest::addRow("search ignores case") << Filter::Completed << "REPORT" << QStringList{"report-final.pdf"} << QList<int>{2, 1, 0, 1};
    QTest::addRow("search id") << Filter::All << "<photo id>" << QStringList{"photo.jpg"} << QList<int>{1, 0, 0, 1};
    QTest::addRow("search trims") << Filter::Active << "  video " << QStringList{"video.mp4"} << QList<int>{1, 1, 0, 0};
    QTest::addRow("no match") << Filter::All << "nothing" << QStringList{} << QList<int>{0, 0, 0, 0};
}

void tst_SessionTableModel::filtersAndCounts()
{
    QFETCH(Filter, filter);
    QFETCH(QString, search);
    QFETCH(QStringList, shown);
    QFETCH(QList<int>, counts);

    createUpload(QStringLiteral("backup.tar"), 100);
    m_clock->advance(25h);
    createUpload(QStringLiteral("report.pdf"), 100);
    createUpload(QStringLiteral("video.mp4"), 100);
    const QString photo = createUpload(QStringLiteral("photo.jpg"), 10);
    write(photo, 10);
    write(createUpload(QStringLiteral("report-final.pdf"), 10), 10);
    auto model = makeModel();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());
    proxy.sort(SessionTableModel::FileNameColumn);

    proxy.setStateFilter(filter);
    proxy.setSearchText(search == QLatin1String("<photo id>") ? photo.left(10) : search);
    QCOMPARE(columnValues(proxy, SessionTableModel::FileNameColumn), shown);
    const QList<int> actual = {proxy.count(Filter::All), proxy.count(Filter::Active), proxy.count(Filter::Expired),
                               proxy.count(Filter::Completed)};
    QCOMPARE(actual, counts);
}

void tst_SessionTableModel::countsFollowTheStore()
{
    auto model = makeModel();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());
    QSignalSpy countsChanged(&proxy, &SessionFilterProxy::countsChanged);

    const QString a = createUpload(QStringLiteral("a.bin"), 10);
    createUpload(QStringLiteral("b.bin"), 10);
    QTRY_COMPARE(proxy.count(Filter::Active), 2);
    QTRY_VERIFY(countsChanged.count() >= 1);
    const int signalsSoFar = countsChanged.count();

    write(a, 10);
    QTRY_COMPARE(proxy.count(Filter::Completed), 1);
    QCOMPARE(proxy.count(Filter::Active), 1);
    QTRY_COMPARE(countsChanged.count(), signalsSoFar + 1);

    proxy.setSearchText(QStringLiteral("b.b"));
    QTRY_COMPARE(countsChanged.count(), signalsSoFar + 2);
    QCOMPARE(proxy.count(Filter::All), 1);
    QCOMPARE(proxy.count(Filter::Completed), 0);
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

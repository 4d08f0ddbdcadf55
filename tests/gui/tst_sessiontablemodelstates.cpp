// What SessionTableModel's rows say, over a real FileUploadStore in a QTemporaryDir with a
// manual clock: expiry with no request arriving, texts and raw sort values per column, stale
// (greyed) rows, and SessionFilterProxy's state filters, search and counts. How the rows
// follow the store is in tst_sessiontablemodel.
#include "sessionfilterproxy.h"
#include "sessionmodelfixture.h"
#include "sessionstatestyle.h"
#include "sessiontablemodel.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace qtus;
using namespace std::chrono_literals;

Q_DECLARE_METATYPE(qtus::SessionTableModel::Column)
Q_DECLARE_METATYPE(qtus::SessionFilterProxy::StateFilter)

using Filter = SessionFilterProxy::StateFilter;

class tst_SessionTableModelStates : public QObject, public SessionModelFixture
{
    Q_OBJECT
private slots:
    void init() { setUp(); }
    void cleanup() { tearDown(); }

    void expiresWithNoRequestArriving();
    void displayTexts_data();
    void displayTexts();
    void everyColumnSortsByRawValue_data();
    void everyColumnSortsByRawValue();
    void filtersAndCounts_data();
    void filtersAndCounts();
    void countsFollowTheStore();
    void staleRowsAreGreyAndKeepTheirValues();
};

void tst_SessionTableModelStates::expiresWithNoRequestArriving()
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

void tst_SessionTableModelStates::displayTexts_data()
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

void tst_SessionTableModelStates::displayTexts()
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

void tst_SessionTableModelStates::everyColumnSortsByRawValue_data()
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

void tst_SessionTableModelStates::everyColumnSortsByRawValue()
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

void tst_SessionTableModelStates::filtersAndCounts_data()
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

void tst_SessionTableModelStates::filtersAndCounts()
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

void tst_SessionTableModelStates::countsFollowTheStore()
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

void tst_SessionTableModelStates::staleRowsAreGreyAndKeepTheirValues()
{
    createUpload(QStringLiteral("stalled.bin"), 100);
    m_clock->advance(25h);
    createUpload(QStringLiteral("fresh.bin"), 100);
    auto model = makeModel();
    SessionFilterProxy proxy;
    proxy.setSourceModel(model.get());
    const QStringList texts = columnValues(*model, SessionTableModel::StateColumn);
    QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);
    auto foreground = [&model](int row, int column) {
        return model->index(row, column).data(Qt::ForegroundRole);
    };

    model->setStale(true);
    model->setStale(true);  // no news: no second signal
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex(), model->index(0, 0));
    QCOMPARE(changed.at(0).at(1).toModelIndex(), model->index(1, SessionTableModel::ColumnCount - 1));
    // Only colours: the proxy neither re-sorts nor recounts for it.
    QCOMPARE(changed.at(0).at(2).value<QList<int>>(), QList<int>({Qt::ForegroundRole, SessionTableModel::StaleRole}));
    for (int row = 0; row < 2; ++row) {
        for (int column = 0; column < SessionTableModel::ColumnCount; ++column) {
            QCOMPARE(foreground(row, column).value<QBrush>().color(), staleTextBrush().color());
            QVERIFY(model->index(row, column).data(SessionTableModel::StaleRole).toBool());
        }
    }
    QCOMPARE(columnValues(*model, SessionTableModel::StateColumn), texts);
    QCOMPARE(proxy.count(Filter::Expired), 1);

    model->setStale(false);
    QCOMPARE(changed.count(), 2);
    QVERIFY(!foreground(1, SessionTableModel::FileNameColumn).isValid());  // fresh: plain again
    QCOMPARE(foreground(0, SessionTableModel::FileNameColumn).value<QBrush>(), mutedTextBrush());  // stalled: muted
    QVERIFY(!foreground(0, SessionTableModel::StateColumn).isValid());
    QVERIFY(!model->index(0, 0).data(SessionTableModel::StaleRole).toBool());
}

QTEST_MAIN(tst_SessionTableModelStates)
#include "tst_sessiontablemodelstates.moc"

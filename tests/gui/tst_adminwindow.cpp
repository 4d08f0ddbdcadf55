// AdminWindow on the offscreen platform, reading a LocalSessionSource over the server's parts
// (store, locks, cleanup scheduler, a manual clock) in a QTemporaryDir, no sockets. Five uploads of which the clock
// makes two expired: "Clean up now" (clicked with the mouse, or F5) removes exactly those two
// rows and the window reports the pass; filters, search and counts; the status bar; terminate
// and copy-URL; rows expiring with no request; geometry remembered across windows; and, with
// a source whose connection the test switches off and on, the connection-lost banner, the
// greyed rows and the disabled server actions.
#include "adminwindow.h"
#include "cleanupscheduler.h"
#include "fileuploadstore.h"
#include "localsessionsource.h"
#include "sessionactions.h"
#include "sessionstatestyle.h"
#include "sessiontablemodel.h"
#include "togglingsessionsource.h"
#include "uploadlocks.h"
#include "uploadmetadata.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace qtus;
using namespace std::chrono_literals;

class tst_AdminWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void showsEverySession();
    void cleanUpNowRemovesExactlyTheExpiredRows();
    void cleanUpNowFromTheKeyboard();
    void filterButtonsSearchAndCounts();
    void statusBarShowsTheServer();
    void countdownToTheNextPass();
    void rowsExpireWithNoRequestArriving();
    void terminateWaitsForTheUploadsLock();
    void copyUploadUrl();
    void geometryIsRemembered();
    void connectionLostShowsTheLastRowsGreyed();

private:
    QString createUpload(const QString &fileName, qint64 size);
    void write(const QString &id, qint64 bytes);
    void makeFiveUploads();
    std::unique_ptr<AdminWindow> makeWindow();
    std::unique_ptr<AdminWindow> makeWindow(SessionSource &source);
    QStringList shownIds(AdminWindow &window) const;
    template<typename T>
    static T *child(AdminWindow &window, const QString &name);

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<UploadLocks> m_locks;
    std::unique_ptr<FileUploadStore> m_store;
    std::unique_ptr<CleanupScheduler> m_scheduler;
    std::unique_ptr<LocalSessionSource> m_source;
    QStringList m_expired;  // set by makeFiveUploads()
    QStringList m_kept;
    const QUrl m_url = QUrl(QStringLiteral("http://127.0.0.1:1080/files/"));
};

void tst_AdminWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
    QCoreApplication::setOrganizationName(QStringLiteral("qtus-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_adminwindow"));
    QSettings().clear();
}

void tst_AdminWindow::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
    m_clock = std::make_unique<ManualClock>();
    m_locks = std::make_unique<UploadLocks>();
    m_store = std::make_unique<FileUploadStore>(m_tmp->path(), FsyncPolicy::Never, 24h, *m_clock);
    QString error;
    QVERIFY2(m_store->open(&error), qPrintable(error));
    CleanupPolicy policy;
    policy.interval = 10min;
    policy.expireAfter = 24h;
    m_scheduler = std::make_unique<CleanupScheduler>(*m_store, *m_locks, *m_clock, policy);
    // Before any test connects to the scheduler: the window hears of a pass first.
    m_source = std::make_unique<LocalSessionSource>(*m_store, *m_locks, *m_scheduler, m_url);
    m_expired.clear();
    m_kept.clear();
}

void tst_AdminWindow::cleanup()
{
    m_source.reset();
    m_scheduler.reset();
    m_store.reset();
    m_locks.reset();
    m_tmp.reset();
}

QString tst_AdminWindow::createUpload(const QString &fileName, qint64 size)
{
    UploadInfo info;
    info.size = size;
    info.metadataHeader = UploadMetadata::fromEntries({{"filename", fileName.toUtf8()}}).toHeader();
    if (m_store->create(info) != StoreStatus::Ok)
        qFatal("cannot create an upload in %s", qPrintable(m_tmp->path()));
    return info.id;
}

void tst_AdminWindow::write(const QString &id, qint64 bytes)
{
    UploadWriter writer;
    QCOMPARE(m_store->openWriter(m_locks->tryLock(id), 0, &writer), StoreStatus::Ok);
    const QByteArray chunk(int(bytes), 'x');
    QCOMPARE(writer.append(chunk.constData(), chunk.size()), StoreStatus::Ok);
    QCOMPARE(m_store->commit(writer), StoreStatus::Ok);
}

// Two uploads stalled 25 hours ago (expired), two active ones and one completed upload.
void tst_AdminWindow::makeFiveUploads()
{
    m_expired << createUpload(QStringLiteral("stalled-backup.tar"), 4096);
    write(m_expired.last(), 1024);
    m_expired << createUpload(QStringLiteral("abandoned.iso"), 8192);
    m_clock->advance(25h);
    m_kept << createUpload(QStringLiteral("holiday.mp4"), 4096);
    write(m_kept.last(), 2048);
    m_kept << createUpload(QStringLiteral("report.pdf"), 4096);
    m_kept << createUpload(QStringLiteral("photo.jpg"), 512);
    write(m_kept.last(), 512);
}

std::unique_ptr<AdminWindow> tst_AdminWindow::makeWindow()
{
    return makeWindow(*m_source);
}

std::unique_ptr<AdminWindow> tst_AdminWindow::makeWindow(SessionSource &source)
{
    auto window = std::make_unique<AdminWindow>(source, *m_clock);
    window->sessionModel().setFlushInterval(10ms);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("the window was not exposed");
    return window;
}

QStringList tst_AdminWindow::shownIds(AdminWindow &window) const
{
    const QAbstractItemModel *model = child<QTableView>(window, QStringLiteral("sessionTable"))->model();
    QStringList ids;
    for (int row = 0; row < model->rowCount(); ++row)
        ids << model->index(row, 0).data(SessionTableModel::IdRole).toString();
    ids.sort();
    return ids;
}

template<typename T>
T *tst_AdminWindow::child(AdminWindow &window, const QString &name)
{
    T *found = window.findChild<T *>(name);
    if (!found)
        qFatal("no child %s", qPrintable(name));
    return found;
}

void tst_AdminWindow::showsEverySession()
{
    makeFiveUploads();
    auto window = makeWindow();
    auto *table = child<QTableView>(*window, QStringLiteral("sessionTable"));
    QCOMPARE(table->model()->rowCount(), 5);
    QCOMPARE(table->model()->columnCount(), int(SessionTableModel::ColumnCount));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter0Button"))->text(), QStringLiteral("All (5)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter1Button"))->text(), QStringLiteral("Active (2)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter2Button"))->text(), QStringLiteral("Expired (2)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter3Button"))->text(), QStringLiteral("Completed (1)"));
    QVERIFY(!child<QLabel>(*window, QStringLiteral("emptyHint"))->isVisible());

    // A new upload appears without anything else happening.
    createUpload(QStringLiteral("late.bin"), 10);
    QTRY_COMPARE(table->model()->rowCount(), 6);
    QTRY_COMPARE(child<QToolButton>(*window, QStringLiteral("filter1Button"))->text(), QStringLiteral("Active (3)"));
}

void tst_AdminWindow::cleanUpNowRemovesExactlyTheExpiredRows()
{
    makeFiveUploads();
    auto window = makeWindow();
    auto *button = child<QPushButton>(*window, QStringLiteral("cleanupButton"));
    auto *lastPass = child<QLabel>(*window, QStringLiteral("lastPassLabel"));
    QCOMPARE(shownIds(*window).size(), 5);
    QVERIFY(button->isEnabled());

    QSignalSpy started(m_scheduler.get(), &CleanupScheduler::passStarted);
    QSignalSpy finished(m_scheduler.get(), &CleanupScheduler::passFinished);
    // Connected after the window: sees the button as the window left it when the pass began.
    bool busyWhileRunning = false;
    connect(m_scheduler.get(), &CleanupScheduler::passStarted, this, [&] {
        busyWhileRunning = !button->isEnabled() && button->text() == QStringLiteral("Cleaning up…");
    });

    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(started.count(), 1);
    QVERIFY(busyWhileRunning);
    QTRY_COMPARE(finished.count(), 1);
    QTRY_COMPARE(shownIds(*window).size(), 3);
    QStringList kept = m_kept;
    kept.sort();
    QCOMPARE(shownIds(*window), kept);

    const auto report = finished.at(0).at(0).value<CleanupReport>();
    QCOMPARE(report.removed, 2);
    QVERIFY(report.bytesFreed > 1024);  // the received bytes and both .info files
    QVERIFY2(lastPass->text().contains(QStringLiteral("Removed 2 uploads, freed %1 in").arg(formatBytes(report.bytesFreed))),
             qPrintable(lastPass->text()));
    QVERIFY(button->isEnabled());
    QCOMPARE(button->text(), QStringLiteral("Clean &up now"));
    QTRY_COMPARE(child<QToolButton>(*window, QStringLiteral("filter2Button"))->text(), QStringLiteral("Expired (0)"));
}

void tst_AdminWindow::cleanUpNowFromTheKeyboard()
{
    makeFiveUploads();
    auto window = makeWindow();
    QApplication::setActiveWindow(window.get());
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    QSignalSpy finished(m_scheduler.get(), &CleanupScheduler::passFinished);

    QTest::keyClick(window.get(), Qt::Key_F5);
    QTRY_COMPARE(finished.count(), 1);
    QTRY_COMPARE(shownIds(*window).size(), 3);
}

void tst_AdminWindow::filterButtonsSearchAndCounts()
{
    makeFiveUploads();
    auto window = makeWindow();
    auto *table = child<QTableView>(*window, QStringLiteral("sessionTable"));
    auto *search = child<QLineEdit>(*window, QStringLiteral("searchField"));

    QTest::mouseClick(child<QToolButton>(*window, QStringLiteral("filter2Button")), Qt::LeftButton);
    QStringList expired = m_expired;
    expired.sort();
    QCOMPARE(shownIds(*window), expired);
    QTest::mouseClick(child<QToolButton>(*window, QStringLiteral("filter3Button")), Qt::LeftButton);
    QCOMPARE(shownIds(*window), QStringList{m_kept.last()});

    QTest::mouseClick(child<QToolButton>(*window, QStringLiteral("filter0Button")), Qt::LeftButton);
    QTest::keyClicks(search, QStringLiteral("ABAND"));
    QCOMPARE(shownIds(*window), QStringList{m_expired.last()});
    QTRY_COMPARE(child<QToolButton>(*window, QStringLiteral("filter0Button"))->text(), QStringLiteral("All (1)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter1Button"))->text(), QStringLiteral("Active (0)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter2Button"))->text(), QStringLiteral("Expired (1)"));

    // An id prefix works as well as a name; nothing matching says so over the table.
    search->setText(m_kept.first().left(12));
    QCOMPARE(shownIds(*window), QStringList{m_kept.first()});
    search->setText(QStringLiteral("no-such-upload"));
    QCOMPARE(table->model()->rowCount(), 0);
    QVERIFY(child<QLabel>(*window, QStringLiteral("emptyHint"))->isVisible());

    // Ctrl+F reaches the field from anywhere; Escape clears it and returns to the table.
    QApplication::setActiveWindow(window.get());
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    table->setFocus();
    QTest::keyClick(window.get(), Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(search->hasFocus());
    QTest::keyClick(search, Qt::Key_Escape);
    QCOMPARE(search->text(), QString());
    QCOMPARE(table->model()->rowCount(), 5);
    QTRY_VERIFY(table->hasFocus());
}

void tst_AdminWindow::statusBarShowsTheServer()
{
    makeFiveUploads();
    auto window = makeWindow();
    QVERIFY(child<QLabel>(*window, QStringLiteral("listenLabel"))->text().contains(m_url.toString()));
    const QString totals = child<QLabel>(*window, QStringLiteral("totalsLabel"))->text();
    QVERIFY2(totals.contains(QStringLiteral("2 active")) && totals.contains(QStringLiteral("2 expired"))
                 && totals.contains(QStringLiteral("1 completed")),
             qPrintable(totals));
    const QString storage = child<QLabel>(*window, QStringLiteral("storageLabel"))->text();
    QVERIFY2(storage.startsWith(QStringLiteral("3.5 KiB stored")) && storage.contains(QStringLiteral("free")),
             qPrintable(storage));
    QCOMPARE(child<QLabel>(*window, QStringLiteral("lastPassLabel"))->text(), QStringLiteral("No cleanup pass yet"));
    QCOMPARE(child<QLabel>(*window, QStringLiteral("nextPassLabel"))->text(), QStringLiteral("No pass scheduled"));
}

void tst_AdminWindow::countdownToTheNextPass()
{
    makeFiveUploads();
    QSignalSpy finished(m_scheduler.get(), &CleanupScheduler::passFinished);
    m_scheduler->start();  // a pass now, then one every 10 minutes
    QTRY_COMPARE(finished.count(), 1);
    auto window = makeWindow();
    auto *next = child<QLabel>(*window, QStringLiteral("nextPassLabel"));
    QVERIFY2(next->text().startsWith(QStringLiteral("Next in ")), qPrintable(next->text()));
    QVERIFY2(next->text().endsWith(QStringLiteral("m")) || next->text().contains(QStringLiteral("m ")),
             qPrintable(next->text()));
    // The report of a pass that ran before the window opened is shown too.
    QVERIFY2(child<QLabel>(*window, QStringLiteral("lastPassLabel"))->text().contains(QStringLiteral("Removed 2 uploads")),
             qPrintable(child<QLabel>(*window, QStringLiteral("lastPassLabel"))->text()));
    QCOMPARE(shownIds(*window).size(), 3);
}

void tst_AdminWindow::rowsExpireWithNoRequestArriving()
{
    makeFiveUploads();
    auto window = makeWindow();
    window->sessionModel().setRefreshInterval(10ms);
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter2Button"))->text(), QStringLiteral("Expired (2)"));

    m_clock->advance(24h);  // the two active uploads pass their expiry too
    QTRY_COMPARE(child<QToolButton>(*window, QStringLiteral("filter2Button"))->text(), QStringLiteral("Expired (4)"));
    QCOMPARE(child<QToolButton>(*window, QStringLiteral("filter1Button"))->text(), QStringLiteral("Active (0)"));
}

void tst_AdminWindow::terminateWaitsForTheUploadsLock()
{
    makeFiveUploads();
    auto window = makeWindow();
    const QString id = m_kept.first();
    using Result = SessionSource::TerminateResult;
    Result answer = Result::Failed;
    // The local source answers exactly once, before terminate() returns.
    auto terminate = [&](const QString &upload) {
        int answers = 0;
        window->sessionActions().terminate(upload, [&](Result result) {
            answer = result;
            ++answers;
        });
        return answers == 1;
    };
    {
        UploadLock inFlight = m_locks->tryLock(id);  // a PATCH is writing it
        QVERIFY(terminate(id));
        QCOMPARE(answer, Result::InFlight);
        QVERIFY(m_store->find(id));
    }
    QVERIFY(terminate(id));
    QCOMPARE(answer, Result::Removed);
    QTRY_COMPARE(shownIds(*window).size(), 4);
    QVERIFY(!shownIds(*window).contains(id));
    QVERIFY(terminate(id));
    QCOMPARE(answer, Result::Gone);
}

void tst_AdminWindow::copyUploadUrl()
{
    makeFiveUploads();
    auto window = makeWindow();
    auto *table = child<QTableView>(*window, QStringLiteral("sessionTable"));
    auto *copy = child<QAction>(*window, QStringLiteral("copyUrlAction"));
    QVERIFY(!copy->isEnabled());  // nothing selected

    table->selectRow(0);
    QVERIFY(copy->isEnabled());
    const QString id = table->model()->index(0, 0).data(SessionTableModel::IdRole).toString();
    copy->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("http://127.0.0.1:1080/files/") + id);
    QCOMPARE(window->sessionActions().uploadUrlFor(id).toString(), QStringLiteral("http://127.0.0.1:1080/files/") + id);
}

void tst_AdminWindow::geometryIsRemembered()
{
    {
        auto window = makeWindow();
        window->resize(900, 520);
        QTRY_COMPARE(window->size(), QSize(900, 520));
        window->close();
    }
    auto window = makeWindow();
    QCOMPARE(window->size(), QSize(900, 520));
}

void tst_AdminWindow::connectionLostShowsTheLastRowsGreyed()
{
    makeFiveUploads();
    TogglingSessionSource source(*m_source);
    auto window = makeWindow(source);
    auto *banner = child<QLabel>(*window, QStringLiteral("connectionBanner"));
    auto *button = child<QPushButton>(*window, QStringLiteral("cleanupButton"));
    auto *cleanupAction = child<QAction>(*window, QStringLiteral("cleanupAction"));
    auto *terminate = child<QAction>(*window, QStringLiteral("terminateAction"));
    auto *table = child<QTableView>(*window, QStringLiteral("sessionTable"));
    table->selectRow(0);
    const QAbstractItemModel &model = *table->model();
    // Cells with the stale grey, and cells with no colour of their own.
    auto countCells = [&model](bool grey) {
        int count = 0;
        for (int row = 0; row < model.rowCount(); ++row) {
            for (int column = 0; column < model.columnCount(); ++column) {
                const QVariant foreground = model.index(row, column).data(Qt::ForegroundRole);
                count += grey ? foreground.value<QBrush>().color() == staleTextBrush().color() : !foreground.isValid();
            }
        }
        return count;
    };
    // Expired rows are muted but for their state: 3 active or completed rows and 2 states.
    const int plainWhenConnected = 3 * SessionTableModel::ColumnCount + 2;
    QVERIFY(!banner->isVisible());
    QCOMPARE(countCells(false), plainWhenConnected);
    QVERIFY(button->isEnabled());
    QVERIFY(terminate->isEnabled());

    source.setConnected(false, QStringLiteral("Connection refused"));
    QVERIFY(banner->isVisible());
    QVERIFY2(banner->text().startsWith(QStringLiteral("Connection to %1 lost — reconnecting…").arg(m_url.toString())),
             qPrintable(banner->text()));
    QVERIFY2(banner->text().contains(QStringLiteral("Connection refused")), qPrintable(banner->text()));
    QCOMPARE(shownIds(*window).size(), 5);  // the last known rows stay...
    QCOMPARE(countCells(true), 5 * int(SessionTableModel::ColumnCount));  // ...every cell of them grey
    QVERIFY(window->sessionModel().isStale());
    QVERIFY(!button->isEnabled());
    QVERIFY(!cleanupAction->isEnabled());
    QVERIFY(!terminate->isEnabled());
    QVERIFY(child<QAction>(*window, QStringLiteral("copyUrlAction"))->isEnabled());  // needs no server

    source.setProblem(QStringLiteral("Operation timed out"));
    QVERIFY2(banner->text().contains(QStringLiteral("Operation timed out")), qPrintable(banner->text()));
    QVERIFY(banner->isVisible());

    source.setConnected(true);
    QVERIFY(!banner->isVisible());
    QCOMPARE(countCells(false), plainWhenConnected);
    QVERIFY(!window->sessionModel().isStale());
    QVERIFY(button->isEnabled());
    QVERIFY(cleanupAction->isEnabled());
    QVERIFY(terminate->isEnabled());
}

QTEST_MAIN(tst_AdminWindow)
#include "tst_adminwindow.moc"

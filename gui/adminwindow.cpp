#include "adminwindow.h"

#include "adminstatusbar.h"
#include "guilogging.h"
#include "progressdelegate.h"
#include "sessionactions.h"
#include "sessionstatestyle.h"
#include "sessiontablemodel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

constexpr const char geometryKey[] = "adminWindow/geometry";
constexpr const char windowStateKey[] = "adminWindow/state";
constexpr const char headerStateKey[] = "adminWindow/tableHeader";

} // namespace

namespace qtus {

namespace {

using Filter = SessionFilterProxy::StateFilter;
constexpr Filter allFilters[] = {Filter::All, Filter::Active, Filter::Expired, Filter::Completed};

} // namespace

AdminWindow::AdminWindow(SessionSource &source, const Clock &clock, QWidget *parent)
    : QMainWindow(parent),
      m_source(source),
      m_uploadUrl(source.status().uploadUrl)
{
    setObjectName(QStringLiteral("AdminWindow"));
    setWindowTitle(tr("qtus admin — %1").arg(m_uploadUrl.toString()));
    if (!QApplication::windowIcon().isNull())
        setWindowIcon(QApplication::windowIcon());

    m_model = new SessionTableModel(source, clock, this);
    m_proxy = new SessionFilterProxy(this);
    m_proxy->setSourceModel(m_model);

    buildActions();
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(buildConnectionBanner());
    layout->addWidget(buildFilterBar());
    buildTable();
    layout->addWidget(m_table, 1);
    setCentralWidget(central);
    m_actions = new SessionActions(source, *m_table);
    buildMenus();

    m_statusBar = new AdminStatusBar(source, clock, *m_model, this);
    setStatusBar(m_statusBar);
    connect(m_actions, &SessionActions::message, m_statusBar, &QStatusBar::showMessage);

    // Every pass, from the button, the timer or elsewhere, is announced by these two.
    connect(&m_source, &SessionSource::passStarted, this, [this] {
        m_statusBar->showPassRunning();
        updateCleanupButton(m_source.status());
    });
    connect(&m_source, &SessionSource::passFinished, this, [this](const CleanupReport &report) {
        showReport(report);
        updateCleanupButton(m_source.status());
    });
    connect(&m_source, &SessionSource::statusChanged, this, &AdminWindow::updateFromStatus);
    connect(&m_source, &SessionSource::connectionChanged, this, &AdminWindow::updateFromStatus);
    connect(m_proxy, &SessionFilterProxy::countsChanged, this, &AdminWindow::updateFilterCounts);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &AdminWindow::updateEmptyHint);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &AdminWindow::updateEmptyHint);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &AdminWindow::updateEmptyHint);
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &AdminWindow::updateEmptyHint);
    setTabOrder(m_cleanupButton, m_table);
    updateFromStatus();
    updateFilterCounts();
    updateEmptyHint();
    restoreSettings();
    m_table->setFocus();
}

AdminWindow::~AdminWindow() = default;

void AdminWindow::buildActions()
{
    m_filterGroup = new QActionGroup(this);
    m_filterGroup->setExclusive(true);
    const QString shortcutKeys[] = {QStringLiteral("Ctrl+1"), QStringLiteral("Ctrl+2"), QStringLiteral("Ctrl+3"),
                                    QStringLiteral("Ctrl+4")};
    for (const Filter filter : allFilters) {
        const int i = int(filter);
        auto *action = new QAction(this);
        action->setCheckable(true);
        action->setShortcut(QKeySequence(shortcutKeys[i]));
        action->setObjectName(QStringLiteral("filter%1").arg(i));
        if (filter != Filter::All) {
            const SessionState state = filter == Filter::Active    ? SessionState::Active
                                       : filter == Filter::Expired ? SessionState::Expired
                                                                   : SessionState::Completed;
            action->setIcon(sessionStateIcon(state));
        }
        connect(action, &QAction::triggered, this, [this, filter] { setStateFilter(filter); });
        m_filterGroup->addAction(action);
        m_filterActions[i] = action;
    }
    m_filterActions[0]->setChecked(true);

    m_findAction = new QAction(tr("&Find…"), this);
    m_findAction->setObjectName(QStringLiteral("findAction"));
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });

    m_cleanupAction = new QAction(tr("&Clean Up Now"), this);
    m_cleanupAction->setObjectName(QStringLiteral("cleanupAction"));
    m_cleanupAction->setShortcut(QKeySequence::Refresh);  // F5
    connect(m_cleanupAction, &QAction::triggered, this, [this] {
        if (m_cleanupButton->isEnabled())
            m_cleanupButton->click();
    });

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
}

void AdminWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions->openFolderAction());
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addActions(m_filterGroup->actions());
    view->addSeparator();
    view->addAction(m_findAction);

    QMenu *upload = menuBar()->addMenu(tr("&Upload"));
    upload->addAction(m_actions->copyUrlAction());
    upload->addAction(m_actions->openFolderAction());
    upload->addSeparator();
    upload->addAction(m_actions->terminateAction());

    QMenu *cleanup = menuBar()->addMenu(tr("&Cleanup"));
    cleanup->addAction(m_cleanupAction);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About qtus-admin"), this, &AdminWindow::showAbout);
}

QWidget *AdminWindow::buildConnectionBanner()
{
    // Above everything and in the colour of an alarm: greyed rows alone are easy to take
    // for a quiet server.
    m_connectionBanner = new QLabel(this);
    m_connectionBanner->setObjectName(QStringLiteral("connectionBanner"));
    m_connectionBanner->setStyleSheet(QStringLiteral(
        "QLabel#connectionBanner { background-color: #b3261e; color: white; font-weight: bold; padding: 6px 10px; }"));
    m_connectionBanner->setWordWrap(true);
    m_connectionBanner->setTextFormat(Qt::PlainText);
    m_connectionBanner->hide();
    return m_connectionBanner;
}

QWidget *AdminWindow::buildFilterBar()
{
    auto *bar = new QWidget(this);
    bar->setObjectName(QStringLiteral("filterBar"));
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->setSpacing(4);

    QWidget *previous = nullptr;
    for (QAction *action : m_filterActions) {
        auto *button = new QToolButton(bar);
        button->setObjectName(action->objectName() + QStringLiteral("Button"));
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        button->setAutoRaise(true);
        button->setFocusPolicy(Qt::StrongFocus);  // a toolbar-like row, but reachable with Tab
        layout->addWidget(button);
        if (previous)
            setTabOrder(previous, button);
        previous = button;
    }
    layout->addSpacing(12);

    m_search = new QLineEdit(bar);
    m_search->setObjectName(QStringLiteral("searchField"));
    m_search->setPlaceholderText(tr("Search id or file name (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setMinimumWidth(200);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &SessionFilterProxy::setSearchText);
    connect(m_search, &QLineEdit::textChanged, this, &AdminWindow::updateEmptyHint);
    auto *clearSearch = new QAction(m_search);
    clearSearch->setShortcut(Qt::Key_Escape);
    clearSearch->setShortcutContext(Qt::WidgetShortcut);
    connect(clearSearch, &QAction::triggered, this, [this] {
        m_search->clear();
        m_table->setFocus(Qt::ShortcutFocusReason);
    });
    m_search->addAction(clearSearch);
    layout->addWidget(m_search, 1);
    layout->addSpacing(12);

    m_cleanupButton = new QPushButton(tr("Clean &up now"), bar);
    m_cleanupButton->setObjectName(QStringLiteral("cleanupButton"));
    m_cleanupButton->setIcon(style()->standardIcon(QStyle::SP_TrashIcon));
    // Wide enough for the busy text, so the bar does not jump while a pass runs.
    m_cleanupButton->setMinimumWidth(
        m_cleanupButton->fontMetrics().horizontalAdvance(tr("Cleaning up…")) + 32);
    connect(m_cleanupButton, &QPushButton::clicked, this, [this] {
        qCInfo(lcGui) << "cleanup pass requested from the admin window";
        m_source.runCleanup();
        updateCleanupButton(m_source.status());
    });
    layout->addWidget(m_cleanupButton);

    setTabOrder(previous, m_search);
    setTabOrder(m_search, m_cleanupButton);
    return bar;
}

void AdminWindow::buildTable()
{
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("sessionTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SessionTableModel::CreatedColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 12);
    m_table->setItemDelegateForColumn(SessionTableModel::ProgressColumn, new ProgressDelegate(m_table));

    // Widths from the font, not from the contents: measuring 100k rows is not free.
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionsMovable(true);
    header->setStretchLastSection(false);
    const int digit = m_table->fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const int widths[] = {10, 30, 11, 13, 11, 11, 13, 18, 13};
    for (int column = 0; column < SessionTableModel::ColumnCount; ++column)
        header->resizeSection(column, widths[column] * digit + 16);
    header->setSectionResizeMode(SessionTableModel::FileNameColumn, QHeaderView::Stretch);

    // Shown over the empty table, so an empty window says why it is empty.
    auto *hintLayout = new QVBoxLayout(m_table->viewport());
    m_emptyHint = new QLabel(m_table->viewport());
    hintLayout->addWidget(m_emptyHint);
    m_emptyHint->setObjectName(QStringLiteral("emptyHint"));
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setEnabled(false);  // drawn in the muted text colour
    m_emptyHint->setAttribute(Qt::WA_TransparentForMouseEvents);
}

void AdminWindow::setStateFilter(Filter filter)
{
    m_filterActions[int(filter)]->setChecked(true);
    m_proxy->setStateFilter(filter);
    updateEmptyHint();
}

void AdminWindow::updateFilterCounts()
{
    const QString labels[] = {tr("&All (%1)"), tr("Ac&tive (%1)"), tr("E&xpired (%1)"), tr("C&ompleted (%1)")};
    for (const Filter filter : allFilters)
        m_filterActions[int(filter)]->setText(labels[int(filter)].arg(m_proxy->count(filter)));
}

void AdminWindow::updateFromStatus()
{
    const SessionSource::SourceStatus status = m_source.status();
    if (status.uploadUrl != m_uploadUrl) {  // a remote source learns it once connected
        m_uploadUrl = status.uploadUrl;
        setWindowTitle(tr("qtus admin — %1").arg(m_uploadUrl.toString()));
        updateEmptyHint();
    }
    // The rows stay as last known, greyed: the admin still sees what there was.
    m_model->setStale(!status.connected);
    if (!status.connected) {
        // What is lost is the connection to the admin API, which the upload URL is not.
        const QUrl lost = status.adminUrl.isEmpty() ? m_uploadUrl : status.adminUrl;
        QString text = tr("Connection to %1 lost — reconnecting…").arg(lost.toString());
        if (!status.connectionProblem.isEmpty())
            text += QLatin1Char('\n') + status.connectionProblem;
        m_connectionBanner->setText(text);
    }
    m_connectionBanner->setVisible(!status.connected);
    updateCleanupButton(status);
}

void AdminWindow::updateCleanupButton(const SessionSource::SourceStatus &status)
{
    const bool running = status.passRunning;
    const bool enabled = status.connected && !running;
    m_cleanupButton->setEnabled(enabled);
    m_cleanupButton->setText(running ? tr("Cleaning up…") : tr("Clean &up now"));
    m_cleanupButton->setToolTip(status.connected ? tr("Remove expired uploads now (F5)")
                                                 : tr("Needs the connection to the server"));
    m_cleanupAction->setEnabled(enabled);
}

void AdminWindow::updateEmptyHint()
{
    const bool empty = m_proxy->rowCount() == 0;
    m_emptyHint->setVisible(empty);
    if (!empty)
        return;
    if (!m_proxy->searchText().isEmpty())
        m_emptyHint->setText(tr("No uploads match “%1”.").arg(m_proxy->searchText()));
    else if (m_proxy->stateFilter() != Filter::All && m_model->rowCount() > 0)
        m_emptyHint->setText(tr("No uploads in this state."));
    else
        m_emptyHint->setText(tr("No uploads yet.\nClients upload to %1").arg(m_uploadUrl.toString()));
}

void AdminWindow::showReport(const CleanupReport &report)
{
    m_statusBar->showReport(report);
    qCInfo(lcGui).noquote() << "cleanup pass:" << AdminStatusBar::describeReport(report);
}

void AdminWindow::showAbout()
{
    const QString directory = m_source.status().directory;
    QString serving = tr("Serving <tt>%1</tt>").arg(m_uploadUrl.toString().toHtmlEscaped());
    if (!directory.isEmpty())
        serving += tr("<br>from <tt>%1</tt>").arg(directory.toHtmlEscaped());
    QMessageBox::about(this, tr("About qtus-admin"),
                       tr("<h3>qtus-admin %1</h3><p>A tus 1.0.0 resumable-upload server with its admin window.</p>"
                          "<p>%2</p>")
                           .arg(QStringLiteral(QTUS_VERSION), serving));
}

void AdminWindow::restoreSettings()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(QLatin1String(geometryKey)).toByteArray())) {
        QSize size(1280, 720);
        if (const QScreen *screen = this->screen())
            size = size.boundedTo(screen->availableGeometry().size());
        resize(size);
    }
    restoreState(settings.value(QLatin1String(windowStateKey)).toByteArray());
    m_table->horizontalHeader()->restoreState(settings.value(QLatin1String(headerStateKey)).toByteArray());
}

void AdminWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QLatin1String(geometryKey), saveGeometry());
    settings.setValue(QLatin1String(windowStateKey), saveState());
    settings.setValue(QLatin1String(headerStateKey), m_table->horizontalHeader()->saveState());
}

void AdminWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace qtus

#pragma once
// qtus-admin's main window: every upload session of a server in a live table, filters
// (All / Active / Expired / Completed, with counts) and a search field, a "Clean up now"
// button, and a status bar with the server's state (see AdminStatusBar). While the source
// is disconnected a banner says so, the last known rows stay, greyed, and what needs the
// server (Clean up now, Terminate) is disabled.
// It gets a SessionSource, not the server: qtus-admin passes the in-process server's
// LocalSessionSource; tests build one over a temp dir and a manual clock, with no sockets.
// Threads: the GUI thread only.
#include "sessionfilterproxy.h"
#include "sessionsource.h"

#include <QMainWindow>
#include <QUrl>

class QAction;
class QActionGroup;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QToolButton;

namespace qtus {

class AdminStatusBar;
class Clock;
class SessionActions;
class SessionTableModel;

class AdminWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminWindow)

public:
    AdminWindow(SessionSource &source, const Clock &clock, QWidget *parent = nullptr);
    ~AdminWindow() override;

    SessionTableModel &sessionModel() { return *m_model; }
    SessionFilterProxy &sessionProxy() { return *m_proxy; }
    SessionActions &sessionActions() { return *m_actions; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildMenus();
    QWidget *buildConnectionBanner();
    QWidget *buildFilterBar();
    void buildTable();
    void setStateFilter(SessionFilterProxy::StateFilter filter);
    void updateFilterCounts();
    void updateFromStatus();  // title, connection banner, stale rows, cleanup button
    void updateCleanupButton(const SessionSource::SourceStatus &status);
    void updateEmptyHint();
    void showReport(const CleanupReport &report);
    void showAbout();
    void restoreSettings();
    void saveSettings() const;

    SessionSource &m_source;
    QUrl m_uploadUrl;  // the source's, as of its last status change

    QLabel *m_connectionBanner = nullptr;

    SessionTableModel *m_model = nullptr;
    SessionFilterProxy *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_emptyHint = nullptr;
    QLineEdit *m_search = nullptr;
    QPushButton *m_cleanupButton = nullptr;
    AdminStatusBar *m_statusBar = nullptr;
    SessionActions *m_actions = nullptr;
    QActionGroup *m_filterGroup = nullptr;
    QAction *m_filterActions[4] = {};
    QAction *m_findAction = nullptr;
    QAction *m_cleanupAction = nullptr;
    QAction *m_quitAction = nullptr;
};

} // namespace qtus

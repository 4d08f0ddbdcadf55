#pragma once
// qtus-admin's main window: every upload session of the running server in a live table,
// filters (All / Active / Expired / Completed, with counts) and a search field, a
// "Clean up now" button, and a status bar with the server's state (see AdminStatusBar).
// It gets the server's parts, not the server: tests build them with a temp dir and a
// manual clock and need no sockets.
// Threads: the GUI thread only.
#include "sessionfilterproxy.h"

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
class CleanupScheduler;
class Clock;
class FileUploadStore;
class SessionActions;
class SessionTableModel;
class UploadLocks;
struct CleanupReport;

class AdminWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminWindow)

public:
    // The upload directory is the store's; locks guard terminating an upload in flight.
    // uploadUrl: the upload endpoint as clients see it (http://host:port/files/).
    AdminWindow(FileUploadStore &store, UploadLocks &locks, CleanupScheduler &scheduler, const Clock &clock,
                const QUrl &uploadUrl, QWidget *parent = nullptr);
    ~AdminWindow() override;

    SessionTableModel &sessionModel() { return *m_model; }
    SessionFilterProxy &sessionProxy() { return *m_proxy; }
    SessionActions &sessionActions() { return *m_actions; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildMenus();
    QWidget *buildFilterBar();
    void buildTable();
    void setStateFilter(SessionFilterProxy::StateFilter filter);
    void updateFilterCounts();
    void updateCleanupButton();
    void updateEmptyHint();
    void showReport(const CleanupReport &report);
    void showAbout();
    void restoreSettings();
    void saveSettings() const;

    FileUploadStore &m_store;
    CleanupScheduler &m_scheduler;
    const QUrl m_uploadUrl;

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

#pragma once
// The admin window's status bar: where the server listens, sessions per state, bytes
// stored and free on the upload directory's disk, the last cleanup pass (when, and what
// it did) and a countdown to the next one. Refreshes itself once a second.
// Threads: the GUI thread only.
#include <QStatusBar>
#include <QStorageInfo>
#include <QTimer>
#include <QUrl>

class QLabel;

namespace qtus {

class CleanupScheduler;
class Clock;
class FileUploadStore;
class SessionTableModel;
struct CleanupReport;

class AdminStatusBar final : public QStatusBar
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminStatusBar)

public:
    AdminStatusBar(FileUploadStore &store, CleanupScheduler &scheduler, const Clock &clock,
                   const SessionTableModel &model, const QUrl &uploadUrl, QWidget *parent = nullptr);

    void showPassRunning();
    void showReport(const CleanupReport &report);
    // "Removed 3 uploads, freed 412.0 MiB in 18ms", or what went wrong.
    static QString describeReport(const CleanupReport &report);

public slots:
    void refresh();  // totals, disk and countdown

private:
    QLabel *addLabel(const QString &objectName, bool permanent);
    void updateTotals();
    void updateStorage();
    void updateCountdown();

    FileUploadStore &m_store;
    CleanupScheduler &m_scheduler;
    const Clock &m_clock;
    const SessionTableModel &m_model;
    QStorageInfo m_storage;
    QTimer m_timer;
    QLabel *m_listen = nullptr;
    QLabel *m_totals = nullptr;
    QLabel *m_stored = nullptr;
    QLabel *m_lastPass = nullptr;
    QLabel *m_nextPass = nullptr;
    int m_normalCount = 0;
    int m_permanentCount = 0;
};

} // namespace qtus

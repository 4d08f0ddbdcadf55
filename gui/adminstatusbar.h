#pragma once
// The admin window's status bar: where the server listens, sessions per state, bytes
// stored and free on the upload directory's disk, the last cleanup pass (when, and what
// it did) and a countdown to the next one. Everything but the counts comes from the
// SessionSource's status(), read once a second and whenever the source says it changed.
// Threads: the GUI thread only.
#include "sessionsource.h"

#include <QDateTime>
#include <QStatusBar>
#include <QTimer>

class QLabel;

namespace qtus {

class Clock;
class SessionTableModel;

class AdminStatusBar final : public QStatusBar
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminStatusBar)

public:
    AdminStatusBar(SessionSource &source, const Clock &clock, const SessionTableModel &model,
                   QWidget *parent = nullptr);

    void showPassRunning();
    void showReport(const CleanupReport &report);
    // "Removed 3 uploads, freed 412.0 MiB in 18ms", or what went wrong.
    static QString describeReport(const CleanupReport &report);

public slots:
    void refresh();  // everything but a running pass's "Cleaning up…"

private:
    using SourceStatus = SessionSource::SourceStatus;

    QLabel *addLabel(const QString &objectName, bool permanent);
    void updateListen(const SourceStatus &status);
    void updateTotals();
    void updateStorage(const SourceStatus &status);
    void updateCountdown(const SourceStatus &status);

    SessionSource &m_source;
    const Clock &m_clock;
    const SessionTableModel &m_model;
    QTimer m_timer;
    QDateTime m_reportShown;  // startedAt of the report on m_lastPass
    QLabel *m_listen = nullptr;
    QLabel *m_totals = nullptr;
    QLabel *m_stored = nullptr;
    QLabel *m_lastPass = nullptr;
    QLabel *m_nextPass = nullptr;
    int m_normalCount = 0;
    int m_permanentCount = 0;
};

} // namespace qtus

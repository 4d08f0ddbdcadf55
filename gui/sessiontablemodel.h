#pragma once
// The admin window's table: one row per upload session of a SessionSource, live.
//
// The source's signals (by the thousand while uploads stream) only mark sessions dirty; a
// timer folds them into the rows a few times per second, re-reading each dirty session
// with find(), and announces changes as row ranges. A reset of the source re-reads every
// session. A second timer re-evaluates every session against the injected Clock, so a row
// turns Expired, and its "expires in" text moves, with no request arriving. While the
// source is disconnected the window marks the rows stale: they stay, greyed.
// Threads: the GUI thread only (the source emits its signals there).
#include "clock.h"
#include "uploadinfo.h"

#include <QAbstractTableModel>
#include <QFont>
#include <QHash>
#include <QIcon>
#include <QSet>
#include <QTimer>
#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace qtus {

class SessionSource;

class SessionTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionTableModel)

public:
    enum Column { IdColumn, FileNameColumn, SizeColumn, ProgressColumn, ReceivedColumn, CreatedColumn,
                  LastActivityColumn, ExpiryColumn, StateColumn, ColumnCount };

    enum Role {
        SortRole = Qt::UserRole + 1,  // a raw value (number, msecs, lower-case text) for every column
        FilterRole,                   // "<id> <file name>", what the search field matches
        IdRole,                       // the full upload id
        StateRole,                    // int(SessionState)
        ProgressRole,                 // 0.0 .. 1.0, or -1.0 when the length is deferred
        StaleRole,                    // bool: the row is as last known (setStale)
    };

    SessionTableModel(SessionSource &source, const Clock &clock, QObject *parent = nullptr);
    ~SessionTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    std::optional<UploadInfo> sessionAt(int row) const;
    int rowOf(const QString &id) const;  // -1 when not shown (yet)
    int stateCount(SessionState state) const { return m_stateCounts[std::size_t(state)]; }

    // How often pending source changes are folded in (default 250 ms) and how often states
    // and relative times are re-evaluated against the clock (default 1 s).
    void setFlushInterval(std::chrono::milliseconds interval);
    void setRefreshInterval(std::chrono::milliseconds interval);

    // Stale: the rows are the last ones the source knew (it is disconnected); every cell is
    // drawn grey until setStale(false).
    void setStale(bool stale);
    bool isStale() const { return m_stale; }

public slots:
    // Folds every pending source change into the rows now (normally the flush timer does).
    void flushPendingChanges();
    // Re-evaluates each session's state and expiry text against the clock now.
    void refreshStates();

signals:
    // Sessions per state changed (a row appeared, disappeared or changed state).
    void stateCountsChanged();

private:
    struct Row
    {
        UploadInfo info;
        QString fileName;      // parsed from the metadata once, not on every paint
        SessionState state = SessionState::Active;
    };

    void onSessionChanged(const QString &id);
    void onSessionRemoved(const QString &id);
    void onSessionsReset();
    void loadSessions();
    void schedulePendingFlush();
    std::unique_ptr<Row> makeRow(const UploadInfo &info, const QDateTime &now) const;
    void removeRows(std::vector<int> rows);
    void rebuildIndex(int fromRow);
    void emitRowsChanged(std::vector<int> rows);
    void countRow(const Row &row, int delta);
    QVariant displayData(const Row &row, int column) const;
    QVariant sortData(const Row &row, int column) const;
    QVariant toolTipData(const Row &row, int column) const;
    QString expiryText(const Row &row) const;

    SessionSource &m_source;
    const Clock &m_clock;
    Duration m_expireAfter;   // the source's, read again on a reset
    std::vector<std::unique_ptr<Row>> m_rows;  // pointers: removing from the middle moves pointers only
    QHash<QString, int> m_rowById;
    QSet<QString> m_dirty;    // created, progressed or completed since the last flush
    QSet<QString> m_removed;  // removed since the last flush
    std::array<int, 3> m_stateCounts{};
    std::array<QIcon, 3> m_stateIcons;
    QFont m_idFont;  // ids are hex: fixed width lines them up
    QDateTime m_now;          // the clock as of the last refresh: relative texts use one instant
    bool m_stale = false;
    QTimer m_flushTimer;
    QTimer m_refreshTimer;
};

} // namespace qtus

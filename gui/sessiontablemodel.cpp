#include "sessiontablemodel.h"

#include "sessionsource.h"
#include "sessionstatestyle.h"

#include <QFontDatabase>
#include <QLocale>
#include <algorithm>
#include <limits>
#include <tuple>

namespace qtus {

namespace {

constexpr auto defaultFlushInterval = std::chrono::milliseconds(250);
constexpr auto defaultRefreshInterval = std::chrono::seconds(1);

// Active first, then what needs attention, then what is done.
int stateRank(SessionState state)
{
    switch (state) {
    case SessionState::Active: return 0;
    case SessionState::Expired: return 1;
    case SessionState::Completed: return 2;
    }
    return 3;
}

double progressOf(const UploadInfo &info)
{
    if (info.sizeIsDeferred)
        return -1.0;
    if (info.size <= 0)
        return 1.0;
    return qBound(0.0, double(info.offset) / double(info.size), 1.0);
}

// Today's times are what an admin compares at a glance; older ones need their date.
QString localTime(const QDateTime &t, const QDateTime &now)
{
    if (!t.isValid())
        return {};
    const QDateTime local = t.toLocalTime();
    return local.date() == now.toLocalTime().date() ? local.toString(QStringLiteral("HH:mm:ss"))
                                                     : local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString exactBytes(qint64 bytes)
{
    return SessionTableModel::tr("%1 bytes").arg(QLocale().toString(bytes));
}

// Groups sorted row numbers into [first, last] runs, so a change is announced per range.
template<typename F>
void forEachRun(const std::vector<int> &sortedRows, F &&f)
{
    for (std::size_t i = 0; i < sortedRows.size();) {
        std::size_t j = i;
        while (j + 1 < sortedRows.size() && sortedRows[j + 1] == sortedRows[j] + 1)
            ++j;
        f(sortedRows[i], sortedRows[j]);
        i = j + 1;
    }
}

} // namespace

SessionTableModel::SessionTableModel(SessionSource &source, const Clock &clock, QObject *parent)
    : QAbstractTableModel(parent),
      m_source(source),
      m_clock(clock),
      m_expireAfter(source.expireAfter()),
      m_now(clock.now())
{
    for (const SessionState state : {SessionState::Active, SessionState::Completed, SessionState::Expired})
        m_stateIcons[std::size_t(state)] = sessionStateIcon(state);
    m_idFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    // Subscribe before taking the snapshot: a session created in between arrives as a
    // change and is simply re-read.
    connect(&m_source, &SessionSource::sessionChanged, this, &SessionTableModel::onSessionChanged);
    connect(&m_source, &SessionSource::sessionRemoved, this, &SessionTableModel::onSessionRemoved);
    connect(&m_source, &SessionSource::sessionsReset, this, &SessionTableModel::onSessionsReset);
    loadSessions();

    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(defaultFlushInterval);
    connect(&m_flushTimer, &QTimer::timeout, this, &SessionTableModel::flushPendingChanges);
    m_refreshTimer.setInterval(defaultRefreshInterval);
    connect(&m_refreshTimer, &QTimer::timeout, this, &SessionTableModel::refreshStates);
    m_refreshTimer.start();
}

SessionTableModel::~SessionTableModel() = default;

void SessionTableModel::setFlushInterval(std::chrono::milliseconds interval) { m_flushTimer.setInterval(interval); }

void SessionTableModel::setRefreshInterval(std::chrono::milliseconds interval) { m_refreshTimer.start(interval); }

void SessionTableModel::setStale(bool stale)
{
    if (stale == m_stale)
        return;
    m_stale = stale;
    // Neither a sort nor a filter value changes: the proxy need not re-sort or recount.
    if (!m_rows.empty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1), {Qt::ForegroundRole, StaleRole});
}

int SessionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

std::optional<UploadInfo> SessionTableModel::sessionAt(int row) const
{
    if (row < 0 || row >= int(m_rows.size()))
        return std::nullopt;
    return m_rows[std::size_t(row)]->info;
}

int SessionTableModel::rowOf(const QString &id) const { return m_rowById.value(id, -1); }

// Appends a row for every session of the source, oldest first, so an unsorted view reads
// like a log.
void SessionTableModel::loadSessions()
{
    QList<UploadInfo> sessions = m_source.sessions();
    std::sort(sessions.begin(), sessions.end(), [](const UploadInfo &a, const UploadInfo &b) {
        return std::tie(a.createdAt, a.id) < std::tie(b.createdAt, b.id);
    });
    m_rows.reserve(std::size_t(sessions.size()));
    for (const UploadInfo &info : std::as_const(sessions)) {
        m_rows.push_back(makeRow(info, m_now));
        countRow(*m_rows.back(), +1);
    }
    rebuildIndex(0);
}

void SessionTableModel::onSessionsReset()
{
    // The new snapshot holds every pending change already.
    m_flushTimer.stop();
    m_dirty.clear();
    m_removed.clear();
    const std::array<int, 3> countsBefore = m_stateCounts;
    beginResetModel();
    m_rows.clear();
    m_rowById.clear();
    m_stateCounts = {};
    m_expireAfter = m_source.expireAfter();
    m_now = m_clock.now();
    loadSessions();
    endResetModel();
    if (m_stateCounts != countsBefore)
        emit stateCountsChanged();
}

void SessionTableModel::onSessionChanged(const QString &id)
{
    m_dirty.insert(id);
    schedulePendingFlush();
}

void SessionTableModel::onSessionRemoved(const QString &id)
{
    m_dirty.remove(id);
    m_removed.insert(id);
    schedulePendingFlush();
}

void SessionTableModel::schedulePendingFlush()
{
    // Started by the first change and not restarted by later ones: a steady stream of
    // progress is shown every interval, not postponed until it stops.
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void SessionTableModel::flushPendingChanges()
{
    m_flushTimer.stop();
    if (m_dirty.isEmpty() && m_removed.isEmpty())
        return;
    const QSet<QString> dirty = std::exchange(m_dirty, {});
    const QSet<QString> removed = std::exchange(m_removed, {});
    const QDateTime now = m_clock.now();
    const std::array<int, 3> countsBefore = m_stateCounts;

    std::vector<int> rowsToRemove;
    for (const QString &id : removed) {
        if (const int row = rowOf(id); row >= 0)
            rowsToRemove.push_back(row);
    }
    std::vector<int> changedRows;
    std::vector<std::unique_ptr<Row>> newRows;
    for (const QString &id : dirty) {
        const std::optional<UploadInfo> info = m_source.find(id);
        const int row = rowOf(id);
        if (!info) {  // gone already; its removal signal may still be on its way
            if (row >= 0)
                rowsToRemove.push_back(row);
            continue;
        }
        std::unique_ptr<Row> fresh = makeRow(*info, now);
        if (row < 0) {
            newRows.push_back(std::move(fresh));
            continue;
        }
        std::unique_ptr<Row> &current = m_rows[std::size_t(row)];
        countRow(*current, -1);
        countRow(*fresh, +1);
        current = std::move(fresh);
        changedRows.push_back(row);
    }

    if (!rowsToRemove.empty()) {
        // Announce changes first, while the row numbers are still right.
        const QSet<int> removing(rowsToRemove.begin(), rowsToRemove.end());
        changedRows.erase(std::remove_if(changedRows.begin(), changedRows.end(),
                                         [&removing](int r) { return removing.contains(r); }),
                          changedRows.end());
    }
    emitRowsChanged(std::move(changedRows));
    removeRows(std::move(rowsToRemove));

    if (!newRows.empty()) {
        std::sort(newRows.begin(), newRows.end(), [](const auto &a, const auto &b) {
            return std::tie(a->info.createdAt, a->info.id) < std::tie(b->info.createdAt, b->info.id);
        });
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(newRows.size()) - 1);
        for (auto &row : newRows) {
            countRow(*row, +1);
            m_rows.push_back(std::move(row));
        }
        rebuildIndex(first);
        endInsertRows();
    }
    if (m_stateCounts != countsBefore)
        emit stateCountsChanged();
}

void SessionTableModel::refreshStates()
{
    m_now = m_clock.now();
    const std::array<int, 3> countsBefore = m_stateCounts;
    std::vector<int> changedRows;
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        Row &row = *m_rows[i];
        const SessionState state = row.info.stateAt(m_now, m_expireAfter);
        if (state != row.state) {
            countRow(row, -1);
            row.state = state;
            countRow(row, +1);
            changedRows.push_back(int(i));
        }
    }
    emitRowsChanged(std::move(changedRows));
    // Only the text of the expiry column moved for the others; its sort value (the instant)
    // and the filter value did not, so the proxy need not re-sort or re-filter for it.
    if (!m_rows.empty())
        emit dataChanged(index(0, ExpiryColumn), index(int(m_rows.size()) - 1, ExpiryColumn),
                         {Qt::DisplayRole, Qt::ToolTipRole});
    if (m_stateCounts != countsBefore)
        emit stateCountsChanged();
}

std::unique_ptr<SessionTableModel::Row> SessionTableModel::makeRow(const UploadInfo &info, const QDateTime &now) const
{
    auto row = std::make_unique<Row>();
    row->info = info;
    row->fileName = info.fileName();
    row->state = info.stateAt(now, m_expireAfter);
    return row;
}

void SessionTableModel::removeRows(std::vector<int> rows)
{
    if (rows.empty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    // Remove the runs from the bottom up so the row numbers of the runs above stay valid.
    std::vector<std::pair<int, int>> runs;
    forEachRun(rows, [&runs](int first, int last) { runs.emplace_back(first, last); });
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
        beginRemoveRows({}, it->first, it->second);
        for (int r = it->first; r <= it->second; ++r) {
            countRow(*m_rows[std::size_t(r)], -1);
            m_rowById.remove(m_rows[std::size_t(r)]->info.id);
        }
        m_rows.erase(m_rows.begin() + it->first, m_rows.begin() + it->second + 1);
        endRemoveRows();
    }
    rebuildIndex(rows.front());
}

void SessionTableModel::rebuildIndex(int fromRow)
{
    for (std::size_t i = std::size_t(fromRow); i < m_rows.size(); ++i)
        m_rowById.insert(m_rows[i]->info.id, int(i));
}

void SessionTableModel::emitRowsChanged(std::vector<int> rows)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    forEachRun(rows, [this](int first, int last) {
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    });
}

void SessionTableModel::countRow(const Row &row, int delta)
{
    m_stateCounts[std::size_t(row.state)] += delta;
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = *m_rows[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case Qt::ToolTipRole:
        return toolTipData(row, column);
    case Qt::TextAlignmentRole:
        switch (column) {
        case SizeColumn:
        case ReceivedColumn:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::FontRole:
        return column == IdColumn ? QVariant(m_idFont) : QVariant();
    case Qt::DecorationRole:
        return column == StateColumn ? QVariant(m_stateIcons[std::size_t(row.state)]) : QVariant();
    case Qt::ForegroundRole:
        if (m_stale)
            return QVariant(staleTextBrush());
        // Expired sessions are waiting to be cleaned up: show them muted.
        return row.state == SessionState::Expired && column != StateColumn ? QVariant(mutedTextBrush()) : QVariant();
    case SortRole:
        return sortData(row, column);
    case FilterRole:
        return QString(row.info.id + QLatin1Char(' ') + row.fileName);
    case IdRole:
        return row.info.id;
    case StateRole:
        return int(row.state);
    case ProgressRole:
        return progressOf(row.info);
    case StaleRole:
        return m_stale;
    default:
        return {};
    }
}

QVariant SessionTableModel::displayData(const Row &row, int column) const
{
    const UploadInfo &info = row.info;
    switch (column) {
    case IdColumn:
        return info.id.left(8);
    case FileNameColumn:
        return row.fileName;
    case SizeColumn:
        return info.sizeIsDeferred ? tr("unknown") : formatBytes(info.size);
    case ProgressColumn: {
        const double progress = progressOf(info);
        // Rounded down: 99.7% is not done.
        return progress < 0 ? tr("unknown") : QStringLiteral("%1%").arg(int(progress * 100.0));
    }
    case ReceivedColumn:
        return formatBytes(info.offset);
    case CreatedColumn:
        return localTime(info.createdAt, m_now);
    case LastActivityColumn:
        return localTime(info.lastActivityAt, m_now);
    case ExpiryColumn:
        return expiryText(row);
    case StateColumn:
        return sessionStateName(row.state);
    default:
        return {};
    }
}

QString SessionTableModel::expiryText(const Row &row) const
{
    if (row.state == SessionState::Completed)
        return {};
    const qint64 ms = m_now.msecsTo(row.info.expiresAt(m_expireAfter));
    // Whole seconds, rounded away from "now": "in 1s" until it expires, then "0s ago".
    if (ms > 0)
        return tr("in %1").arg(formatDuration(Duration((ms + 999) / 1000 * 1000)));
    const qint64 ago = -ms / 1000 * 1000;
    return ago == 0 ? tr("expired just now") : tr("expired %1 ago").arg(formatDuration(Duration(ago)));
}

QVariant SessionTableModel::sortData(const Row &row, int column) const
{
    const UploadInfo &info = row.info;
    switch (column) {
    case IdColumn:
        return info.id;
    case FileNameColumn:
        return row.fileName.toLower();
    case SizeColumn:
        return info.sizeIsDeferred ? qint64(-1) : info.size;
    case ProgressColumn:
        return progressOf(info);
    case ReceivedColumn:
        return info.offset;
    case CreatedColumn:
        return info.createdAt.toMSecsSinceEpoch();
    case LastActivityColumn:
        return info.lastActivityAt.toMSecsSinceEpoch();
    case ExpiryColumn:
        // Completed sessions never expire: after every date.
        return row.state == SessionState::Completed ? std::numeric_limits<qint64>::max()
                                                    : info.expiresAt(m_expireAfter).toMSecsSinceEpoch();
    case StateColumn:
        return stateRank(row.state);
    default:
        return {};
    }
}

QVariant SessionTableModel::toolTipData(const Row &row, int column) const
{
    const UploadInfo &info = row.info;
    auto utc = [](const QDateTime &t) { return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString(); };
    switch (column) {
    case IdColumn:
        return info.id;
    case FileNameColumn:
        return row.fileName.isEmpty() ? tr("No file name in the upload's metadata") : row.fileName;
    case SizeColumn:
        return info.sizeIsDeferred ? tr("The client has not declared the length yet") : exactBytes(info.size);
    case ProgressColumn:
    case ReceivedColumn:
        return info.sizeIsDeferred ? exactBytes(info.offset)
                                   : tr("%1 of %2").arg(exactBytes(info.offset), exactBytes(info.size));
    case CreatedColumn:
        return utc(info.createdAt);
    case LastActivityColumn:
        return utc(info.lastActivityAt);
    case ExpiryColumn:
        return row.state == SessionState::Completed ? tr("Completed %1").arg(utc(info.completedAt))
                                                    : utc(info.expiresAt(m_expireAfter));
    default:
        return {};
    }
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case IdColumn: return tr("Id");
        case FileNameColumn: return tr("File name");
        case SizeColumn: return tr("Size");
        case ProgressColumn: return tr("Progress");
        case ReceivedColumn: return tr("Received");
        case CreatedColumn: return tr("Created");
        case LastActivityColumn: return tr("Last activity");
        case ExpiryColumn: return tr("Expires");
        case StateColumn: return tr("State");
        }
    }
    if (role == Qt::TextAlignmentRole)
        return QVariant((section == SizeColumn || section == ReceivedColumn ? Qt::AlignRight : Qt::AlignLeft)
                        | Qt::AlignVCenter);
    return {};
}

} // namespace qtus

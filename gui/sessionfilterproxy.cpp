#include "sessionfilterproxy.h"

#include "sessiontablemodel.h"

#include <QTimer>

namespace qtus {

namespace {

SessionFilterProxy::StateFilter filterFor(SessionState state)
{
    switch (state) {
    case SessionState::Active: return SessionFilterProxy::StateFilter::Active;
    case SessionState::Expired: return SessionFilterProxy::StateFilter::Expired;
    case SessionState::Completed: return SessionFilterProxy::StateFilter::Completed;
    }
    return SessionFilterProxy::StateFilter::All;
}

} // namespace

SessionFilterProxy::SessionFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SessionTableModel::SortRole);
    // The relative "expires in" texts are refreshed every second with Display/ToolTip
    // roles only; naming the roles the filter reads lets those updates skip re-filtering.
    setFilterRole(SessionTableModel::FilterRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
    setDynamicSortFilter(true);
}

void SessionFilterProxy::setSourceModel(QAbstractItemModel *source)
{
    if (sourceModel())
        disconnect(sourceModel(), nullptr, this, nullptr);
    QSortFilterProxyModel::setSourceModel(source);
    if (source) {
        connect(source, &QAbstractItemModel::rowsInserted, this, &SessionFilterProxy::invalidateCounts);
        connect(source, &QAbstractItemModel::rowsRemoved, this, &SessionFilterProxy::invalidateCounts);
        connect(source, &QAbstractItemModel::modelReset, this, &SessionFilterProxy::invalidateCounts);
        connect(source, &QAbstractItemModel::layoutChanged, this, &SessionFilterProxy::invalidateCounts);
        connect(source, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &, const QModelIndex &, const QList<int> &roles) {
                    if (roles.isEmpty() || roles.contains(SessionTableModel::StateRole)
                        || roles.contains(SessionTableModel::FilterRole))
                        invalidateCounts();
                });
    }
    invalidateCounts();
}

void SessionFilterProxy::setStateFilter(StateFilter filter)
{
    if (filter == m_stateFilter)
        return;
    m_stateFilter = filter;
    invalidateRowsFilter();
}

void SessionFilterProxy::setSearchText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_searchText)
        return;
    m_searchText = trimmed;
    invalidateRowsFilter();
    invalidateCounts();
}

bool SessionFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    if (m_stateFilter != StateFilter::All) {
        const QModelIndex index = sourceModel()->index(sourceRow, 0);
        const auto state = SessionState(index.data(SessionTableModel::StateRole).toInt());
        if (filterFor(state) != m_stateFilter)
            return false;
    }
    return matchesSearch(sourceRow);
}

bool SessionFilterProxy::matchesSearch(int sourceRow) const
{
    if (m_searchText.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0);
    return index.data(SessionTableModel::FilterRole).toString().contains(m_searchText, Qt::CaseInsensitive);
}

int SessionFilterProxy::count(StateFilter filter) const
{
    if (!m_countsValid)
        recount();
    return m_counts[std::size_t(filter)];
}

void SessionFilterProxy::invalidateCounts()
{
    m_countsValid = false;
    // Many source changes arrive together (a flush, a cleanup pass): tell once.
    if (m_countsSignalQueued)
        return;
    m_countsSignalQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_countsSignalQueued = false;
        if (!m_countsValid)
            recount();
        if (m_counts != m_announcedCounts) {
            m_announcedCounts = m_counts;
            emit countsChanged();
        }
    });
}

void SessionFilterProxy::recount() const
{
    m_counts = {};
    m_countsValid = true;
    const QAbstractItemModel *source = sourceModel();
    if (!source)
        return;
    // Without a search the table model keeps the numbers already.
    if (const auto *table = qobject_cast<const SessionTableModel *>(source); table && m_searchText.isEmpty()) {
        for (const SessionState state : {SessionState::Active, SessionState::Expired, SessionState::Completed}) {
            m_counts[std::size_t(filterFor(state))] = table->stateCount(state);
            m_counts[std::size_t(StateFilter::All)] += table->stateCount(state);
        }
        return;
    }
    const int rows = source->rowCount();
    for (int row = 0; row < rows; ++row) {
        if (!matchesSearch(row))
            continue;
        const auto state = SessionState(source->index(row, 0).data(SessionTableModel::StateRole).toInt());
        ++m_counts[std::size_t(filterFor(state))];
        ++m_counts[std::size_t(StateFilter::All)];
    }
}

} // namespace qtus

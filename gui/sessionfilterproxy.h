#pragma once
// Sorts and filters the session table for the admin window: a state filter (the All /
// Active / Expired / Completed buttons), a search string matched against the upload id
// and the file name, and how many sessions each button would show (the counts on the
// buttons follow the search, so "Expired (2)" means two expired sessions match it).
// Threads: the GUI thread only.
#include "uploadinfo.h"

#include <QSortFilterProxyModel>
#include <array>

namespace qtus {

class SessionFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionFilterProxy)

public:
    enum class StateFilter { All, Active, Expired, Completed };

    explicit SessionFilterProxy(QObject *parent = nullptr);

    // The source must provide SessionTableModel's roles.
    void setSourceModel(QAbstractItemModel *source) override;

    StateFilter stateFilter() const { return m_stateFilter; }
    QString searchText() const { return m_searchText; }
    // Sessions matching the search text that the given filter would show.
    int count(StateFilter filter) const;

public slots:
    void setStateFilter(qtus::SessionFilterProxy::StateFilter filter);
    void setSearchText(const QString &text);

signals:
    void countsChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool matchesSearch(int sourceRow) const;
    void invalidateCounts();
    void recount() const;

    StateFilter m_stateFilter = StateFilter::All;
    QString m_searchText;
    mutable std::array<int, 4> m_counts{};
    mutable bool m_countsValid = false;
    std::array<int, 4> m_announcedCounts{};
    bool m_countsSignalQueued = false;
};

} // namespace qtus

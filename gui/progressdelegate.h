#pragma once
// Paints the progress column as a progress bar (the style's own, with the percentage),
// coloured by the session's state (grey while the rows are stale); a deferred-length upload
// has no bar, only its text.
// Threads: the GUI thread only.
#include <QStyledItemDelegate>

namespace qtus {

class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProgressDelegate)

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace qtus

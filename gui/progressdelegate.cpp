#include "progressdelegate.h"

#include "sessionstatestyle.h"
#include "sessiontablemodel.h"

#include <QApplication>
#include <QPainter>
#include <QStyleOptionProgressBar>

namespace qtus {

void ProgressDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const double progress = index.data(SessionTableModel::ProgressRole).toDouble();
    if (progress < 0) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem item = option;
    initStyleOption(&item, index);
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // The cell background (selection, alternating rows) first, then the bar inside it.
    item.text.clear();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &item, painter, widget);

    QStyleOptionProgressBar bar;
    if (widget)
        bar.initFrom(widget);
    bar.state = option.state | QStyle::State_Horizontal;
    bar.state &= ~QStyle::State_HasFocus;
    const int vMargin = qMax(2, (option.rect.height() - option.fontMetrics.height() - 4) / 2);
    bar.rect = option.rect.adjusted(4, vMargin, -4, -vMargin);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(progress * 1000.0);
    bar.text = index.data(Qt::DisplayRole).toString();
    bar.textVisible = true;
    bar.textAlignment = Qt::AlignCenter;
    bar.fontMetrics = option.fontMetrics;
    bar.palette = option.palette;
    const auto state = SessionState(index.data(SessionTableModel::StateRole).toInt());
    if (index.data(SessionTableModel::StaleRole).toBool()) {
        // The last known progress, greyed like the rest of the row.
        bar.state &= ~QStyle::State_Enabled;
        bar.palette.setColor(QPalette::Highlight, staleTextBrush().color());
    } else {
        bar.palette.setColor(QPalette::Highlight, sessionStateColor(state));
    }
    bar.palette.setColor(QPalette::HighlightedText, Qt::white);
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, widget);
}

QSize ProgressDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(qMax(size.width(), option.fontMetrics.horizontalAdvance(QStringLiteral("100%")) * 3));
    return size;
}

} // namespace qtus

#include "sessionstatestyle.h"

#include <QGuiApplication>
#include <QPainter>
#include <QPalette>
#include <QPixmap>

namespace qtus {

namespace {

QPixmap badge(const QColor &color, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(QPen(color.darker(130), size / 16.0));
    painter.setBrush(color);
    const qreal margin = size * 0.22;
    painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin));
    return pixmap;
}

} // namespace

QColor sessionStateColor(SessionState state)
{
    switch (state) {
    case SessionState::Active: return QColor(0x2f, 0x80, 0xd1);     // blue: bytes are coming
    case SessionState::Completed: return QColor(0x3a, 0x9a, 0x4f);  // green: done
    case SessionState::Expired: return QColor(0xd9, 0x82, 0x1e);    // amber: waiting for cleanup
    }
    return {};
}

QIcon sessionStateIcon(SessionState state)
{
    QIcon icon;
    for (const int size : {16, 24, 32, 48})
        icon.addPixmap(badge(sessionStateColor(state), size));
    return icon;
}

QBrush mutedTextBrush()
{
    return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
}

QBrush staleTextBrush()
{
    return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
}

} // namespace qtus

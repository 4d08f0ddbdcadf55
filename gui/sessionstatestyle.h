#pragma once
// How a session state looks, the same in the table, the filter buttons and the status bar:
// one colour per state and a small round badge icon of that colour.
// Threads: the GUI thread (it makes QIcons).
#include "uploadinfo.h"

#include <QBrush>
#include <QColor>
#include <QIcon>

namespace qtus {

QColor sessionStateColor(SessionState state);
// Builds the pixmaps each call: callers that paint often keep the icon.
QIcon sessionStateIcon(SessionState state);
// Text colour for rows that wait to be cleaned up.
QBrush mutedTextBrush();

} // namespace qtus

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
// Text colour for every row while the source is disconnected: the values are the last ones
// known. The theme's disabled text, as greyed-out widgets use.
QBrush staleTextBrush();

} // namespace qtus

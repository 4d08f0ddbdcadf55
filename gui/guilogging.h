#pragma once
// The admin window's logging category, qtus.gui (beside qtus.http, qtus.store, ... in
// shared/logging.h, which stays free of anything only the GUI uses).
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcGui)

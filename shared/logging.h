#pragma once
// Logging categories, so QT_LOGGING_RULES can switch each part on and off
// (e.g. QT_LOGGING_RULES="qtus.http.debug=true").
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcStore)
Q_DECLARE_LOGGING_CATEGORY(lcCleanup)
Q_DECLARE_LOGGING_CATEGORY(lcServer)

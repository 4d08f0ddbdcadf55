#include "logging.h"

Q_LOGGING_CATEGORY(lcHttp, "qtus.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "qtus.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCleanup, "qtus.cleanup", QtInfoMsg)
Q_LOGGING_CATEGORY(lcServer, "qtus.server", QtInfoMsg)

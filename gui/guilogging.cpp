#include "guilogging.h"

Q_LOGGING_CATEGORY(lcGui, "qtus.gui", QtInfoMsg)

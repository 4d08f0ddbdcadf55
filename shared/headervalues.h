#pragma once
// Parsing and formatting of single header values, shared by every layer that reads them.
#include <QByteArray>
#include <QDateTime>
#include <optional>

namespace qtus {

// Rule C1: digits only, no sign, no spaces inside, no overflow past 2^63-1.
std::optional<qint64> parseNonNegativeInteger(const QByteArray &text);

// RFC 9110 IMF-fixdate, e.g. "Wed, 25 Jun 2014 16:00:00 GMT" (always English, always GMT).
QByteArray httpDate(const QDateTime &when);

} // namespace qtus

#pragma once
// Parsing and formatting of single header values, shared by every layer that reads them.
#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <optional>

namespace qtus {

// Rule C1: digits only, no sign, no spaces inside, no overflow past 2^63-1.
std::optional<qint64> parseNonNegativeInteger(const QByteArray &text);

// RFC 9110 IMF-fixdate, e.g. "Wed, 25 Jun 2014 16:00:00 GMT" (always English, always GMT).
QByteArray httpDate(const QDateTime &when);
// "2026-01-01T13:00:00.000Z", exactly what QDateTime::toString(Qt::ISODateWithMs) writes for
// a UTC time, without its calendar machinery (every .info write formats up to four). Empty
// for an invalid time.
QString isoDateUtc(const QDateTime &when);

} // namespace qtus

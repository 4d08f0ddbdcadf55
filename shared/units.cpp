#include "units.h"

#include "headervalues.h"

#include <QList>
#include <limits>

namespace qtus {

namespace {

// Splits "123abc" into its leading digits and the rest; nullopt if there are no digits or
// the number overflows qint64.
struct NumberAndUnit {
    qint64 number;
    QString unit;
};

std::optional<NumberAndUnit> splitNumber(QStringView text)
{
    qsizetype i = 0;
    while (i < text.size() && text.at(i).isDigit() && text.at(i).unicode() < 128)
        ++i;
    if (i == 0)
        return std::nullopt;
    const auto number = parseNonNegativeInteger(text.left(i).toLatin1());
    if (!number)
        return std::nullopt;
    // Units are ASCII; toLower() below would otherwise read the Kelvin sign (U+212A) as 'k'.
    for (const QChar c : text.mid(i)) {
        if (c.unicode() >= 128)
            return std::nullopt;
    }
    return NumberAndUnit{*number, text.mid(i).toString().toLower()};
}

std::optional<qint64> multiply(qint64 value, qint64 factor)
{
    if (value > std::numeric_limits<qint64>::max() / factor)
        return std::nullopt;
    return value * factor;
}

} // namespace

std::optional<qint64> parseByteSize(QStringView text)
{
    const auto parts = splitNumber(text.trimmed());
    if (!parts)
        return std::nullopt;
    QString unit = parts->unit;
    if (unit.endsWith(QLatin1String("ib")))
        unit.chop(2);
    else if (unit.endsWith(QLatin1Char('b')))
        unit.chop(1);
    static const QString suffixes = QStringLiteral("kmgt");
    if (unit.isEmpty())
        return parts->number;
    if (unit.size() != 1 || !suffixes.contains(unit))
        return std::nullopt;
    const int power = int(suffixes.indexOf(unit)) + 1;
    std::optional<qint64> value = parts->number;
    for (int p = 0; p < power && value; ++p)
        value = multiply(*value, 1024);
    return value;
}

std::optional<Duration> parseDuration(QStringView text)
{
    const auto parts = splitNumber(text.trimmed());
    if (!parts)
        return std::nullopt;
    qint64 factor = 0;
    if (parts->unit == QLatin1String("ms"))
        factor = 1;
    else if (parts->unit.isEmpty() || parts->unit == QLatin1String("s"))
        factor = 1000;
    else if (parts->unit == QLatin1String("m"))
        factor = 60 * 1000;
    else if (parts->unit == QLatin1String("h"))
        factor = 3600 * 1000;
    else if (parts->unit == QLatin1String("d"))
        factor = 24 * 3600 * 1000;
    else
        return std::nullopt;
    const auto ms = multiply(parts->number, factor);
    if (!ms)
        return std::nullopt;
    return Duration(*ms);
}

QString formatDuration(Duration d)
{
    qint64 ms = d.count();
    if (ms < 0)
        return QLatin1Char('-') + formatDuration(Duration(-ms));
    if (ms < 1000)
        return ms == 0 ? QStringLiteral("0s") : QStringLiteral("%1ms").arg(ms);
    struct Unit { qint64 size; const char *name; };
    static const Unit units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    QStringList out;
    for (const Unit &u : units) {
        if (ms >= u.size && out.size() < 2) {
            out << QString::number(ms / u.size) + QLatin1String(u.name);
            ms %= u.size;
        } else if (!out.isEmpty()) {
            break;  // only the two most significant adjacent units
        }
    }
    return out.join(QLatin1Char(' '));
}

QString formatBytes(qint64 bytes)
{
    static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 5) {
        value /= 1024.0;
        ++unit;
    }
    if (unit == 0)
        return QStringLiteral("%1 B").arg(bytes);
    return QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(names[unit]));
}

} // namespace qtus

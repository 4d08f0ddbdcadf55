#include "units.h"

#include "headervalues.h"

#include <QList>
#include <cstring>
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

std::optional<Duration> parseDuration(QStringView text, QString *why)
{
    auto refuse = [why](const QString &reason) -> std::optional<Duration> {
        if (why)
            *why = reason;
        return std::nullopt;
    };
    static const QString expected = QStringLiteral("expected a duration such as 90s, 10m, 1h30m or 7d");
    QStringView rest = text.trimmed();
    if (rest == QLatin1String("0"))
        return Duration(0);  // zero is zero in every unit
    // Only ASCII: a case-insensitive match would read the long s (U+017F) as 's'.
    for (const QChar c : rest) {
        if (c.unicode() >= 128)
            return refuse(expected);
    }
    struct Unit { const char *name; qint64 ms; };
    // Longest names first, so "ms" is not read as "m" followed by junk.
    static const Unit units[] = {{"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
    // Units must come largest first, each at most once: "1h30m", not "30m1h" or "1m1m".
    qint64 smallestSoFar = std::numeric_limits<qint64>::max();
    qint64 total = 0;
    while (!rest.isEmpty()) {
        qsizetype digits = 0;
        while (digits < rest.size() && rest.at(digits).unicode() >= '0' && rest.at(digits).unicode() <= '9')
            ++digits;
        if (digits == 0)
            return refuse(expected);
        const auto number = parseNonNegativeInteger(rest.left(digits).toLatin1());
        if (!number)
            return refuse(QStringLiteral("too large"));
        rest = rest.mid(digits);
        const Unit *unit = nullptr;
        for (const Unit &u : units) {
            const QLatin1String name(u.name);
            if (rest.size() >= name.size() && rest.left(name.size()).compare(name, Qt::CaseInsensitive) == 0) {
                const qsizetype after = name.size();
                // "5min" is not "5m" followed by "in": a unit ends at a digit, a space or the end.
                if (after < rest.size() && rest.at(after).isLetter())
                    continue;
                unit = &u;
                break;
            }
        }
        if (!unit) {
            if (rest.isEmpty())
                return refuse(QStringLiteral("needs a unit, e.g. %1s").arg(*number));
            return refuse(expected);
        }
        if (unit->ms >= smallestSoFar)
            return refuse(QStringLiteral("units must come largest first, each once (e.g. 1h30m)"));
        smallestSoFar = unit->ms;
        const auto ms = multiply(*number, unit->ms);
        if (!ms || *ms > std::numeric_limits<qint64>::max() - total)
            return refuse(QStringLiteral("too large"));
        total += *ms;
        rest = rest.mid(qsizetype(std::strlen(unit->name))).trimmed();
    }
    return Duration(total);
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

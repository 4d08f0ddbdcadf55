#include "headervalues.h"

#include <cstring>
#include <ctime>
#include <limits>

namespace qtus {

std::optional<qint64> parseNonNegativeInteger(const QByteArray &text)
{
    // No cap on the number of digits: leading zeros are allowed ("007"), and the overflow
    // check below is what bounds the value.
    if (text.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const int digit = c - '0';
        if (value > (std::numeric_limits<qint64>::max() - digit) / 10)
            return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

QByteArray httpDate(const QDateTime &when)
{
    // Formatted by hand from the seconds since the epoch: HEAD answers carry this header, and
    // QDateTime's calendar conversions cost more than the rest of the answer. gmtime_r is
    // locale-free; strftime's %a and %b would follow the locale Qt sets at startup.
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const time_t seconds = time_t(when.toSecsSinceEpoch());
    struct tm t = {};
    if (!gmtime_r(&seconds, &t) || t.tm_year + 1900 < 0 || t.tm_year + 1900 > 9999)
        return QByteArray();
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, so written digit by digit.
    char out[] = "Ddd, DD Mmm YYYY hh:mm:ss GMT";
    const auto two = [&out](int at, int value) {
        out[at] = char('0' + value / 10);
        out[at + 1] = char('0' + value % 10);
    };
    std::memcpy(out, days[t.tm_wday], 3);
    two(5, t.tm_mday);
    std::memcpy(out + 8, months[t.tm_mon], 3);
    two(12, (t.tm_year + 1900) / 100);
    two(14, (t.tm_year + 1900) % 100);
    two(17, t.tm_hour);
    two(20, t.tm_min);
    two(23, t.tm_sec);
    return QByteArray(out, sizeof out - 1);
}

QString isoDateUtc(const QDateTime &when)
{
    if (!when.isValid())
        return QString();
    const qint64 msecs = when.toMSecsSinceEpoch();
    const qint64 seconds = msecs >= 0 ? msecs / 1000 : (msecs - 999) / 1000;  // floor
    const int millis = int(msecs - seconds * 1000);
    const time_t t = time_t(seconds);
    struct tm fields = {};
    if (!gmtime_r(&t, &fields) || fields.tm_year + 1900 < 0 || fields.tm_year + 1900 > 9999)
        return when.toUTC().toString(Qt::ISODateWithMs);  // years Qt writes its own way
    char out[] = "YYYY-MM-DDThh:mm:ss.zzzZ";
    const auto two = [&out](int at, int value) {
        out[at] = char('0' + value / 10);
        out[at + 1] = char('0' + value % 10);
    };
    two(0, (fields.tm_year + 1900) / 100);
    two(2, (fields.tm_year + 1900) % 100);
    two(5, fields.tm_mon + 1);
    two(8, fields.tm_mday);
    two(11, fields.tm_hour);
    two(14, fields.tm_min);
    two(17, fields.tm_sec);
    out[20] = char('0' + millis / 100);
    two(21, millis % 100);
    return QString::fromLatin1(out, sizeof out - 1);
}

} // namespace qtus

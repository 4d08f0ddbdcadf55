#include "downloadheaders.h"

#include "headervalues.h"

#include <QRegularExpression>
#include <QUrl>

#include <limits>

namespace qtus {

ByteRange parseRange(const QByteArray &header, qint64 size)
{
    ByteRange whole{ByteRange::Kind::Whole, 0, size};
    const QByteArray value = header.trimmed();
    if (!value.startsWith("bytes=") || value.contains(','))
        return whole;  // absent, another unit, or several ranges: send it all (allowed)
    const QByteArray spec = value.mid(6).trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return whole;
    const QByteArray first = spec.left(dash).trimmed();
    const QByteArray last = spec.mid(dash + 1).trimmed();
    ByteRange range{ByteRange::Kind::Partial, 0, 0};
    if (first.isEmpty()) {  // "-N": the last N bytes
        const auto suffix = parseNonNegativeInteger(last);
        if (!suffix)
            return whole;
        if (*suffix == 0 || size == 0)
            return {ByteRange::Kind::Unsatisfiable, 0, 0};
        range.length = qMin(*suffix, size);
        range.start = size - range.length;
        return range;
    }
    const auto start = parseNonNegativeInteger(first);
    const auto end = last.isEmpty() ? std::optional<qint64>(std::numeric_limits<qint64>::max()) : parseNonNegativeInteger(last);
    if (!start || !end || *end < *start)
        return whole;  // syntactically invalid: ignore the header
    if (*start >= size)
        return {ByteRange::Kind::Unsatisfiable, 0, 0};
    range.start = *start;
    range.length = qMin(*end, size - 1) - *start + 1;
    return range;
}

QByteArray safeContentType(const QByteArray &type)
{
    static const QRegularExpression mediaType(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$"));
    const QByteArray trimmed = type.trimmed();
    if (trimmed.isEmpty() || !mediaType.match(QString::fromLatin1(trimmed)).hasMatch())
        return "application/octet-stream";
    return trimmed;
}

QByteArray contentDisposition(const QString &fileName)
{
    // Only the last path component, without control characters.
    QString name = fileName.section(QLatin1Char('/'), -1).section(QLatin1Char('\\'), -1);
    name.remove(QRegularExpression(QStringLiteral("[\\x00-\\x1f\\x7f]")));
    if (name.isEmpty() || name == QLatin1String(".") || name == QLatin1String(".."))
        return "attachment";
    QByteArray ascii;
    for (const QChar c : name)
        ascii += (c.unicode() < 128 && c != QLatin1Char('"') && c != QLatin1Char('\\')) ? char(c.unicode()) : '_';
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + QUrl::toPercentEncoding(name);
}

} // namespace qtus

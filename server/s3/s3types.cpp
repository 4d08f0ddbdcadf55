#include "s3types.h"

namespace qtus {

QString S3Error::describe() const
{
    QString text = unreachable ? QStringLiteral("unreachable") : QString();
    if (httpStatus)
        text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + QString::number(httpStatus);
    if (!code.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + code;
    if (!message.isEmpty())
        text += (text.isEmpty() ? QString() : QStringLiteral(": ")) + message;
    if (!requestId.isEmpty())
        text += QStringLiteral(" (request %1)").arg(requestId);
    return text;
}

qint64 S3PartList::totalSize() const
{
    qint64 total = 0;
    for (const S3Part &part : parts)
        total += part.size;
    return total;
}

QByteArray S3ByteRange::headerValue() const
{
    return "bytes=" + QByteArray::number(first) + '-' + (last >= 0 ? QByteArray::number(last) : QByteArray());
}

} // namespace qtus

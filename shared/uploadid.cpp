#include "uploadid.h"

#include <QRandomGenerator>

namespace qtus {

bool isValidUploadId(QStringView id)
{
    if (id.size() != uploadIdLength)
        return false;
    for (const QChar c : id) {
        const char16_t u = c.unicode();
        if (!((u >= '0' && u <= '9') || (u >= 'a' && u <= 'f')))
            return false;
    }
    return true;
}

bool isValidUploadId(QByteArrayView id)
{
    if (id.size() != uploadIdLength)
        return false;
    for (const char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

QString newUploadId()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

} // namespace qtus

#include "uploadmetadata.h"

namespace qtus {

std::optional<UploadMetadata> UploadMetadata::parse(const QByteArray &header)
{
    UploadMetadata result;
    if (header.trimmed().isEmpty())
        return result;
    const QList<QByteArray> pairs = header.split(',');
    for (const QByteArray &rawPair : pairs) {
        const QByteArray pair = rawPair.trimmed();
        const qsizetype space = pair.indexOf(' ');
        const QByteArray key = space < 0 ? pair : pair.left(space);
        const QByteArray encoded = space < 0 ? QByteArray() : pair.mid(space + 1);
        if (key.isEmpty() || encoded.contains(' '))
            return std::nullopt;
        for (const char c : key) {
            const auto byte = static_cast<unsigned char>(c);  // UTF-8 bytes are >= 0x80, and fine
            if (byte <= ' ' || byte == 127)  // control characters and spaces are not key material
                return std::nullopt;
        }
        if (result.value(key))
            return std::nullopt;  // keys must be unique
        const auto decoded = QByteArray::fromBase64Encoding(
            encoded, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded)
            return std::nullopt;
        // Qt accepts missing padding; the spec asks for Base64, which pads to 4 characters.
        if (encoded.size() % 4 != 0)
            return std::nullopt;
        result.m_entries.append({key, decoded.decoded});
    }
    return result;
}

UploadMetadata UploadMetadata::fromEntries(const QList<Entry> &entries)
{
    UploadMetadata result;
    result.m_entries = entries;
    return result;
}

std::optional<QByteArray> UploadMetadata::value(const QByteArray &key) const
{
    for (const Entry &e : m_entries) {
        if (e.first == key)
            return e.second;
    }
    return std::nullopt;
}

QByteArray UploadMetadata::toHeader() const
{
    QByteArrayList parts;
    for (const Entry &e : m_entries)
        parts << (e.second.isEmpty() ? e.first : e.first + ' ' + e.second.toBase64());
    return parts.join(',');
}

QString UploadMetadata::fileName() const
{
    if (const auto v = value("filename"))
        return QString::fromUtf8(*v);
    if (const auto v = value("name"))
        return QString::fromUtf8(*v);
    return {};
}

} // namespace qtus

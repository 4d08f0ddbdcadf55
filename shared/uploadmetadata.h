#pragma once
// The Upload-Metadata header (rule CR3): comma-separated "key base64value" pairs. Values are
// bytes, not necessarily UTF-8; they round-trip unchanged.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <optional>

namespace qtus {

class UploadMetadata
{
public:
    using Entry = QPair<QByteArray, QByteArray>;  // key, decoded value

    // Nullopt when malformed: empty key, key with a space or comma, duplicate key, bad
    // Base64. An empty or absent header is valid and has no entries.
    static std::optional<UploadMetadata> parse(const QByteArray &header);
    static UploadMetadata fromEntries(const QList<Entry> &entries);

    const QList<Entry> &entries() const { return m_entries; }
    std::optional<QByteArray> value(const QByteArray &key) const;
    QByteArray toHeader() const;  // canonical encoding, used when no original header is kept
    // The file name a person would recognise: "filename", else "name"; empty if neither.
    QString fileName() const;

private:
    QList<Entry> m_entries;
};

} // namespace qtus

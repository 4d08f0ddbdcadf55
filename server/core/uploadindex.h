#pragma once
// The store's in-memory index (id -> upload), kept compact: it holds every upload the
// directory has, so its size per upload is the server's memory per stored upload. An id
// is kept as its 16 bytes, not as a 32-character QString, and dates as milliseconds:
// about 150 bytes an upload instead of about 340 for QHash<QString, UploadInfo>
// (docs/performance.md, (f) during (e)). Not thread-safe; FileUploadStore locks around it.
#include "uploadinfo.h"

#include <QHash>
#include <optional>

namespace qtus {

class UploadIndex
{
public:
    // Ids the store writes: 32 lowercase hex characters. Other ids are never indexed.
    std::optional<UploadInfo> find(const QString &id) const;
    bool contains(const QString &id) const { return find(id).has_value(); }
    bool insert(const UploadInfo &info);  // false (and nothing stored) for an id of another form
    bool remove(const QString &id);
    qsizetype size() const { return m_entries.size(); }
    QList<UploadInfo> values() const;
    QStringList keys() const;
    qint64 totalOffset() const;

private:
    struct Key
    {
        quint64 high = 0;
        quint64 low = 0;
        friend bool operator==(const Key &a, const Key &b) { return a.high == b.high && a.low == b.low; }
        friend size_t qHash(const Key &key, size_t seed = 0) noexcept { return qHashMulti(seed, key.high, key.low); }
    };
    struct Entry
    {
        qint64 size = 0;
        qint64 offset = 0;
        qint64 createdMs = 0;
        qint64 lastActivityMs = 0;
        qint64 completedMs = 0;
        quint8 flags = 0;
        QByteArray metadataHeader;
        QStringList partialUploads;
    };
    static std::optional<Key> keyOf(const QString &id);
    static QString idOf(const Key &key);
    static Entry entryOf(const UploadInfo &info);
    static UploadInfo infoOf(const QString &id, const Entry &entry);

    QHash<Key, Entry> m_entries;
};

} // namespace qtus

#pragma once
// The store's in-memory index (id -> upload), kept compact: it holds every upload the
// directory has, so its size per upload is the server's memory per stored upload. An id
// is kept as its 16 bytes, not as a 32-character QString, and dates as milliseconds.
// Metadata is kept only up to maxInlineMetadata bytes, and a final upload's list of parts
// not at all: those "details" stay in the upload's .info, and the store reads them from
// there (through a small cache) when a request needs them. So memory per stored upload does
// not grow with its metadata (docs/performance.md, the index row).
// Not thread-safe; FileUploadStore locks around it.
#include "uploadinfo.h"

#include <QHash>

#include <array>

#include <cstdlib>
#include <utility>
#include <optional>

namespace qtus {

class UploadIndex
{
public:
    // Ids the store writes: 32 lowercase hex characters. Other ids are never indexed.
    // Metadata longer than this is left in the .info.
    static constexpr qsizetype maxInlineMetadata = 64;

    // *detailsElsewhere: the metadata or the part list is not in the returned value (read
    // it from the .info).
    std::optional<UploadInfo> find(const QString &id, bool *detailsElsewhere = nullptr) const;
    bool contains(const QString &id) const { return find(id).has_value(); }
    // False (and nothing stored) for an id of another form. detailsElsewhere: the caller did
    // not read the metadata or part list (startup), so they are left in the .info whatever
    // info says.
    bool insert(const UploadInfo &info, bool detailsElsewhere = false);
    // Updates what a commit and a declared length change, leaving the details as they are.
    bool setProgress(const QString &id, qint64 offset, const QDateTime &lastActivityAt, const QDateTime &completedAt);
    bool setLength(const QString &id, qint64 size);
    bool remove(const QString &id);
    qsizetype size() const { return m_entries.size(); }
    QList<UploadInfo> values(QList<bool> *detailsElsewhere = nullptr) const;
    QStringList keys() const;
    qint64 totalOffset() const;
    // Uploads and their stored bytes per SessionState at a moment, without building an
    // UploadInfo for each (the admin API's counts and /metrics).
    struct StateTotals
    {
        std::array<qint64, 3> count{};  // indexed by SessionState
        std::array<qint64, 3> bytes{};
    };
    StateTotals stateTotals(qint64 nowMs, qint64 expireAfterMs) const;

private:
    struct Key
    {
        quint64 high = 0;
        quint64 low = 0;
        friend bool operator==(const Key &a, const Key &b) { return a.high == b.high && a.low == b.low; }
        friend size_t qHash(const Key &key, size_t seed = 0) noexcept { return qHashMulti(seed, key.high, key.low); }
    };
    // Up to maxInlineMetadata bytes in one allocation of their own (a length byte, then the
    // bytes), made by the index's thread: a QByteArray costs 24 bytes in the entry plus a
    // 16-byte header, and one shared with the loading threads kept their memory arenas
    // resident (about 370 bytes an upload with 40 bytes of metadata; 200 this way).
    class CompactBytes
    {
    public:
        CompactBytes() = default;
        explicit CompactBytes(const QByteArray &bytes);
        CompactBytes(const CompactBytes &other) : CompactBytes(other.toByteArray()) {}
        CompactBytes(CompactBytes &&other) noexcept : m_data(std::exchange(other.m_data, nullptr)) {}
        CompactBytes &operator=(CompactBytes other) noexcept
        {
            std::swap(m_data, other.m_data);
            return *this;
        }
        ~CompactBytes() { std::free(m_data); }
        QByteArray toByteArray() const;

    private:
        char *m_data = nullptr;
    };
    static_assert(maxInlineMetadata < 256, "the length fits the byte before the bytes");

    struct Entry
    {
        qint64 size = 0;
        qint64 offset = 0;
        qint64 createdMs = 0;
        qint64 lastActivityMs = 0;
        qint64 completedMs = 0;
        CompactBytes metadataHeader;  // empty when DetailsElsewhere
        quint8 flags = 0;
    };
    static std::optional<Key> keyOf(const QString &id);
    Entry *entryFor(const QString &id);  // nullptr when not indexed
    static QString idOf(const Key &key);
    static Entry entryOf(const UploadInfo &info, bool detailsElsewhere);
    static UploadInfo infoOf(const QString &id, const Entry &entry);

    QHash<Key, Entry> m_entries;
};

} // namespace qtus

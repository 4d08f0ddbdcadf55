#include "uploadindex.h"

#include "uploadid.h"

#include <cstring>
#include <limits>

namespace qtus {

namespace {
enum Flag : quint8 { SizeIsDeferred = 1, IsPartial = 2, IsFinal = 4, DetailsElsewhere = 8 };
constexpr qint64 invalidDate = std::numeric_limits<qint64>::min();

qint64 toMs(const QDateTime &when) { return when.isValid() ? when.toMSecsSinceEpoch() : invalidDate; }
QDateTime fromMs(qint64 ms) { return ms == invalidDate ? QDateTime() : QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC); }

int hexValue(QChar c)
{
    const char16_t u = c.unicode();
    if (u >= '0' && u <= '9')
        return u - '0';
    if (u >= 'a' && u <= 'f')
        return u - 'a' + 10;
    return -1;
}
} // namespace

std::optional<UploadIndex::Key> UploadIndex::keyOf(const QString &id)
{
    if (!isValidUploadId(id))  // the one definition (uploadid.h); below, only the conversion
        return std::nullopt;
    Key key;
    for (int i = 0; i < 32; ++i) {
        const int v = hexValue(id.at(i));
        if (v < 0)
            return std::nullopt;
        quint64 &half = i < 16 ? key.high : key.low;
        half = (half << 4) | quint64(v);
    }
    return key;
}

QString UploadIndex::idOf(const Key &key)
{
    static const char digits[] = "0123456789abcdef";
    QString id(32, Qt::Uninitialized);
    QChar *out = id.data();
    for (int i = 0; i < 16; ++i) {
        out[i] = QLatin1Char(digits[(key.high >> (60 - 4 * i)) & 0xf]);
        out[16 + i] = QLatin1Char(digits[(key.low >> (60 - 4 * i)) & 0xf]);
    }
    return id;
}

UploadIndex::CompactBytes::CompactBytes(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > maxInlineMetadata)
        return;
    m_data = static_cast<char *>(std::malloc(size_t(bytes.size()) + 1));
    if (!m_data)
        qBadAlloc();
    m_data[0] = char(quint8(bytes.size()));
    std::memcpy(m_data + 1, bytes.constData(), size_t(bytes.size()));
}

QByteArray UploadIndex::CompactBytes::toByteArray() const
{
    return m_data ? QByteArray(m_data + 1, quint8(m_data[0])) : QByteArray();
}

UploadIndex::Entry UploadIndex::entryOf(const UploadInfo &info, bool detailsElsewhere)
{
    Entry e;
    e.size = info.size;
    e.offset = info.offset;
    e.createdMs = toMs(info.createdAt);
    e.lastActivityMs = toMs(info.lastActivityAt);
    e.completedMs = toMs(info.completedAt);
    e.flags = quint8((info.sizeIsDeferred ? SizeIsDeferred : 0) | (info.isPartial ? IsPartial : 0)
                     | (info.isFinal ? IsFinal : 0));
    if (detailsElsewhere || info.metadataHeader.size() > maxInlineMetadata || !info.partialUploads.isEmpty())
        e.flags |= DetailsElsewhere;
    else
        e.metadataHeader = CompactBytes(info.metadataHeader);
    return e;
}

UploadInfo UploadIndex::infoOf(const QString &id, const Entry &e)
{
    UploadInfo info;
    info.id = id;
    info.size = e.size;
    info.offset = e.offset;
    info.createdAt = fromMs(e.createdMs);
    info.lastActivityAt = fromMs(e.lastActivityMs);
    info.completedAt = fromMs(e.completedMs);
    info.sizeIsDeferred = e.flags & SizeIsDeferred;
    info.isPartial = e.flags & IsPartial;
    info.isFinal = e.flags & IsFinal;
    info.metadataHeader = e.metadataHeader.toByteArray();
    return info;
}

std::optional<UploadInfo> UploadIndex::find(const QString &id, bool *detailsElsewhere) const
{
    const auto key = keyOf(id);
    if (!key)
        return std::nullopt;
    const auto it = m_entries.constFind(*key);
    if (it == m_entries.constEnd())
        return std::nullopt;
    if (detailsElsewhere)
        *detailsElsewhere = it->flags & DetailsElsewhere;
    return infoOf(id, *it);
}

UploadIndex::Entry *UploadIndex::entryFor(const QString &id)
{
    const auto key = keyOf(id);
    if (!key)
        return nullptr;
    const auto it = m_entries.find(*key);
    return it == m_entries.end() ? nullptr : &*it;
}

bool UploadIndex::setProgress(const QString &id, qint64 offset, const QDateTime &lastActivityAt, const QDateTime &completedAt)
{
    Entry *e = entryFor(id);
    if (!e)
        return false;
    e->offset = offset;
    e->lastActivityMs = toMs(lastActivityAt);
    e->completedMs = toMs(completedAt);
    return true;
}

bool UploadIndex::setLength(const QString &id, qint64 size)
{
    Entry *e = entryFor(id);
    if (!e)
        return false;
    e->size = size;
    e->flags &= quint8(~SizeIsDeferred);
    return true;
}

bool UploadIndex::insert(const UploadInfo &info, bool detailsElsewhere)
{
    const auto key = keyOf(info.id);
    if (!key)
        return false;
    m_entries.insert(*key, entryOf(info, detailsElsewhere));
    return true;
}

bool UploadIndex::remove(const QString &id)
{
    const auto key = keyOf(id);
    return key && m_entries.remove(*key);
}

QList<UploadInfo> UploadIndex::values(QList<bool> *detailsElsewhere) const
{
    QList<UploadInfo> all;
    all.reserve(m_entries.size());
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        all.append(infoOf(idOf(it.key()), it.value()));
        if (detailsElsewhere)
            detailsElsewhere->append(it->flags & DetailsElsewhere);
    }
    return all;
}

QStringList UploadIndex::keys() const
{
    QStringList ids;
    ids.reserve(m_entries.size());
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        ids.append(idOf(it.key()));
    return ids;
}

UploadIndex::StateTotals UploadIndex::stateTotals(qint64 nowMs, qint64 expireAfterMs) const
{
    // The same rule as UploadInfo::stateAt(), on the compact fields.
    StateTotals totals;
    for (const Entry &e : m_entries) {
        SessionState state = SessionState::Active;
        if (!(e.flags & SizeIsDeferred) && e.offset >= e.size)
            state = SessionState::Completed;
        else if (e.lastActivityMs == invalidDate || nowMs >= e.lastActivityMs + expireAfterMs)
            state = SessionState::Expired;
        ++totals.count[std::size_t(state)];
        totals.bytes[std::size_t(state)] += e.offset;
    }
    return totals;
}

qint64 UploadIndex::totalOffset() const
{
    qint64 total = 0;
    for (const Entry &e : m_entries)
        total += e.offset;
    return total;
}

} // namespace qtus

#include "uploadindex.h"

#include "uploadid.h"

#include <limits>

namespace qtus {

namespace {
enum Flag : quint8 { SizeIsDeferred = 1, IsPartial = 2, IsFinal = 4 };
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

UploadIndex::Entry UploadIndex::entryOf(const UploadInfo &info)
{
    Entry e;
    e.size = info.size;
    e.offset = info.offset;
    e.createdMs = toMs(info.createdAt);
    e.lastActivityMs = toMs(info.lastActivityAt);
    e.completedMs = toMs(info.completedAt);
    e.flags = quint8((info.sizeIsDeferred ? SizeIsDeferred : 0) | (info.isPartial ? IsPartial : 0)
                     | (info.isFinal ? IsFinal : 0));
    e.metadataHeader = info.metadataHeader;
    e.partialUploads = info.partialUploads;
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
    info.metadataHeader = e.metadataHeader;
    info.partialUploads = e.partialUploads;
    return info;
}

std::optional<UploadInfo> UploadIndex::find(const QString &id) const
{
    const auto key = keyOf(id);
    if (!key)
        return std::nullopt;
    const auto it = m_entries.constFind(*key);
    if (it == m_entries.constEnd())
        return std::nullopt;
    return infoOf(id, *it);
}

bool UploadIndex::insert(const UploadInfo &info)
{
    const auto key = keyOf(info.id);
    if (!key)
        return false;
    m_entries.insert(*key, entryOf(info));
    return true;
}

bool UploadIndex::remove(const QString &id)
{
    const auto key = keyOf(id);
    return key && m_entries.remove(*key);
}

QList<UploadInfo> UploadIndex::values() const
{
    QList<UploadInfo> all;
    all.reserve(m_entries.size());
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        all.append(infoOf(idOf(it.key()), it.value()));
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

qint64 UploadIndex::totalOffset() const
{
    qint64 total = 0;
    for (const Entry &e : m_entries)
        total += e.offset;
    return total;
}

} // namespace qtus

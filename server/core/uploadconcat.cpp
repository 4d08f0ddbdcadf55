#include "uploadconcat.h"

#include "uploadid.h"

#include <QUrl>

namespace qtus {

static_assert(maxConcatParts == 128, "the reason for TusError::ConcatTooManyParts (tuserror.cpp) names the number");

std::optional<TusError> parseUploadConcat(const QByteArray &header, const QByteArrayList &paths, UploadConcat *out)
{
    const QByteArray value = header.trimmed();
    if (value == "partial") {
        out->kind = UploadConcat::Kind::Partial;
        return std::nullopt;
    }
    if (!value.startsWith("final;"))
        return TusError::ConcatInvalid;
    out->kind = UploadConcat::Kind::Final;
    const QList<QByteArray> urls = value.mid(6).simplified().split(' ');
    for (const QByteArray &url : urls) {
        if (url.isEmpty())
            return TusError::ConcatInvalid;
        // An absolute URL names this server by its path; the host is not ours to check
        // (proxies rewrite it), the path is.
        const QUrl parsed(QString::fromLatin1(url), QUrl::StrictMode);
        if (!parsed.isValid() || (!parsed.isRelative() && parsed.scheme() != QLatin1String("http")
                                  && parsed.scheme() != QLatin1String("https")))
            return TusError::ConcatInvalid;
        const QByteArray path = parsed.path(QUrl::FullyEncoded).toLatin1();
        QString id;
        for (const QByteArray &prefix : paths) {
            if (path.startsWith(prefix) && isValidUploadId(QString::fromLatin1(path.mid(prefix.size()))))
                id = QString::fromLatin1(path.mid(prefix.size()));
        }
        if (id.isEmpty())
            return TusError::ConcatPartForeign;
        if (out->partIds.contains(id))
            return TusError::ConcatPartRepeated;
        if (out->partIds.size() >= maxConcatParts)
            return TusError::ConcatTooManyParts;
        out->partIds << id;
    }
    if (out->partIds.isEmpty())
        return TusError::ConcatInvalid;
    return std::nullopt;
}

QByteArray uploadConcatHeader(const UploadInfo &info, const QByteArray &basePath)
{
    if (info.isPartial)
        return "partial";
    if (!info.isFinal)
        return {};
    QByteArrayList urls;
    for (const QString &id : info.partialUploads)
        urls << basePath + id.toLatin1();
    return "final;" + urls.join(' ');
}

} // namespace qtus

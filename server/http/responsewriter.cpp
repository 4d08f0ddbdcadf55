#include "responsewriter.h"

#include "tuserror.h"

#include <charconv>
#include <cstring>

namespace qtus {

QByteArray serializeResponse(const TusResponse &response, bool headRequest)
{
    // Sized once and filled by memcpy: this runs for every response, and appending piece by
    // piece cost more than the rest of a HEAD answer (the HEAD benchmark sees it).
    const bool bodyless = headRequest || response.status == 204 || response.status == 304 || response.status < 200;
    const bool fromFile = response.bodyReader != nullptr;
    char status[24];
    const qsizetype statusSize = std::to_chars(status, status + sizeof status, response.status).ptr - status;
    const QByteArray reason = statusReasonPhrase(response.status);
    char length[24];
    qsizetype lengthSize = 0;
    if (!bodyless)
        lengthSize = std::to_chars(length, length + sizeof length,
                                   fromFile ? response.bodyLength : qint64(response.body.size())).ptr - length;
    const QByteArrayView contentLength = "Content-Length: ";
    qsizetype size = 9 + statusSize + (reason.isEmpty() ? 0 : 1 + reason.size()) + 2 + 2;
    for (const auto &h : response.headers)
        size += h.first.size() + 2 + h.second.size() + 2;
    if (!bodyless)
        size += contentLength.size() + lengthSize + 2;
    if (!bodyless && !fromFile)
        size += response.body.size();  // a stored body follows, streamed by the intake

    QByteArray out(size, Qt::Uninitialized);
    char *p = out.data();
    const auto put = [&p](QByteArrayView piece) {
        if (piece.isEmpty())
            return;  // its data() may be null, which memcpy must not see
        std::memcpy(p, piece.data(), size_t(piece.size()));
        p += piece.size();
    };
    put("HTTP/1.1 ");
    put(QByteArrayView(status, statusSize));
    if (!reason.isEmpty()) {
        put(" ");
        put(reason);
    }
    put("\r\n");
    for (const auto &h : response.headers) {
        put(h.first);
        put(": ");
        put(h.second);
        put("\r\n");
    }
    if (!bodyless) {
        put(contentLength);
        put(QByteArrayView(length, lengthSize));
        put("\r\n");
    }
    put("\r\n");
    if (!bodyless && !fromFile)
        put(response.body);
    Q_ASSERT(p == out.constData() + out.size());
    return out;
}

} // namespace qtus

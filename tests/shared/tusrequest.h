#pragma once
// A TusRequest for handler-level tests: Host and Tus-Resumable set, then "Name: value" lines.
#include "tusmessage.h"

#include <QByteArrayList>

namespace qtus::test {

inline TusRequest tusRequest(const QByteArray &method, const QByteArray &path, const QByteArrayList &headers,
                             const QByteArray &body = {})
{
    TusRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = {{"Host", "localhost"}, {"Tus-Resumable", "1.0.0"}};
    for (const QByteArray &h : headers) {
        const qsizetype colon = h.indexOf(':');
        r.headers.append({h.left(colon).trimmed(), h.mid(colon + 1).trimmed()});
    }
    return r;
}

} // namespace qtus::test

#include "tusmessage.h"

namespace qtus {

namespace {

// Header names are ASCII: names of different lengths never match, and most differ there.
bool sameName(const QByteArray &a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArray joinedValues(const HeaderList &headers, QByteArrayView name)
{
    QByteArray out;
    bool found = false;
    for (const auto &h : headers) {
        if (sameName(h.first, name)) {
            if (found)
                out += ", ";
            out += h.second;
            found = true;
        }
    }
    return out;
}

bool contains(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &h : headers) {
        if (sameName(h.first, name))
            return true;
    }
    return false;
}

} // namespace

QByteArray TusRequest::header(QByteArrayView name) const { return joinedValues(headers, name); }
bool TusRequest::hasHeader(QByteArrayView name) const { return contains(headers, name); }
QByteArray TusResponse::header(QByteArrayView name) const { return joinedValues(headers, name); }
bool TusResponse::hasHeader(QByteArrayView name) const { return contains(headers, name); }

void TusResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (sameName(h.first, name)) {
            h.second = value;
            return;
        }
    }
    headers.append({name, value});
}

} // namespace qtus

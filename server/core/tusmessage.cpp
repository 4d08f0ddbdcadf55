#include "tusmessage.h"

namespace qtus {

namespace {

QByteArray joinedValues(const HeaderList &headers, const QByteArray &name)
{
    QByteArray out;
    bool found = false;
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            if (found)
                out += ", ";
            out += h.second;
            found = true;
        }
    }
    return out;
}

bool contains(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

} // namespace

QByteArray TusRequest::header(const QByteArray &name) const { return joinedValues(headers, name); }
bool TusRequest::hasHeader(const QByteArray &name) const { return contains(headers, name); }
QByteArray TusResponse::header(const QByteArray &name) const { return joinedValues(headers, name); }
bool TusResponse::hasHeader(const QByteArray &name) const { return contains(headers, name); }

void TusResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return;
        }
    }
    headers.append({name, value});
}

} // namespace qtus

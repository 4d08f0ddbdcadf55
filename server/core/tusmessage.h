#pragma once
// Plain request and response values: what TusHandler reads and writes. The HTTP binding
// (UploadIntake) fills TusRequest from the request head and writes TusResponse as bytes, so the
// protocol is testable without sockets.
#include <QByteArray>
#include <QString>
#include <QList>
#include <QPair>
#include <memory>

namespace qtus {

class ContentReader;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct TusRequest
{
    QByteArray method;   // as sent, upper case ("PATCH"); X-HTTP-Method-Override is applied by the handler
    QByteArray path;     // percent-encoded path without the query
    QByteArray target;   // the request target as sent (path and query), for the hooks
    HeaderList headers;
    QByteArray body;     // buffered body; empty when the intake streams it
    QByteArray scheme = "http";
    QString remoteAddress;

    // Case-insensitive; repeated headers are joined with ", " as HTTP allows.
    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
};

struct TusResponse
{
    int status = 200;
    HeaderList headers;
    QByteArray body;
    // A body read from the store (downloads): the HTTP layer streams bodyLength bytes from
    // bodyReader instead of sending body. Shared so that a response stays a value.
    std::shared_ptr<ContentReader> bodyReader;
    qint64 bodyLength = 0;

    QByteArray header(QByteArrayView name) const;
    bool hasHeader(QByteArrayView name) const;
    void setHeader(const QByteArray &name, const QByteArray &value);
    // Names (and values) written as string literals are wrapped, not copied: every answer
    // sets several, and the HEAD benchmark sees each allocation. Only for literals.
    template <qsizetype N>
    void setHeader(const char (&name)[N], const QByteArray &value)
    {
        setHeader(QByteArray::fromRawData(name, N - 1), value);
    }
    template <qsizetype N, qsizetype M>
    void setHeader(const char (&name)[N], const char (&value)[M])
    {
        setHeader(QByteArray::fromRawData(name, N - 1), QByteArray::fromRawData(value, M - 1));
    }
    // A writable char array is a buffer, not a literal: wrapping it would dangle.
    template <qsizetype N>
    void setHeader(char (&name)[N], const QByteArray &value) = delete;
    template <qsizetype N, qsizetype M>
    void setHeader(const char (&name)[N], char (&value)[M]) = delete;
};

} // namespace qtus

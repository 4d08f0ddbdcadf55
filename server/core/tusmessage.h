#pragma once
// Plain request and response values: what TusHandler reads and writes. The HTTP binding
// converts QHttpServerRequest to TusRequest and TusResponse to bytes on the socket, so the
// protocol is testable without sockets.
#include <QByteArray>
#include <QString>
#include <QList>
#include <QPair>

namespace qtus {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct TusRequest
{
    QByteArray method;   // as sent, upper case ("PATCH"); X-HTTP-Method-Override is applied by the handler
    QByteArray path;     // percent-encoded path without the query
    HeaderList headers;
    QByteArray body;     // buffered body; empty when the intake streams it
    QByteArray scheme = "http";
    QString remoteAddress;
    QString newUploadId;  // a creation: the id to create it under (the pre-create hook was told it)

    // Case-insensitive; repeated headers are joined with ", " as HTTP allows.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
};

struct TusResponse
{
    int status = 200;
    HeaderList headers;
    QByteArray body;
    // A body read from a file (downloads): the HTTP layer streams bodyFileLength bytes from
    // bodyFileOffset instead of sending body.
    QString bodyFile;
    qint64 bodyFileOffset = 0;
    qint64 bodyFileLength = 0;

    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
    void setHeader(const QByteArray &name, const QByteArray &value);
};

} // namespace qtus

#pragma once
// What the streaming-intake tests share: the real UploadServer on port 0 with its own
// temporary directory and per-test limits (ServerUnderTest), and the tus requests they put
// on the wire, byte for byte (namespace wire).
#include "uploadserver.h"

#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <memory>

namespace wire {

inline const QByteArray hostAndVersion = "Host: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n";
inline const QByteArray octets = "Content-Type: application/offset+octet-stream\r\n";

inline QByteArray head(const QByteArray &path, const QByteArray &extra = {})
{
    return "HEAD " + path + " HTTP/1.1\r\n" + hostAndVersion + extra + "\r\n";
}

// The head of a PATCH with a Content-Length; the body is sent separately.
inline QByteArray patchHead(const QByteArray &path, qint64 offset, qint64 contentLength, const QByteArray &extra = {})
{
    return "PATCH " + path + " HTTP/1.1\r\n" + hostAndVersion + octets + "Upload-Offset: " + QByteArray::number(offset)
        + "\r\nContent-Length: " + QByteArray::number(contentLength) + "\r\n" + extra + "\r\n";
}

inline QByteArray patch(const QByteArray &path, qint64 offset, const QByteArray &body, const QByteArray &extra = {})
{
    return patchHead(path, offset, body.size(), extra) + body;
}

inline QByteArray chunkedPatchHead(const QByteArray &path, qint64 offset, const QByteArray &extra = {})
{
    return "PATCH " + path + " HTTP/1.1\r\n" + hostAndVersion + octets + "Upload-Offset: " + QByteArray::number(offset)
        + "\r\nTransfer-Encoding: chunked\r\n" + extra + "\r\n";
}

// body in chunks of chunkSize bytes (hex sizes), then the last chunk.
inline QByteArray chunked(const QByteArray &body, qint64 chunkSize)
{
    QByteArray out;
    for (qsizetype pos = 0; pos < body.size(); pos += chunkSize) {
        const QByteArray piece = body.mid(pos, chunkSize);
        out += QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// Creation; with a body it is creation-with-upload.
inline QByteArray post(qint64 length, const QByteArray &body = {}, const QByteArray &extra = {})
{
    return "POST /files/ HTTP/1.1\r\n" + hostAndVersion + "Upload-Length: " + QByteArray::number(length) + "\r\n"
        + (body.isEmpty() ? QByteArray() : octets) + "Content-Length: " + QByteArray::number(body.size()) + "\r\n" + extra
        + "\r\n" + body;
}

inline QByteArray options() { return "OPTIONS /files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; }

inline QByteArray remove(const QByteArray &path)
{
    return "DELETE " + path + " HTTP/1.1\r\n" + hostAndVersion + "\r\n";
}

} // namespace wire

// Deterministic upload content: the same seed gives the same bytes.
inline QByteArray patternBytes(qint64 size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    qsizetype i = 0;
    for (; i + 4 <= bytes.size(); i += 4) {
        const quint32 v = rng.generate();
        memcpy(bytes.data() + i, &v, 4);
    }
    for (; i < bytes.size(); ++i)
        bytes[i] = char(rng.bounded(256));
    return bytes;
}

class ServerUnderTest
{
public:
    ServerUnderTest()
    {
        config.port = 0;
        config.dir = m_dir.filePath(QStringLiteral("uploads"));
        config.fsync = qtus::FsyncPolicy::Never;  // the intake is under test here, not fdatasync
        config.cleanupInterval = qtus::Duration(0);  // no cleanup passes in the background
    }

    qtus::ServerConfig config;  // adjust before start()

    bool start()
    {
        m_server = std::make_unique<qtus::UploadServer>(config);
        QString error;
        if (!m_dir.isValid() || !m_server->start(&error)) {
            qWarning("cannot start the server: %s", qPrintable(error));
            return false;
        }
        return m_server->port() != 0;
    }
    void stop() { m_server.reset(); }

    qtus::UploadServer &server() { return *m_server; }
    quint16 port() const { return m_server->port(); }

    // Creates an upload through the store; returns its path ("/files/<id>").
    QByteArray createUpload(qint64 length, bool deferred = false)
    {
        qtus::UploadInfo info;
        info.size = deferred ? 0 : length;
        info.sizeIsDeferred = deferred;
        if (m_server->store().create(info) != qtus::StoreStatus::Ok)
            return {};
        return "/files/" + info.id.toLatin1();
    }
    static QString idOf(const QByteArray &path) { return QString::fromLatin1(path.mid(path.lastIndexOf('/') + 1)); }
    // The committed offset, -1 when the upload does not exist.
    qint64 offset(const QByteArray &path) const
    {
        const auto info = m_server->store().find(idOf(path));
        return info ? info->offset : -1;
    }
    QByteArray storedBytes(const QByteArray &path) const
    {
        QFile file(m_server->fileStore().dataPath(idOf(path)));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<qtus::UploadServer> m_server;
};

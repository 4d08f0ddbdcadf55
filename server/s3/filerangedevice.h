#pragma once
// Bytes offset..offset+length of a file as a random-access, read-only QIODevice: the body of
// an UploadPart. QNetworkAccessManager reads it a piece at a time as the socket takes them
// (and seeks back to 0 if it must send again), so a part of any size costs a few pieces of
// memory, never the part. Unbuffered: QNAM keeps the only buffer.
//
// Threads: the thread that opens it (QNAM's: the event-loop thread).
#include <QFile>
#include <QIODevice>

namespace qtus {

class FileRangeDevice final : public QIODevice
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileRangeDevice)

public:
    FileRangeDevice(const QString &path, qint64 offset, qint64 length, QObject *parent = nullptr);

    // Opens the file for reading; fails (errorString()) if it is shorter than offset + length.
    bool open(OpenMode mode) override;
    void close() override;
    bool isSequential() const override { return false; }
    qint64 size() const override { return m_length; }
    bool seek(qint64 pos) override;

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QFile m_file;
    const qint64 m_offset;
    const qint64 m_length;
};

} // namespace qtus

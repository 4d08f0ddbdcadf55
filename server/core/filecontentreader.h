#pragma once
// A completed upload's bytes in a local file (the file store's downloads). Opened at once,
// never through a symlink, and only a regular file: whoever can write the upload directory
// must not be able to make a download serve another file. Reads go straight to the file;
// it buffers nothing.
//
// Threads: the thread that opened it only.
#include "contentreader.h"

#include <QFile>

namespace qtus {

class FileContentReader final : public ContentReader
{
    Q_OBJECT

public:
    // Bytes offset..offset+length of the file at path.
    FileContentReader(const QString &path, qint64 offset, qint64 length, QObject *parent = nullptr);

    State state() const override { return m_state; }
    qint64 read(char *data, qint64 maxSize) override;
    TusError failure() const override { return TusError::StorageFailure; }
    QString describe() const override;

private:
    QFile m_file;
    qint64 m_left;
    State m_state = State::Failed;
    QString m_why;
};

} // namespace qtus

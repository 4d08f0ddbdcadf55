#pragma once
// The bytes of a completed upload, read for a download (UploadStore::openContent): from a
// local file at once, from object storage as they arrive. The HTTP layer reads what is
// there, waits for readyRead() for more, and holds no more than one chunk itself; each
// reader names its own bound.
//
// States:
// - Opening: the store has not answered yet; nothing is promised to the client.
// - Open: bytes can be read.
// - Failed: failure() says why. Before Open the client gets that error; after it the
//   connection is cut, since the length was already promised.
//
// Threads: the thread that opened it only (the event loop); readyRead() is emitted there.
#include "tuserror.h"

#include <QObject>
#include <QString>

namespace qtus {

class ContentReader : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ContentReader)

public:
    enum class State { Opening, Open, Failed };

    using QObject::QObject;

    virtual State state() const = 0;
    // Up to maxSize bytes into data. 0: none yet, readyRead() follows. -1: failed (also
    // when the content ended before the length asked for).
    virtual qint64 read(char *data, qint64 maxSize) = 0;
    // When Failed: NotFound (gone meanwhile), StorageUnavailable (the store cannot be
    // reached) or StorageFailure.
    virtual TusError failure() const = 0;
    // For a log line: what is read and, once failed, why.
    virtual QString describe() const = 0;

signals:
    void readyRead();  // bytes arrived, or the state changed
};

} // namespace qtus

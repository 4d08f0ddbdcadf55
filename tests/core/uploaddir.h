#pragma once
// An upload directory for the cleanup tests: a temp dir, a manual clock, the locks and a
// store over the directory. The clock starts at the real time because the files' mtimes are
// real: an orphan's age is its mtime against this clock.
#include "fileuploadstore.h"
#include "uploadlocks.h"

#include <QFile>
#include <QTemporaryDir>

#include <fcntl.h>
#include <memory>
#include <sys/stat.h>

namespace qtus::test {

using namespace std::chrono_literals;

inline bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

// On the entry itself, never through a symlink: ages of links are set the same way.
inline bool setMtime(const QString &path, const QDateTime &when)
{
    const qint64 ms = when.toMSecsSinceEpoch();
    const struct timespec times[2] = {{time_t(ms / 1000), long(ms % 1000) * 1000000},
                                      {time_t(ms / 1000), long(ms % 1000) * 1000000}};
    return ::utimensat(AT_FDCWD, QFile::encodeName(path).constData(), times, AT_SYMLINK_NOFOLLOW) == 0;
}

// Whether the entry exists, a dangling symlink included.
inline bool isPresent(const QString &path)
{
    struct stat st;
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0;
}

class UploadDir
{
public:
    static constexpr Duration expireAfter = 24h;

    QTemporaryDir tmp;
    ManualClock clock{QDateTime::currentDateTimeUtc()};
    UploadLocks locks;
    std::unique_ptr<FileUploadStore> store;

    QString path(const QString &name) const { return tmp.path() + QLatin1Char('/') + name; }

    // A fresh store over the directory, as a restarted server would open it.
    bool open()
    {
        store.reset();
        store = std::make_unique<FileUploadStore>(tmp.path(), FsyncPolicy::Never, expireAfter, clock);
        QString error;
        return store->open(&error);
    }

    // size < 0: deferred length. Returns the id, empty on failure.
    QString createUpload(qint64 size, const QByteArray &bytes = {})
    {
        UploadInfo info;
        info.size = qMax<qint64>(size, 0);
        info.sizeIsDeferred = size < 0;
        if (store->create(info) != StoreStatus::Ok)
            return {};
        return bytes.isEmpty() || write(info.id, bytes) ? info.id : QString();
    }

    bool write(const QString &id, const QByteArray &bytes)
    {
        UploadWriter writer;
        if (store->openWriter(locks.tryLock(id), 0, &writer) != StoreStatus::Ok)
            return false;
        writer.append(bytes.constData(), bytes.size());
        return store->commit(writer) == StoreStatus::Ok;
    }

    // Both files of an upload are there, or neither: a pass never leaves half an upload.
    bool isWholeOrGone(const QString &id) const
    {
        return isPresent(store->dataPath(id)) == isPresent(store->infoPath(id));
    }
};

} // namespace qtus::test

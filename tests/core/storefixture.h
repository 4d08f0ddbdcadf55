#pragma once
// The common ground of the FileUploadStore suites: a store in a fresh QTemporaryDir with a
// manual clock, helpers to create and write uploads as the handler does, and file helpers.
#include "fileuploadstore.h"
#include "uploadlocks.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

Q_DECLARE_METATYPE(qtus::FsyncPolicy)

namespace storetest {

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

inline void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

inline QStringList filesIn(const QString &dir)
{
    QStringList names = QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    names.sort();
    return names;
}

// Base of a Qt Test class: QTest runs its init() and cleanup() around every test function.
class StoreTest : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_clock.set(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC));
    }
    void cleanup()
    {
        QCOMPARE(m_locks.count(), 0);  // no test leaves an upload locked
        m_tmp.reset();
    }

protected:
    std::unique_ptr<qtus::FileUploadStore> openStore(qtus::FsyncPolicy fsync = qtus::FsyncPolicy::Never)
    {
        using namespace std::chrono_literals;
        auto store = std::make_unique<qtus::FileUploadStore>(m_tmp->path(), fsync, 1h, m_clock);
        QString error;
        if (!store->open(&error))
            qWarning("open failed: %s", qPrintable(error));
        return store;
    }

    qtus::UploadInfo createUpload(qtus::FileUploadStore &store, qint64 size, const QByteArray &metadata = {})
    {
        qtus::UploadInfo info;
        info.size = size;
        info.metadataHeader = metadata;
        const qtus::StoreStatus status = store.create(info);
        if (status != qtus::StoreStatus::Ok)
            qWarning("create failed: %d", int(status));
        return info;
    }

    // One PATCH's worth: lock, open a writer, append, commit.
    qtus::StoreStatus write(qtus::FileUploadStore &store, const QString &id, const QByteArray &bytes, qint64 maxSize = 0)
    {
        qtus::UploadLock lock = m_locks.tryLock(id);
        if (!lock.isHeld())
            return qtus::StoreStatus::IoError;
        qtus::UploadWriter writer;
        const qtus::StoreStatus opened = store.openWriter(std::move(lock), maxSize, &writer);
        if (opened != qtus::StoreStatus::Ok)
            return opened;
        writer.append(bytes.constData(), bytes.size());
        return store.commit(writer);
    }

    std::unique_ptr<QTemporaryDir> m_tmp;
    qtus::ManualClock m_clock;
    qtus::UploadLocks m_locks;
};

} // namespace storetest

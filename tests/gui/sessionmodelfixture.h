#pragma once
// What the SessionTableModel suites share: a real FileUploadStore in a QTemporaryDir with a
// manual clock, the LocalSessionSource the model reads it through, and helpers that create,
// write and terminate uploads the way requests and the admin do. A suite derives from it beside QObject and calls setUp()/tearDown() from
// its init()/cleanup().
// Threads: the test's thread; createUpload() is also called from a worker thread.
#include "cleanupscheduler.h"
#include "fileuploadstore.h"
#include "localsessionsource.h"
#include "sessiontablemodel.h"
#include "uploadlocks.h"
#include "uploadmetadata.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace qtus {

class SessionModelFixture
{
protected:
    void setUp()
    {
        using namespace std::chrono_literals;
        m_tmp = std::make_unique<QTemporaryDir>();
        QVERIFY(m_tmp->isValid());
        m_clock = std::make_unique<ManualClock>();
        m_store = std::make_unique<FileUploadStore>(m_tmp->path(), FsyncPolicy::Never, 24h, *m_clock);
        QString error;
        QVERIFY2(m_store->open(&error), qPrintable(error));
        m_scheduler = std::make_unique<CleanupScheduler>(*m_store, m_locks, *m_clock, CleanupPolicy());
        m_source = std::make_unique<LocalSessionSource>(*m_store, m_locks, *m_scheduler, QUrl());
    }

    void tearDown()
    {
        m_source.reset();
        m_scheduler.reset();
        m_store.reset();
        m_tmp.reset();
    }

    QString createUpload(const QString &fileName, qint64 size, bool deferred = false)
    {
        UploadInfo info;
        info.size = deferred ? 0 : size;
        info.sizeIsDeferred = deferred;
        if (!fileName.isEmpty())
            info.metadataHeader = UploadMetadata::fromEntries({{"filename", fileName.toUtf8()}}).toHeader();
        if (m_store->create(info) != StoreStatus::Ok)
            qFatal("cannot create an upload in %s", qPrintable(m_tmp->path()));
        return info.id;
    }

    void write(const QString &id, qint64 bytes)
    {
        UploadWriter writer;
        QCOMPARE(m_store->openWriter(m_locks.tryLock(id), 0, &writer), StoreStatus::Ok);
        const QByteArray chunk(int(bytes), 'x');
        QCOMPARE(writer.append(chunk.constData(), chunk.size()), StoreStatus::Ok);
        QCOMPARE(m_store->commit(writer), StoreStatus::Ok);
    }

    void terminate(const QString &id)
    {
        UploadLock lock = m_locks.tryLock(id);
        QVERIFY(lock.isHeld());
        QCOMPARE(m_store->remove(id), StoreStatus::Ok);
    }

    std::unique_ptr<SessionTableModel> makeModel()
    {
        using namespace std::chrono_literals;
        auto model = std::make_unique<SessionTableModel>(*m_source, *m_clock);
        model->setFlushInterval(10ms);
        model->setRefreshInterval(1h);  // tests call refreshStates() or shorten it themselves
        return model;
    }

    static QStringList columnValues(const QAbstractItemModel &model, int column, int role = Qt::DisplayRole)
    {
        QStringList values;
        for (int row = 0; row < model.rowCount(); ++row)
            values << model.index(row, column).data(role).toString();
        return values;
    }

    std::unique_ptr<QTemporaryDir> m_tmp;
    std::unique_ptr<ManualClock> m_clock;
    std::unique_ptr<FileUploadStore> m_store;
    UploadLocks m_locks;
    std::unique_ptr<CleanupScheduler> m_scheduler;  // never started: LocalSessionSource needs one
    std::unique_ptr<LocalSessionSource> m_source;
};

} // namespace qtus

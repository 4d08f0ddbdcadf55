// The tus extensions follow from the store's capabilities (uploadstore.h): a store that
// cannot terminate, concatenate, defer a length or serve content takes that extension, its
// header and its method away, with a clear 400 or 405, and stores nothing for the refused
// request. The store here is the real FileUploadStore behind a forwarding wrapper that only
// reports fewer capabilities.
#include "fileuploadstore.h"
#include "tushandler.h"
#include "tusrequest.h"
#include "uploadlocks.h"

#include <QTemporaryDir>
#include <QTest>

using namespace qtus;
using namespace std::chrono_literals;

namespace {

class ReducedStore final : public UploadStore
{
public:
    ReducedStore(FileUploadStore &inner, StoreCapabilities capabilities) : m_inner(inner), m_capabilities(capabilities) {}
    bool open(QString *error) override { return m_inner.open(error); }
    QString location() const override { return m_inner.location(); }
    StoreCapabilities capabilities() const override { return m_capabilities; }
    const Clock &clock() const override { return m_inner.clock(); }
    Duration expireAfter() const override { return m_inner.expireAfter(); }
    std::optional<UploadInfo> find(const QString &id) const override { return m_inner.find(id); }
    QList<UploadInfo> sessions() const override { return m_inner.sessions(); }
    QStringList uploadIds() const override { return m_inner.uploadIds(); }
    int count() const override { return m_inner.count(); }
    qint64 storedBytes() const override { return m_inner.storedBytes(); }
    UploadIndex::StateTotals stateTotals(const QDateTime &now) const override { return m_inner.stateTotals(now); }
    StoreStatus create(UploadInfo &info, IdChoice idChoice) override { return m_inner.create(info, idChoice); }
    StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer) override
    {
        return m_inner.openWriter(std::move(lock), maxSize, writer);
    }
    StoreStatus commit(UploadWriter &writer, UploadInfo *after) override { return m_inner.commit(writer, after); }
    StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after) override
    {
        return m_inner.declareLength(id, length, after);
    }
    using UploadStore::remove;
    StoreStatus remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason) override
    {
        return m_inner.remove(id, bytesFreed, why, reason);
    }
    StoreStatus appendUpload(UploadWriter &writer, const QString &partId, qint64 length) override
    {
        return m_inner.appendUpload(writer, partId, length);
    }
    std::unique_ptr<ContentReader> openContent(const QString &id, qint64 offset, qint64 length) const override
    {
        return m_inner.openContent(id, offset, length);
    }
    QJsonObject hookStorage(const QString &id) const override { return m_inner.hookStorage(id); }

private:
    FileUploadStore &m_inner;
    StoreCapabilities m_capabilities;
};

TusRequest request(const QByteArray &method, const QByteArray &path, const QByteArrayList &headers)
{
    return test::tusRequest(method, path, headers);
}

} // namespace

Q_DECLARE_METATYPE(qtus::StoreCapabilities)

class TestStoreCapabilities : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_files = std::make_unique<FileUploadStore>(m_dir->path(), FsyncPolicy::Never, 1h, m_clock);
        QString error;
        QVERIFY2(m_files->open(&error), qPrintable(error));
    }

    void extensionsFollowTheCapabilities_data()
    {
        QTest::addColumn<StoreCapabilities>("capabilities");
        QTest::addColumn<QByteArray>("extensions");
        QTest::newRow("all") << StoreCapabilities{true, true, true, true}
                             << QByteArray("creation,creation-with-upload,creation-defer-length,expiration,termination,checksum,concatenation");
        QTest::newRow("none") << StoreCapabilities{} << QByteArray("creation,creation-with-upload,expiration,checksum");
        QTest::newRow("termination only") << StoreCapabilities{true, false, false, false}
                                          << QByteArray("creation,creation-with-upload,expiration,termination,checksum");
        QTest::newRow("concatenation only") << StoreCapabilities{false, true, false, false}
                                            << QByteArray("creation,creation-with-upload,expiration,checksum,concatenation");
        QTest::newRow("deferred length only") << StoreCapabilities{false, false, true, false}
                                              << QByteArray("creation,creation-with-upload,creation-defer-length,expiration,checksum");
    }
    void extensionsFollowTheCapabilities()
    {
        QFETCH(StoreCapabilities, capabilities);
        QFETCH(QByteArray, extensions);
        ReducedStore store(*m_files, capabilities);
        TusHandler handler(config(), store, m_locks, m_clock);
        QCOMPARE(handler.extensions(), extensions);
        QCOMPARE(handler.handle(request("OPTIONS", "/files/", {})).header("Tus-Extension"), extensions);
    }

    void refusedExtensionsStoreNothing()
    {
        ReducedStore store(*m_files, StoreCapabilities{});
        TusHandler handler(config(), store, m_locks, m_clock);
        const TusResponse deferred = handler.handle(request("POST", "/files/", {"Upload-Defer-Length: 1"}));
        QCOMPARE(deferred.status, 400);
        QVERIFY(deferred.body.contains("does not support"));
        const TusResponse partial = handler.handle(request("POST", "/files/", {"Upload-Length: 5", "Upload-Concat: partial"}));
        QCOMPARE(partial.status, 400);
        QCOMPARE(m_files->count(), 0);

        const TusResponse created = handler.handle(request("POST", "/files/", {"Upload-Length: 3"}));
        QCOMPARE(created.status, 201);
        const QByteArray location = created.header("Location");
        const QByteArray path = location.mid(location.indexOf("/files/"));
        const TusResponse deleted = handler.handle(request("DELETE", path, {}));
        QCOMPARE(deleted.status, 405);
        QVERIFY(!deleted.header("Allow").contains("DELETE"));
        QCOMPARE(handler.handle(request("GET", path, {})).status, 405);
        QCOMPARE(m_files->count(), 1);  // still there
    }

    void everyCapabilityServesItsExtension()
    {
        ReducedStore store(*m_files, StoreCapabilities{true, true, true, true});
        TusHandler handler(config(), store, m_locks, m_clock);
        QCOMPARE(handler.handle(request("POST", "/files/", {"Upload-Defer-Length: 1"})).status, 201);
        const TusResponse created = handler.handle(request("POST", "/files/", {"Upload-Length: 0"}));
        QCOMPARE(created.status, 201);
        const QByteArray location = created.header("Location");
        const QByteArray path = location.mid(location.indexOf("/files/"));
        QCOMPARE(handler.handle(request("GET", path, {})).status, 200);
        QCOMPARE(handler.handle(request("DELETE", path, {})).status, 204);
    }

private:
    ServerConfig config() const
    {
        ServerConfig c;
        c.dir = m_dir->path();
        c.expireAfter = 1h;
        return c;
    }
    ManualClock m_clock;
    UploadLocks m_locks;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FileUploadStore> m_files;
};

QTEST_GUILESS_MAIN(TestStoreCapabilities)
#include "tst_storecapabilities.moc"

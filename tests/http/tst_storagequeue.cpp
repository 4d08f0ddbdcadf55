// Creations and commits on the storage workers, over real sockets: while one upload's file
// work is stuck (a slow disk, simulated by a storage call that waits for the test), other
// connections are answered; the stuck request is answered once its work is done, after
// everything pipelined before it and before everything after it; a client gone meanwhile
// keeps its bytes; a stop delivers the answers of work already done.
#include "intakefixture.h"
#include "racepoints.h"
#include "pipelinedclient.h"

#include <QSemaphore>
#include <QTest>

#include <unistd.h>

using namespace qtus;

namespace {


// A storage call held until the test lets it go (at most 10 s, so a server that made the
// call on the event-loop thread, where the test itself runs, stalls the suite instead of
// hanging it). One release of mayGo lets one call through.
struct Gate
{
    QSemaphore entered;
    QSemaphore mayGo;
    void pass()
    {
        entered.release();
        mayGo.tryAcquire(1, 10000);
    }
    bool reached() const { return entered.available() > 0; }
};
Gate writeGate;  // every storage write (data and .info)
Gate syncGate;   // an upload's fdatasync at commit (only under --fsync always)
ssize_t stallingWrite(int fd, const void *data, size_t size)
{
    writeGate.pass();
    return ::write(fd, data, size);
}
int stallingSync(int fd)
{
    syncGate.pass();
    return ::fdatasync(fd);
}

// While it lives, the writes or the syncs of storage wait at their gate.
struct Stalled
{
    enum Call { Writes, Syncs };
    explicit Stalled(Call call)
    {
        for (Gate *gate : {&writeGate, &syncGate}) {
            gate->entered.acquire(gate->entered.available());
            gate->mayGo.acquire(gate->mayGo.available());
        }
        StorageCalls calls;
        if (call == Writes)
            calls.write = stallingWrite;
        else
            calls.fdatasync = stallingSync;
        setStorageCallsForTesting(calls);
    }
    ~Stalled() { setStorageCallsForTesting(StorageCalls{}); }
};

// Sends a POST and waits until its .info write is stalled on a storage worker.
bool postAndStall(PipelinedClient &poster)
{
    poster.sendRequest(wire::post(10));
    return poster.waitUntil([] { return writeGate.reached(); });
}

} // namespace

class tst_StorageQueue : public QObject
{
    Q_OBJECT

private slots:
    void slowCreationStallsNoOtherConnection();
    void pipelinedRequestsAfterACreationWaitForIt();
    void stopAnswersCreationsInFlight();
    void stopAnswersWhatWaitedBehindAJob();
    void slowCommitStallsNoOtherConnection();
    void clientGoneDuringCommitKeepsItsBytes();
    void finalsAssembleBesideOtherUploads();
};

void tst_StorageQueue::slowCreationStallsNoOtherConnection()
{
    // A creation's file-system work runs on a storage worker: while the .info write of one
    // POST is stuck (a slow disk), HEADs on other connections are answered, and the POST gets
    // its 201 once the write goes through.
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    const Stalled stalled(Stalled::Writes);
    PipelinedClient poster;
    QVERIFY(poster.connectTo(s.port()));
    QVERIFY(postAndStall(poster));
    PipelinedClient checker;
    QVERIFY(checker.connectTo(s.port()));
    checker.sendRequest(wire::head(path));
    QVERIFY(checker.waitForResponses(1, 5000));
    QCOMPARE(checker.responses().at(0).status, 200);
    QVERIFY2(poster.responses().isEmpty(), "the creation was answered before its .info was written");

    writeGate.mayGo.release();
    QVERIFY(poster.waitForResponses(1));
    QCOMPARE(poster.responses().at(0).status, 201);
    QCOMPARE(s.offset(pathOf(poster.responses().at(0))), qint64(0));
    QCOMPARE(s.server().store().count(), 2);
}

void tst_StorageQueue::pipelinedRequestsAfterACreationWaitForIt()
{
    // Requests pipelined behind a POST are answered after its 201, in order, although the
    // creation finishes on another thread.
    ServerUnderTest s;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(3);
    PipelinedClient client;
    client.setSegmentation(9, 7);
    QVERIFY(client.connectTo(s.port()));
    for (int i = 0; i < 5; ++i) {
        client.sendRequest(wire::post(100 + i));
        client.sendRequest(wire::head(path));
    }
    client.sendRequest(wire::patch(path, 0, "abc"));
    client.sendRequest(wire::post(7));
    client.sendRequest(wire::head(path));
    QVERIFY(client.waitForResponses(13));
    for (int i = 0; i < 5; ++i) {
        const RawResponse &created = client.responses().at(2 * i);
        QCOMPARE(created.status, 201);
        QCOMPARE(created.header("Upload-Offset"), QByteArray("0"));
        const auto info = s.server().store().find(ServerUnderTest::idOf(pathOf(created)));
        QVERIFY(info);
        QCOMPARE(info->size, qint64(100 + i));  // the answers match their requests
        QCOMPARE(client.responses().at(2 * i + 1).status, 200);
        QCOMPARE(client.responses().at(2 * i + 1).header("Upload-Offset"), QByteArray("0"));
    }
    QCOMPARE(client.responses().at(10).status, 204);
    QCOMPARE(client.responses().at(11).status, 201);
    QCOMPARE(client.responses().at(12).header("Upload-Offset"), QByteArray("3"));
    QCOMPARE(s.server().store().count(), 7);
}

void tst_StorageQueue::stopAnswersCreationsInFlight()
{
    // A stop while a creation runs on a worker waits for it and sends its 201 before the
    // connection closes: the upload exists, so its client must learn where.
    ServerUnderTest s;
    QVERIFY(s.start());
    const Stalled stalled(Stalled::Writes);
    PipelinedClient poster;
    QVERIFY(poster.connectTo(s.port()));
    QVERIFY(postAndStall(poster));
    // The write may go now, but nothing runs this thread's event loop before stop(): the
    // answer is at best queued when stop() starts, and stop() must deliver it.
    writeGate.mayGo.release();
    s.server().stop();
    QVERIFY(poster.waitForResponses(1));
    QCOMPARE(poster.responses().at(0).status, 201);
    QCOMPARE(s.server().store().count(), 1);
}

void tst_StorageQueue::stopAnswersWhatWaitedBehindAJob()
{
    // Two POSTs in one segment: the second waits in the intake's buffer while the first runs
    // on a worker. When stop() hands back the first answer, the connection goes on to the
    // second, which becomes a job of its own; stop() must wait for that one too and answer it.
    ServerUnderTest s;
    QVERIFY(s.start());
    const Stalled stalled(Stalled::Writes);
    PipelinedClient poster;
    QVERIFY(poster.connectTo(s.port()));
    poster.sendRequest(wire::post(10) + wire::post(11));
    QVERIFY(poster.waitUntil([] { return writeGate.reached(); }));
    writeGate.mayGo.release(16);  // every write from here on may go
    s.server().stop();
    QVERIFY(poster.waitForResponses(2));
    QCOMPARE(poster.responses().at(0).status, 201);
    QCOMPARE(poster.responses().at(1).status, 201);
    QCOMPARE(s.server().store().count(), 2);
}

void tst_StorageQueue::slowCommitStallsNoOtherConnection()
{
    // A PATCH is answered once its bytes are durable (rule P7), but its fdatasync runs on a
    // storage worker: while it is stuck, HEADs on other connections are answered, and
    // they still see the old offset (durable, then visible).
    ServerUnderTest s;
    s.config.fsync = FsyncPolicy::Always;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(10);
    const QByteArray other = s.createUpload(5);
    const Stalled stalled(Stalled::Syncs);
    PipelinedClient patcher;
    QVERIFY(patcher.connectTo(s.port()));
    patcher.sendRequest(wire::patch(path, 0, "0123456789"));
    QVERIFY(patcher.waitUntil([] { return syncGate.reached(); }));

    PipelinedClient checker;
    QVERIFY(checker.connectTo(s.port()));
    checker.sendRequest(wire::head(other));
    checker.sendRequest(wire::head(path));
    QVERIFY(checker.waitForResponses(2, 5000));
    QCOMPARE(checker.responses().at(0).status, 200);
    QCOMPARE(checker.responses().at(1).header("Upload-Offset"), QByteArray("0"));
    QVERIFY2(patcher.responses().isEmpty(), "the PATCH was answered before its bytes were synced");

    syncGate.mayGo.release(2);  // the commit's sync (and one spare)
    QVERIFY(patcher.waitForResponses(1));
    QCOMPARE(patcher.responses().at(0).status, 204);
    QCOMPARE(patcher.responses().at(0).header("Upload-Offset"), QByteArray("10"));
    QCOMPARE(s.offset(path), qint64(10));
}

void tst_StorageQueue::clientGoneDuringCommitKeepsItsBytes()
{
    // The client disconnects while its PATCH's commit is on a worker: nobody gets the 204,
    // but the bytes are committed all the same.
    ServerUnderTest s;
    s.config.fsync = FsyncPolicy::Always;
    QVERIFY(s.start());
    const QByteArray path = s.createUpload(6);
    const Stalled stalled(Stalled::Syncs);
    {
        PipelinedClient patcher;
        QVERIFY(patcher.connectTo(s.port()));
        patcher.sendRequest(wire::patch(path, 0, "abcdef"));
        QVERIFY(patcher.waitUntil([] { return syncGate.reached(); }));
        patcher.socket().abort();
    }
    syncGate.mayGo.release(2);
    QTRY_COMPARE(s.offset(path), qint64(6));
    QCOMPARE(s.storedBytes(path), QByteArray("abcdef"));
}

void tst_StorageQueue::finalsAssembleBesideOtherUploads()
{
    // Final uploads are assembled one at a time on a worker of their own. With as many
    // finals stuck mid-copy as there are storage workers (and more), a creation and a commit
    // of other uploads are still answered: no copy holds up the shared workers.
    ServerUnderTest s;
    QVERIFY(s.start());
    QSemaphore entered, mayGo;
    setRaceHookForTesting([&](RacePoint point, const QString &) {
        if (point != RacePoint::ConcatBetweenParts)
            return;
        entered.release();
        mayGo.tryAcquire(1, 20000);
    });
    constexpr int finals = 5;  // more than the storage queue's 2-4 workers
    QByteArrayList parts;  // two for each final: no final waits for another's part locks
    for (int i = 0; i < 2 * finals; ++i) {
        PipelinedClient creator;
        QVERIFY(creator.connectTo(s.port()));
        creator.sendRequest("POST /files/ HTTP/1.1\r\n" + wire::hostAndVersion + wire::octets
                            + "Upload-Concat: partial\r\nUpload-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
        QVERIFY(creator.waitForResponses(1));
        QCOMPARE(creator.responses().constFirst().status, 201);
        parts << pathOf(creator.responses().constFirst());
    }
    std::vector<std::unique_ptr<PipelinedClient>> assemblers;
    for (int i = 0; i < finals; ++i) {
        assemblers.push_back(std::make_unique<PipelinedClient>());
        QVERIFY(assemblers.back()->connectTo(s.port()));
        assemblers.back()->sendRequest("POST /files/ HTTP/1.1\r\n" + wire::hostAndVersion + "Upload-Concat: final;"
                                       + parts.mid(2 * i, 2).join(' ') + "\r\nContent-Length: 0\r\n\r\n");
    }
    QVERIFY(assemblers.front()->waitUntil([&] { return entered.available() > 0; }));

    const QByteArray other = s.createUpload(5);
    PipelinedClient client;
    QVERIFY(client.connectTo(s.port()));
    client.sendRequest(wire::post(10));
    client.sendRequest(wire::patch(other, 0, "hello"));
    QVERIFY(client.waitForResponses(2, 5000));
    QCOMPARE(client.responses().at(0).status, 201);
    QCOMPARE(client.responses().at(1).status, 204);
    QCOMPARE(entered.available(), 1);  // one final at a time

    mayGo.release(finals);
    for (const auto &assembler : assemblers) {
        QVERIFY(assembler->waitForResponses(1, 20000));
        QCOMPARE(assembler->responses().constFirst().status, 201);
        QCOMPARE(s.storedBytes(pathOf(assembler->responses().constFirst())), QByteArray("abcabc"));
    }
    setRaceHookForTesting({});
}

QTEST_GUILESS_MAIN(tst_StorageQueue)
#include "tst_storagequeue.moc"

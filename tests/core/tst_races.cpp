// Requests that race for one upload, run at the exact moment through the race points
// (racepoints.h): a commit that lands between a PATCH's offset check and its lock, and a
// DELETE or cleanup pass that reaches a part while a final upload is being assembled from it.
// Timing cannot arrange these; the hooks make each interleaving happen every run.
#include "cleanuppass.h"
#include "racepoints.h"
#include "tushandlerfixture.h"

using namespace qtus;
using namespace qtus::test;

class tst_Races : public QObject, private TusHandlerFixture
{
    Q_OBJECT
private slots:
    void init() { setUpFixture(); }
    void cleanup() { setRaceHookForTesting({}); }

    void commitBetweenOffsetCheckAndLock();
    void partDeletedWhileFinalIsAssembled();
    void cleanupReachesPartWhileFinalIsAssembled();

private:
    QByteArray partial(const QByteArray &bytes)
    {
        const TusResponse r = send("POST", "/files/", {"Upload-Concat: partial", "Upload-Length: " + QByteArray::number(bytes.size()),
                                                       octet}, bytes);
        return r.status == 201 ? pathOf(r) : QByteArray();
    }
};

void tst_Races::commitBetweenOffsetCheckAndLock()
{
    // Two PATCHes at offset 3: the second passes its offset check, then, before it takes the
    // lock, the first commits. The second must see the new offset under the lock and answer
    // 409, or its bytes land at offset 5 while its client believes they went to offset 3.
    const QString id = prepare("10:abc");
    const QByteArray url = "/files/" + id.toLatin1();
    int raced = 0;
    setRaceHookForTesting([&](RacePoint point, const QString &racedId) {
        if (point != RacePoint::PatchBeforeLock || raced++ > 0)
            return;  // the inner PATCH below passes the point undisturbed
        QCOMPARE(racedId, id);
        QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 3"}, "de").status, 204);
    });
    const TusResponse late = send("PATCH", url, {octet, "Upload-Offset: 3"}, "XY");
    QCOMPARE(raced, 2);  // the late PATCH, and inside its hook the first one
    QCOMPARE(late.status, 409);
    checkHygiene("PATCH", late);
    QCOMPARE(bytesOf(id), QByteArray("abcde"));
    checkHeaders(send("HEAD", url), {"Upload-Offset: 5"});
    QCOMPARE(m_locks.count(), 0);
    // The client of the late PATCH resumes from HEAD's offset and finishes the upload.
    QCOMPARE(send("PATCH", url, {octet, "Upload-Offset: 5"}, "fghij").status, 204);
    QCOMPARE(bytesOf(id), QByteArray("abcdefghij"));
}

void tst_Races::partDeletedWhileFinalIsAssembled()
{
    // A final upload holds every part's lock until its bytes are copied: a DELETE of a part
    // between two copies gets 423, and the final gets every part's bytes.
    const QByteArray a = partial("abc"), b = partial("de"), c = partial("fgh");
    QVERIFY(!a.isEmpty() && !b.isEmpty() && !c.isEmpty());
    QList<int> deleteStatus;
    setRaceHookForTesting([&](RacePoint point, const QString &nextPart) {
        if (point != RacePoint::ConcatBetweenParts)
            return;
        // The part about to be copied, and the one already copied.
        deleteStatus << send("DELETE", "/files/" + nextPart.toLatin1()).status << send("DELETE", a).status;
    });
    const TusResponse final = send("POST", "/files/", {"Upload-Concat: final;" + a + ' ' + b + ' ' + c});
    QCOMPARE(final.status, 201);
    QCOMPARE(deleteStatus, QList<int>({423, 423, 423, 423}));  // before b, before c
    QCOMPARE(bytesOf(QString::fromLatin1(pathOf(final).mid(7))), QByteArray("abcdefgh"));
    for (const QByteArray &part : {a, b, c})
        QCOMPARE(send("HEAD", part).status, 200);
    QCOMPARE(m_locks.count(), 0);
    setRaceHookForTesting({});
    QCOMPARE(send("DELETE", b).status, 204);  // free once the final is done
}

void tst_Races::cleanupReachesPartWhileFinalIsAssembled()
{
    // The same for a cleanup pass: parts whose keep-completed time has passed are due, but a
    // pass that runs while the final copies them skips them as in flight.
    const QByteArray a = partial("abc"), b = partial("de");
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    CleanupPolicy policy;
    policy.expireAfter = 1h;
    policy.keepCompleted = 1min;
    m_clock.advance(2min);
    CleanupReport during;
    setRaceHookForTesting([&](RacePoint point, const QString &) {
        if (point == RacePoint::ConcatBetweenParts)
            during = CleanupPass(*m_store, m_locks, m_clock, policy).run();
    });
    const TusResponse final = send("POST", "/files/", {"Upload-Concat: final;" + a + ' ' + b});
    QCOMPARE(final.status, 201);
    QCOMPARE(during.removed, 0);
    QCOMPARE(during.skippedInFlight, 2);  // both parts (the final is neither complete nor expired)
    QCOMPARE(bytesOf(QString::fromLatin1(pathOf(final).mid(7))), QByteArray("abcde"));
    setRaceHookForTesting({});
    QCOMPARE(CleanupPass(*m_store, m_locks, m_clock, policy).run().removed, 2);  // the parts, now
}

QTEST_GUILESS_MAIN(tst_Races)
#include "tst_races.moc"

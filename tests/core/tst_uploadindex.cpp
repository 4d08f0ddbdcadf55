// UploadIndex keeps every field of an UploadInfo through its compact form (16-byte ids,
// dates as milliseconds, flags in a byte) but the details it leaves in the .info (metadata
// past maxInlineMetadata, a final's parts), and refuses ids the store never writes.
#include "uploadindex.h"

#include <QTest>

using namespace qtus;

class tst_UploadIndex : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsEveryField();
    void leavesLargeDetailsElsewhere();
    void refusesOtherIds_data();
    void refusesOtherIds();
    void keysValuesRemove();
};

void tst_UploadIndex::roundTripsEveryField()
{
    UploadInfo info;
    info.id = QStringLiteral("0123456789abcdeffedcba9876543210");
    info.size = 123456789012;
    info.offset = 42;
    info.sizeIsDeferred = true;
    info.isPartial = true;
    info.isFinal = false;
    info.metadataHeader = "filename aGVsbG8udHh0,is_confidential";
    info.createdAt = QDateTime(QDate(2026, 11, 28), QTime(21, 0, 0, 123), Qt::UTC);
    info.lastActivityAt = QDateTime(QDate(2026, 11, 28), QTime(23, 30, 0), Qt::OffsetFromUTC, 3600);  // any zone: same instant
    UploadIndex index;
    QVERIFY(index.insert(info));
    auto found = index.find(info.id);
    QVERIFY(found);
    QCOMPARE(found->id, info.id);
    QCOMPARE(found->size, info.size);
    QCOMPARE(found->offset, info.offset);
    QCOMPARE(found->sizeIsDeferred, true);
    QCOMPARE(found->isPartial, true);
    QCOMPARE(found->isFinal, false);
    QCOMPARE(found->metadataHeader, info.metadataHeader);
    QCOMPARE(found->createdAt, info.createdAt);
    QCOMPARE(found->lastActivityAt, info.lastActivityAt);
    QVERIFY(!found->completedAt.isValid());

    info.sizeIsDeferred = false;
    info.isPartial = false;
    info.isFinal = true;
    info.completedAt = info.createdAt.addDays(-400);
    QVERIFY(index.insert(info));  // replaces
    QCOMPARE(index.size(), 1);
    found = index.find(info.id);
    QCOMPARE(found->sizeIsDeferred, false);
    QCOMPARE(found->isPartial, false);
    QCOMPARE(found->isFinal, true);
    QCOMPARE(found->completedAt, info.completedAt);
}

void tst_UploadIndex::leavesLargeDetailsElsewhere()
{
    UploadIndex index;
    UploadInfo info;
    info.id = QStringLiteral("0123456789abcdeffedcba9876543210");
    info.metadataHeader = QByteArray(UploadIndex::maxInlineMetadata, 'm');
    QVERIFY(index.insert(info));
    bool elsewhere = true;
    QCOMPARE(index.find(info.id, &elsewhere)->metadataHeader, info.metadataHeader);
    QVERIFY(!elsewhere);

    info.metadataHeader += 'm';  // one byte more: left in the .info, and said so
    QVERIFY(index.insert(info));
    QCOMPARE(index.find(info.id, &elsewhere)->metadataHeader, QByteArray());
    QVERIFY(elsewhere);

    info.metadataHeader = "filename eA==";
    info.isFinal = true;
    info.partialUploads = {QStringLiteral("0123456789abcdef0123456789abcdef")};
    QVERIFY(index.insert(info));
    const auto final = index.find(info.id, &elsewhere);
    QVERIFY(elsewhere);
    QVERIFY(final->partialUploads.isEmpty());

    // Progress and a declared length leave the flag alone.
    QVERIFY(index.setProgress(info.id, 7, info.createdAt, QDateTime()));
    QVERIFY(index.setLength(info.id, 9));
    QCOMPARE(index.find(info.id, &elsewhere)->offset, qint64(7));
    QCOMPARE(index.find(info.id)->size, qint64(9));
    QVERIFY(elsewhere);
    QList<bool> flags;
    QCOMPARE(index.values(&flags).size(), 1);
    QCOMPARE(flags, QList<bool>{true});
}

void tst_UploadIndex::refusesOtherIds_data()
{
    QTest::addColumn<QString>("id");
    QTest::addRow("upper case") << QStringLiteral("0123456789ABCDEF0123456789abcdef");
    QTest::addRow("31 characters") << QStringLiteral("0123456789abcdef0123456789abcde");
    QTest::addRow("33 characters") << QStringLiteral("0123456789abcdef0123456789abcdef0");
    QTest::addRow("not hex") << QStringLiteral("0123456789abcdef0123456789abcdeg");
    QTest::addRow("path") << QStringLiteral("../3456789abcdef0123456789abcdef");
    QTest::addRow("empty") << QString();
}

void tst_UploadIndex::refusesOtherIds()
{
    QFETCH(QString, id);
    UploadIndex index;
    UploadInfo info;
    info.id = id;
    QVERIFY(!index.insert(info));
    QCOMPARE(index.size(), 0);
    QVERIFY(!index.find(id));
    QVERIFY(!index.remove(id));
}

void tst_UploadIndex::keysValuesRemove()
{
    UploadIndex index;
    QStringList ids;
    qint64 total = 0;
    for (int i = 0; i < 100; ++i) {
        UploadInfo info;
        info.id = QString::number(quint64(i) * 0x9e3779b97f4a7c15ULL, 16).rightJustified(32, QLatin1Char('0'));
        info.offset = i;
        total += i;
        QVERIFY(index.insert(info));
        ids << info.id;
    }
    QStringList keys = index.keys();
    keys.sort();
    ids.sort();
    QCOMPARE(keys, ids);
    QCOMPARE(index.values().size(), 100);
    QCOMPARE(index.totalOffset(), total);
    QVERIFY(index.remove(ids.first()));
    QVERIFY(!index.remove(ids.first()));
    QVERIFY(!index.find(ids.first()));
    QCOMPARE(index.size(), 99);
}

QTEST_GUILESS_MAIN(tst_UploadIndex)
#include "tst_uploadindex.moc"

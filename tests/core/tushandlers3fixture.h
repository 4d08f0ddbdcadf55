#pragma once
// The S3 side of TusHandlerFixture (built with QTUS_TEST_S3_STORE): a fresh key prefix on
// the tests' RGW for every test, the S3UploadStore on it, and what the checks read back from
// S3 itself: the objects and multipart uploads under the prefix, and an upload's bytes (its
// completed object, or before completion its tail object; bytes already in parts cannot be
// read back from S3 and read as "<in parts>", which no check expects).
//
// Threads: the test's thread only.
#include "s3testenv.h"
#include "s3uploadstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <memory>

namespace qtus::test {

class S3FixtureBucket
{
public:
    QString problem;

    bool newPrefix()
    {
        if (!m_session) {
            const auto config = s3test::configForTests(&problem);
            if (!config)
                return false;
            m_config = *config;
            m_session = std::make_unique<S3Session>(m_config);
        }
        m_prefix = QStringLiteral("handler-%1/").arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0'));
        return true;
    }

    std::unique_ptr<S3UploadStore> makeStore(const QString &staging, Duration expireAfter, const Clock &clock) const
    {
        S3StoreSettings settings;
        settings.s3 = m_config;
        settings.prefix = m_prefix;
        settings.stagingDirectory = staging;
        settings.expireAfter = expireAfter;
        auto store = std::make_unique<S3UploadStore>(settings, clock);
        QString error;
        if (!store->open(&error))
            qWarning("the S3 store did not open: %s", qPrintable(error));
        return store;
    }

    // Keys under the prefix (without it), and "mpu:<key>" for every multipart upload under way.
    QStringList items() const
    {
        QStringList found;
        QString token;
        do {
            const auto page = m_session->call<S3ObjectPage>([&](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
                c.listObjects(m_prefix, token, 1000, nullptr, done);
            });
            if (!page.ok())
                return {QStringLiteral("<listing failed: %1>").arg(page.error->describe())};
            for (const S3ObjectInfo &o : page.value.objects)
                found << o.key.mid(m_prefix.size());
            token = page.value.truncated ? page.value.nextContinuationToken : QString();
        } while (!token.isEmpty());
        const auto uploads = m_session->call<S3UploadPage>([&](S3Client &c, S3Client::Callback<S3UploadPage> done) {
            c.listMultipartUploads(m_prefix, QString(), QString(), 1000, nullptr, done);
        });
        if (!uploads.ok())
            return {QStringLiteral("<listing failed: %1>").arg(uploads.error->describe())};
        for (const S3MultipartUpload &u : uploads.value.uploads)
            found << QStringLiteral("mpu:") + u.key.mid(m_prefix.size());
        return found;
    }

    static QString ownerOf(QString item)
    {
        if (item.startsWith(QStringLiteral("mpu:")))
            item = item.mid(4);
        return item.left(item.indexOf(QLatin1Char('.')) < 0 ? item.size() : item.indexOf(QLatin1Char('.')));
    }

    int itemsOf(const QString &id) const
    {
        int n = 0;
        for (const QString &item : items())
            n += ownerOf(item) == id;
        return n;
    }

    QByteArray bytesOf(const S3UploadStore &store, const QString &id) const
    {
        const auto info = store.find(id);
        if (!info)
            return "<gone>";
        if (info->isComplete()) {
            if (info->size == 0)
                return QByteArray();
            const auto got = m_session->getSmallObject(store.objectKey(id), 64 * 1024 * 1024);
            return got.ok() ? got.value : "<no object: " + got.error->describe().toUtf8() + '>';
        }
        const auto described = m_session->getSmallObject(store.infoKey(id), 1024 * 1024);
        if (!described.ok())
            return "<no .info>";
        const QJsonObject s3 = QJsonDocument::fromJson(described.value).object().value(QStringLiteral("S3")).toObject();
        if (!s3.value(QStringLiteral("Parts")).toArray().isEmpty())
            return "<in parts>";
        const QString tail = s3.value(QStringLiteral("Tail")).toString();
        if (tail.isEmpty())
            return QByteArray();
        const auto got = m_session->getSmallObject(tail, 64 * 1024 * 1024);
        return got.ok() ? got.value : "<no tail: " + got.error->describe().toUtf8() + '>';
    }

    // Every item under the prefix belongs to an upload the store lists, and each of those
    // has its .info: a refused or failed request leaves nothing behind.
    void checkItems(const S3UploadStore &store) const
    {
        const QStringList ids = store.uploadIds();
        const QStringList all = items();
        for (const QString &item : all)
            QVERIFY2(ids.contains(ownerOf(item)), qPrintable(QStringLiteral("left behind: ") + item));
        for (const QString &id : ids)
            QVERIFY2(all.contains(id + QStringLiteral(".info")), qPrintable(id));
    }

private:
    S3Config m_config;
    std::unique_ptr<S3Session> m_session;
    QString m_prefix;
};

} // namespace qtus::test

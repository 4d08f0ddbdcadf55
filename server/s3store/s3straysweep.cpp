// S3UploadStore's strays for the cleanup pass: multipart uploads and objects under the prefix
// that no <id>.info describes (a crash between CreateMultipartUpload and the .info, or
// between a new tail object and the .info naming it). Listed before the pass lists the
// uploads, so an upload created in between is known by then; anything younger than
// --orphan-grace is left alone (a creation may be under way), and each removal is checked
// again under the upload's lock.
#include "cleanuppass.h"
#include "logging.h"
#include "s3uploadstore.h"
#include "uploadid.h"

#include <QSet>

namespace qtus {

namespace {

class S3StraySweep final : public StraySweep
{
public:
    S3StraySweep(S3UploadStore &store, S3Session &session, const QString &prefix, CleanupPass &pass)
        : m_store(store), m_session(session), m_prefix(prefix), m_pass(pass)
    {
        listUploads();
        listObjects();
    }

    void run(const QStringList &listed) override
    {
        const QSet<QString> known(listed.cbegin(), listed.cend());
        for (const S3MultipartUpload &u : m_uploads) {
            const QString id = u.key.mid(m_prefix.size());
            if (m_pass.isInterrupted() || known.contains(id) || !isStale(u.initiated))
                continue;
            ++m_pass.report().scanned;
            UploadLock lock = m_pass.locker().tryLock(id);
            if (!lock.isHeld() || m_store.lookup(id, nullptr) != StoreStatus::NotFound)
                continue;
            const auto aborted = m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> done) {
                c.abortMultipartUpload(u.key, u.uploadId, nullptr, done);
            });
            count(aborted, QStringLiteral("multipart upload of %1").arg(u.key));
        }
        for (const S3ObjectInfo &o : m_objects) {
            QString id = o.key.mid(m_prefix.size());
            id = id.left(id.indexOf(QLatin1Char('.')) < 0 ? id.size() : id.indexOf(QLatin1Char('.')));
            if (m_pass.isInterrupted() || !isValidUploadId(id) || o.key.endsWith(QLatin1String(".info"))
                || known.contains(id) || !isStale(o.lastModified))
                continue;
            ++m_pass.report().scanned;
            UploadLock lock = m_pass.locker().tryLock(id);
            if (!lock.isHeld() || m_store.lookup(id, nullptr) != StoreStatus::NotFound)
                continue;
            const auto deleted = m_session.call<std::monostate>([&](S3Client &c, S3Client::Callback<std::monostate> done) {
                c.deleteObject(o.key, nullptr, done);
            });
            count(deleted, o.key);
            if (deleted.ok())
                m_pass.report().bytesFreed += o.size;
        }
    }

private:
    bool isStale(const QDateTime &when) const
    {
        return when.isValid() && when.msecsTo(m_pass.now()) > m_pass.policy().orphanGrace.count();
    }
    void count(const S3Status &status, const QString &what)
    {
        if (status.ok()) {
            ++m_pass.report().removed;
            qCDebug(lcCleanup).noquote() << "removed stray" << what;
        } else if (!status.error->notFound()) {
            m_pass.fail(QStringLiteral("cannot remove stray %1: %2").arg(what, status.error->describe()));
        }
    }
    void listUploads()
    {
        QString keyMarker, idMarker;
        do {
            const auto page = m_session.call<S3UploadPage>([&](S3Client &c, S3Client::Callback<S3UploadPage> done) {
                c.listMultipartUploads(m_prefix, keyMarker, idMarker, 1000, nullptr, done);
            });
            if (!page.ok()) {
                m_pass.fail(QStringLiteral("cannot list multipart uploads: %1").arg(page.error->describe()));
                return;
            }
            m_uploads += page.value.uploads;
            keyMarker = page.value.truncated ? page.value.nextKeyMarker : QString();
            idMarker = page.value.nextUploadIdMarker;
        } while (!keyMarker.isEmpty());
    }
    void listObjects()
    {
        QString token;
        do {
            const auto page = m_session.call<S3ObjectPage>([&](S3Client &c, S3Client::Callback<S3ObjectPage> done) {
                c.listObjects(m_prefix, token, 1000, nullptr, done);
            });
            if (!page.ok()) {
                m_pass.fail(QStringLiteral("cannot list objects: %1").arg(page.error->describe()));
                return;
            }
            m_objects += page.value.objects;
            token = page.value.truncated ? page.value.nextContinuationToken : QString();
        } while (!token.isEmpty());
    }

    S3UploadStore &m_store;
    S3Session &m_session;
    const QString m_prefix;
    CleanupPass &m_pass;
    QList<S3MultipartUpload> m_uploads;
    QList<S3ObjectInfo> m_objects;
};

} // namespace

std::unique_ptr<StraySweep> S3UploadStore::scanStrays(CleanupPass &pass)
{
    return std::make_unique<S3StraySweep>(*this, m_session, m_settings.prefix, pass);
}

} // namespace qtus

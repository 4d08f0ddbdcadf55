// FileUploadStore's strays for the cleanup pass (see filestraysweep.h).
#include "filestraysweep.h"

#include "cleanuppass.h"
#include "logging.h"
#include "uploadlocks.h"

#include <QFile>
#include <QSet>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace qtus {

namespace {

QString systemError(int error) { return QString::fromLocal8Bit(strerror(error)); }

QDateTime modificationTime(const struct stat &st)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000, Qt::UTC);
}

bool isSymlink(const QString &path)
{
    struct stat st;
    return ::lstat(QFile::encodeName(path).constData(), &st) == 0 && S_ISLNK(st.st_mode);
}

} // namespace

bool FileUploadStore::isLeftAlone(const QString &id) const
{
    return isSymlink(dataPath(id)) || isSymlink(infoPath(id));
}

std::unique_ptr<StraySweep> FileUploadStore::scanStrays(CleanupPass &pass)
{
    return std::make_unique<FileStraySweep>(*this, pass);
}

FileStraySweep::FileStraySweep(FileUploadStore &store, CleanupPass &pass) : m_store(store), m_pass(pass)
{
    scanDirectory();
}

void FileStraySweep::run(const QStringList &listed)
{
    const QSet<QString> indexed(listed.cbegin(), listed.cend());
    for (auto it = m_disk.cbegin(); it != m_disk.cend() && !m_pass.isInterrupted(); ++it) {
        const QString &id = it.key();
        const DiskEntry &entry = it.value();
        if (entry.symlink) {
            qCDebug(lcCleanup).noquote() << "leaving" << id << "alone: one of its files is a symlink";
            continue;
        }
        if (entry.temp)
            considerOrphan(id, FileKind::InfoTemp);
        if (indexed.contains(id))
            continue;
        QString unreadable;
        if (entry.data && entry.info)
            considerUnindexedUpload(id);
        else if (entry.data)
            considerOrphan(id, FileKind::Data);
        else if (entry.info && m_store.readUpload(id, &unreadable))
            considerUnindexedUpload(id);  // an upload no byte has reached yet: judged by its state
        else if (entry.info)
            considerOrphan(id, FileKind::Info);  // describes nothing and holds no byte
    }
}

void FileStraySweep::scanDirectory()
{
    DIR *dir = ::opendir(QFile::encodeName(m_store.directory()).constData());
    if (!dir) {
        m_pass.fail(QStringLiteral("cannot list %1: %2").arg(m_store.directory(), systemError(errno)));
        return;
    }
    for (;;) {
        errno = 0;
        const dirent *entry = ::readdir(dir);
        if (!entry) {
            if (errno != 0)
                m_pass.fail(QStringLiteral("cannot list %1: %2").arg(m_store.directory(), systemError(errno)));
            break;
        }
        QString id;
        const auto kind = FileUploadStore::fileKindOf(QFile::decodeName(entry->d_name), &id);
        if (!kind)
            continue;  // not a name the store writes: never ours to judge
        bool symlink = entry->d_type == DT_LNK;
        if (entry->d_type == DT_UNKNOWN) {  // file systems that do not fill in d_type
            struct stat st;
            symlink = ::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        }
        DiskEntry &e = m_disk[id];
        e.symlink = e.symlink || symlink;
        switch (*kind) {
        case FileKind::Data: e.data = true; break;
        case FileKind::Info: e.info = true; break;
        case FileKind::InfoTemp: e.temp = true; break;
        }
    }
    ::closedir(dir);
}

// An upload the index does not know: a .info that open() could not read, or an upload
// copied in while the server runs. Its data file may be missing: no byte has arrived yet.
void FileStraySweep::considerUnindexedUpload(const QString &id)
{
    ++m_pass.report().scanned;
    const FileAge data = ageOf(m_store.dataPath(id));
    const FileAge info = ageOf(m_store.infoPath(id));
    // Young files may be an upload being created right now; other types are not the store's.
    if ((data != FileAge::Stale && data != FileAge::Missing) || info != FileAge::Stale)
        return;
    UploadLock lock = m_pass.locker().tryLock(id);
    if (!lock.isHeld()) {
        ++m_pass.report().skippedInFlight;
        return;
    }
    if (m_store.find(id))
        return;  // indexed since the scan: the next pass judges it by its state
    QString why;
    const auto upload = m_store.readUpload(id, &why);
    if (!upload) {
        // Left in place: what we cannot read may still be someone's data (a .info from a newer
        // tusd, a disk error); the admin decides, and the error says where to look.
        m_pass.fail(QStringLiteral("cannot read upload %1, left in place: %2").arg(id, why));
        return;
    }
    if (!CleanupPass::isDue(*upload, m_pass.now(), m_pass.policy()))
        return;
    qint64 freed = 0;
    const StoreStatus status = m_store.remove(id, &freed, &why, RemovalReason::Expired);
    m_pass.report().bytesFreed += freed;
    if (status == StoreStatus::Ok || status == StoreStatus::NotFound)  // NotFound: not indexed, as expected
        ++m_pass.report().removed;
    else
        m_pass.fail(why);
}

void FileStraySweep::considerOrphan(const QString &id, FileKind kind)
{
    ++m_pass.report().scanned;
    const QString path = m_store.filePath(id, kind);
    if (ageOf(path) != FileAge::Stale)
        return;
    UploadLock lock = m_pass.locker().tryLock(id);
    if (!lock.isHeld()) {  // e.g. a commit rewriting this upload's .info through the temp file
        ++m_pass.report().skippedInFlight;
        return;
    }
    // Under the lock: still unknown to the index (a temp file needs no such check, a live
    // write would hold the lock) and still untouched.
    if ((kind != FileKind::InfoTemp && m_store.find(id)) || ageOf(path) != FileAge::Stale)
        return;
    qint64 freed = 0;
    QString why;
    switch (m_store.removeOrphanFile(id, kind, &freed, &why)) {
    case StoreStatus::Ok:
        ++m_pass.report().removed;
        m_pass.report().bytesFreed += freed;
        qCDebug(lcCleanup).noquote() << "removed orphan" << path;
        break;
    case StoreStatus::NotFound:  // removed by someone else meanwhile
        break;
    default:
        m_pass.fail(why);
    }
}

FileStraySweep::FileAge FileStraySweep::ageOf(const QString &path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0) {
        if (errno != ENOENT)
            m_pass.fail(QStringLiteral("cannot inspect %1: %2").arg(path, systemError(errno)));
        return FileAge::Missing;
    }
    if (!S_ISREG(st.st_mode))
        return FileAge::NotRegular;
    return modificationTime(st).msecsTo(m_pass.now()) > m_pass.policy().orphanGrace.count() ? FileAge::Stale : FileAge::Fresh;
}

} // namespace qtus

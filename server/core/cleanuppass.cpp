#include "cleanuppass.h"

#include "logging.h"
#include "uploadlocks.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSet>

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace qtus {

namespace {

using FileKind = FileUploadStore::FileKind;

// A directory that turned read-only can fail every upload in a pass; past this many, errors
// are still counted but not logged one by one, so a pass over 100k uploads cannot flood the log.
constexpr int maxLoggedErrors = 50;

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

CleanupPass::CleanupPass(FileUploadStore &store, UploadLocker &locks, const Clock &clock, const CleanupPolicy &policy)
    : m_store(store), m_locks(locks), m_clock(clock), m_policy(policy)
{
}

bool CleanupPass::isDue(const UploadInfo &info, const QDateTime &now, const CleanupPolicy &policy)
{
    switch (info.stateAt(now, policy.expireAfter)) {
    case SessionState::Expired:
        return true;
    case SessionState::Active:
        return false;
    case SessionState::Completed:
        if (policy.keepCompleted <= Duration(0))
            return false;
        const QDateTime completed = info.completedAt.isValid() ? info.completedAt : info.lastActivityAt;
        return completed.isValid() && now >= completed.addMSecs(policy.keepCompleted.count());
    }
    return false;
}

CleanupReport CleanupPass::run(const QDateTime &startedAt, const std::atomic_bool *interrupt)
{
    QElapsedTimer elapsed;  // real time: the injected clock may stand still in tests
    elapsed.start();
    m_interrupt = interrupt;
    m_report = CleanupReport();
    m_now = m_clock.now();
    m_report.startedAt = startedAt.isValid() ? startedAt : m_now;

    // The directory first, then the index: an upload created in between is in the index and
    // judged by its state, never taken for an orphan. One created during the listing is
    // young, so the grace period protects it; every deletion re-checks under the lock anyway.
    const QHash<QString, DiskEntry> disk = scanDirectory();
    // Ids only, then one short find() each: copying every UploadInfo at once would hold the
    // store's mutex, and stall every HEAD, for as long as the copy takes.
    const QStringList ids = m_store.uploadIds();
    const QSet<QString> indexed(ids.cbegin(), ids.cend());

    for (const QString &id : ids) {
        if (isInterrupted())
            break;
        ++m_report.scanned;
        const auto info = m_store.find(id);
        if (info && isDue(*info, m_now, m_policy))
            removeUpload(id);
    }
    for (auto it = disk.cbegin(); it != disk.cend() && !isInterrupted(); ++it) {
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

    m_report.duration = Duration(elapsed.elapsed());
    qCInfo(lcCleanup).noquote() << QStringLiteral("cleanup pass: scanned %1, removed %2, freed %3, %4 error(s), "
                                                  "%5 skipped in flight, %6 ms%7")
                                       .arg(m_report.scanned)
                                       .arg(m_report.removed)
                                       .arg(formatBytes(m_report.bytesFreed))
                                       .arg(m_report.errors)
                                       .arg(m_report.skippedInFlight)
                                       .arg(m_report.duration.count())
                                       .arg(m_report.interrupted ? QStringLiteral(" (interrupted)") : QString());
    return m_report;
}

QHash<QString, CleanupPass::DiskEntry> CleanupPass::scanDirectory()
{
    QHash<QString, DiskEntry> found;
    DIR *dir = ::opendir(QFile::encodeName(m_store.directory()).constData());
    if (!dir) {
        fail(QStringLiteral("cannot list %1: %2").arg(m_store.directory(), systemError(errno)));
        return found;
    }
    for (;;) {
        errno = 0;
        const dirent *entry = ::readdir(dir);
        if (!entry) {
            if (errno != 0)
                fail(QStringLiteral("cannot list %1: %2").arg(m_store.directory(), systemError(errno)));
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
        DiskEntry &e = found[id];
        e.symlink = e.symlink || symlink;
        switch (*kind) {
        case FileKind::Data: e.data = true; break;
        case FileKind::Info: e.info = true; break;
        case FileKind::InfoTemp: e.temp = true; break;
        }
    }
    ::closedir(dir);
    return found;
}

void CleanupPass::removeUpload(const QString &id)
{
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld()) {  // a request is writing it; its commit will move the expiry anyway
        ++m_report.skippedInFlight;
        qCDebug(lcCleanup).noquote() << "skipping" << id << ": a request holds its lock";
        return;
    }
    // Judge again under the lock: since the scan the upload may have received bytes (a
    // commit moves its expiry) or been deleted by its client.
    const auto current = m_store.find(id);
    if (!current || !isDue(*current, m_now, m_policy))
        return;
    if (isSymlink(m_store.dataPath(id)) || isSymlink(m_store.infoPath(id))) {
        qCDebug(lcCleanup).noquote() << "leaving" << id << "alone: one of its files is a symlink";
        return;
    }
    qint64 freed = 0;
    QString why;
    const SessionState state = current->stateAt(m_now, m_policy.expireAfter);
    const StoreStatus status = m_store.remove(id, &freed, &why,
                                              state == SessionState::Expired ? RemovalReason::Expired : RemovalReason::Removed);
    m_report.bytesFreed += freed;
    if (status == StoreStatus::Ok) {
        ++m_report.removed;
        qCDebug(lcCleanup).noquote() << "removed" << id << sessionStateName(current->stateAt(m_now, m_policy.expireAfter));
    } else if (status != StoreStatus::NotFound) {
        fail(why);
    }
}

// An upload the index does not know: a .info that open() could not read, or an upload
// copied in while the server runs. Its data file may be missing: no byte has arrived yet.
void CleanupPass::considerUnindexedUpload(const QString &id)
{
    ++m_report.scanned;
    const FileAge data = ageOf(m_store.dataPath(id));
    const FileAge info = ageOf(m_store.infoPath(id));
    // Young files may be an upload being created right now; other types are not the store's.
    if ((data != FileAge::Stale && data != FileAge::Missing) || info != FileAge::Stale)
        return;
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld()) {
        ++m_report.skippedInFlight;
        return;
    }
    if (m_store.find(id))
        return;  // indexed since the scan: the next pass judges it by its state
    QString why;
    const auto upload = m_store.readUpload(id, &why);
    if (!upload) {
        // Left in place: what we cannot read may still be someone's data (a .info from a newer
        // tusd, a disk error); the admin decides, and the error says where to look.
        fail(QStringLiteral("cannot read upload %1, left in place: %2").arg(id, why));
        return;
    }
    if (!isDue(*upload, m_now, m_policy))
        return;
    qint64 freed = 0;
    const StoreStatus status = m_store.remove(id, &freed, &why, RemovalReason::Expired);
    m_report.bytesFreed += freed;
    if (status == StoreStatus::Ok || status == StoreStatus::NotFound)  // NotFound: not indexed, as expected
        ++m_report.removed;
    else
        fail(why);
}

void CleanupPass::considerOrphan(const QString &id, FileKind kind)
{
    ++m_report.scanned;
    const QString path = m_store.filePath(id, kind);
    if (ageOf(path) != FileAge::Stale)
        return;
    UploadLock lock = m_locks.tryLock(id);
    if (!lock.isHeld()) {  // e.g. a commit rewriting this upload's .info through the temp file
        ++m_report.skippedInFlight;
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
        ++m_report.removed;
        m_report.bytesFreed += freed;
        qCDebug(lcCleanup).noquote() << "removed orphan" << path;
        break;
    case StoreStatus::NotFound:  // removed by someone else meanwhile
        break;
    default:
        fail(why);
    }
}

CleanupPass::FileAge CleanupPass::ageOf(const QString &path)
{
    struct stat st;
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0) {
        if (errno != ENOENT)
            fail(QStringLiteral("cannot inspect %1: %2").arg(path, systemError(errno)));
        return FileAge::Missing;
    }
    if (!S_ISREG(st.st_mode))
        return FileAge::NotRegular;
    return modificationTime(st).msecsTo(m_now) > m_policy.orphanGrace.count() ? FileAge::Stale : FileAge::Fresh;
}

bool CleanupPass::isInterrupted()
{
    if (m_interrupt && m_interrupt->load(std::memory_order_relaxed))
        m_report.interrupted = true;
    return m_report.interrupted;
}

void CleanupPass::fail(const QString &message)
{
    ++m_report.errors;
    if (m_report.errorMessages.size() < maxErrorMessages)
        m_report.errorMessages << message;
    if (m_report.errors <= maxLoggedErrors)
        qCWarning(lcCleanup).noquote() << message;
    else if (m_report.errors == maxLoggedErrors + 1)
        qCWarning(lcCleanup) << "further errors in this pass are counted, not logged";
}

} // namespace qtus

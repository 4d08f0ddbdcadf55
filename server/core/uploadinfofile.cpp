#include "uploadinfofile.h"

#include "uploadwriter.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace qtus {

namespace {

bool writeAll(int fd, const QByteArray &bytes)
{
    const char *p = bytes.constData();
    qint64 left = bytes.size();
    while (left > 0) {
        const ssize_t n = storageCalls().write(fd, p, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;  // no progress and no reason: do not spin
            return false;
        }
        p += n;
        left -= n;
    }
    return true;
}

QByteArray directoryOf(const QByteArray &path)
{
    const qsizetype slash = path.lastIndexOf('/');
    return slash <= 0 ? QByteArray(slash == 0 ? "/" : ".") : path.left(slash);
}

} // namespace

InfoFileWrite replaceInfoFile(const QByteArray &path, const QByteArray &tempPath, const QByteArray &contents,
                              FsyncPolicy fsync)
{
    InfoFileWrite result;
    const int fd = ::open(tempPath.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        result.error = errno;
        return result;
    }
    bool ok = writeAll(fd, contents);
    if (ok && fsync == FsyncPolicy::Always)
        ok = storageCalls().fsync(fd) == 0;
    if (!ok)
        result.error = errno;
    // A delayed write error can surface at close() on some file systems (NFS); EINTR does not
    // mean the close failed.
    if (::close(fd) != 0 && ok && errno != EINTR) {
        ok = false;
        result.error = errno;
    }
    if (ok && ::rename(tempPath.constData(), path.constData()) != 0) {
        ok = false;
        result.error = errno;
    }
    if (!ok) {
        ::unlink(tempPath.constData());  // a torn temp file is nobody's .info; the old one stays
        return result;
    }
    result.replaced = true;
    if (fsync == FsyncPolicy::Always && !syncDirectory(directoryOf(path)))
        result.error = errno;
    return result;
}

InfoFileWrite createInfoFile(const QByteArray &path, const QByteArray &tempPath, const QByteArray &contents,
                             FsyncPolicy fsync)
{
#ifdef O_TMPFILE
    const QByteArray directory = directoryOf(path);
    const int fd = ::open(directory.constData(), O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
    if (fd < 0) {
        // Not supported by this kernel or file system: the portable way.
        if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)
            return replaceInfoFile(path, tempPath, contents, fsync);
        return InfoFileWrite{errno, false};
    }
    InfoFileWrite result;
    bool ok = writeAll(fd, contents);
    if (ok && fsync == FsyncPolicy::Always)
        ok = storageCalls().fsync(fd) == 0;
    bool linked = false;
    int linkError = 0;
    if (ok) {
        // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; the /proc link works for anyone.
        char procPath[40];
        std::snprintf(procPath, sizeof procPath, "/proc/self/fd/%d", fd);
        linked = ::linkat(AT_FDCWD, procPath, AT_FDCWD, path.constData(), AT_SYMLINK_FOLLOW) == 0;
        if (!linked) {
            linkError = errno;
            ok = false;
        }
    }
    result.error = ok ? 0 : errno;
    // Unnamed until linked: closing an unlinked one leaves nothing behind.
    if (::close(fd) != 0 && ok && errno != EINTR) {
        ok = false;
        result.error = errno;
    }
    // A link the kernel or a sandbox refuses (no /proc; EPERM in some sandboxes): the portable
    // way. Errors of the disk itself are answered as they are.
    if (linkError != 0 && linkError != EEXIST && linkError != ENOSPC && linkError != EDQUOT && linkError != EIO
        && linkError != EROFS)
        return replaceInfoFile(path, tempPath, contents, fsync);
    if (!ok) {
        result.replaced = linked;  // a failed close after the link: the caller removes the name
        return result;
    }
    result.replaced = true;
    if (fsync == FsyncPolicy::Always && !syncDirectory(directory))
        result.error = errno;
    return result;
#else
    return replaceInfoFile(path, tempPath, contents, fsync);
#endif
}

bool syncDirectory(const QByteArray &directory)
{
    const int fd = ::open(directory.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool ok = storageCalls().fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    errno = err;
    return ok;
}

} // namespace qtus

#include "directorylock.h"

#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace qtus {

bool DirectoryLock::acquire(const QString &directory, QString *error)
{
    release();
    const QByteArray path = QFile::encodeName(directory + QLatin1Char('/') + QLatin1String(fileName));
    const int fd = ::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        *error = QStringLiteral("cannot open %1: %2").arg(QFile::decodeName(path), QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char pid[32] = {};
        const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
        ::close(fd);
        if (err != EWOULDBLOCK) {
            *error = QStringLiteral("cannot lock %1: %2").arg(QFile::decodeName(path), QString::fromLocal8Bit(strerror(err)));
            return false;
        }
        const QByteArray holder = QByteArray(pid, n > 0 ? int(n) : 0).trimmed();
        *error = QStringLiteral("upload directory %1 is in use by another qtus server%2")
                     .arg(directory, holder.isEmpty() ? QString() : QStringLiteral(" (pid %1)").arg(QString::fromLatin1(holder)));
        return false;
    }
    const QByteArray pid = QByteArray::number(qint64(::getpid())) + '\n';
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.constData(), size_t(pid.size()), 0) != pid.size()) {
        // The lock holds all the same; the pid is only for the message a second server prints.
    }
    m_fd = fd;
    return true;
}

void DirectoryLock::release()
{
    if (m_fd >= 0) {
        ::close(m_fd);  // drops the flock
        m_fd = -1;
    }
}

} // namespace qtus

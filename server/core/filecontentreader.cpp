#include "filecontentreader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qtus {

FileContentReader::FileContentReader(const QString &path, qint64 offset, qint64 length, QObject *parent)
    : ContentReader(parent), m_left(length)
{
    m_file.setFileName(path);
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st = {};
    const bool regular = fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (!regular || !m_file.open(fd, QIODevice::ReadOnly | QIODevice::Unbuffered, QFileDevice::AutoCloseHandle)
        || !m_file.seek(offset)) {
        if (fd >= 0 && !m_file.isOpen())
            ::close(fd);
        m_file.close();
        m_why = QStringLiteral("not a regular file that can be read");
        return;
    }
    m_state = State::Open;
}

qint64 FileContentReader::read(char *data, qint64 maxSize)
{
    if (m_state != State::Open)
        return -1;
    if (m_left <= 0)
        return 0;
    const qint64 n = m_file.read(data, qMin(maxSize, m_left));
    if (n <= 0) {
        // A file has all its bytes at once: fewer than promised cannot be answered honestly.
        m_why = n == 0 ? QStringLiteral("ended early") : m_file.errorString();
        m_state = State::Failed;
        m_file.close();
        return -1;
    }
    m_left -= n;
    return n;
}

QString FileContentReader::describe() const
{
    return m_why.isEmpty() ? m_file.fileName() : m_file.fileName() + QStringLiteral(": ") + m_why;
}

} // namespace qtus

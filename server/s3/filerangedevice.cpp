#include "filerangedevice.h"

namespace qtus {

FileRangeDevice::FileRangeDevice(const QString &path, qint64 offset, qint64 length, QObject *parent)
    : QIODevice(parent), m_file(path), m_offset(offset), m_length(length)
{
}

bool FileRangeDevice::open(OpenMode mode)
{
    if ((mode & WriteOnly) || m_offset < 0 || m_length < 0) {
        setErrorString(QStringLiteral("a file range is read-only and starts and ends within its file"));
        return false;
    }
    if (!m_file.open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
        setErrorString(m_file.errorString());
        return false;
    }
    if (m_file.size() < m_offset + m_length) {
        setErrorString(QStringLiteral("%1 has %2 bytes, fewer than the %3 up to the range's end")
                           .arg(m_file.fileName())
                           .arg(m_file.size())
                           .arg(m_offset + m_length));
        m_file.close();
        return false;
    }
    return QIODevice::open(ReadOnly | Unbuffered);
}

void FileRangeDevice::close()
{
    QIODevice::close();
    m_file.close();
}

bool FileRangeDevice::seek(qint64 pos)
{
    if (pos < 0 || pos > m_length)
        return false;
    return QIODevice::seek(pos);
}

qint64 FileRangeDevice::readData(char *data, qint64 maxSize)
{
    const qint64 left = m_length - pos();
    if (left <= 0)
        return 0;
    if (!m_file.seek(m_offset + pos()))
        return -1;
    const qint64 got = m_file.read(data, qMin(maxSize, left));
    if (got == 0)
        return -1;  // the file shrank under us: an error, not an early end
    return got;
}

} // namespace qtus

#pragma once
// One server per upload directory. Two servers on one directory each keep their own index
// and locks: uploads made through one never appear in the other, and both accept the same
// offset, so the data file ends up with the second writer's bytes. A server takes an
// exclusive flock() on <dir>/.qtus.lock for its whole life and writes its pid there; a second
// one fails to start with a message naming the directory and that pid. The kernel drops the
// lock when the process ends, however it ends, so a crash never leaves a stale lock.
// Threads: the owner's.
#include <QString>

namespace qtus {

class DirectoryLock
{
public:
    DirectoryLock() = default;
    DirectoryLock(const DirectoryLock &) = delete;
    DirectoryLock &operator=(const DirectoryLock &) = delete;
    ~DirectoryLock() { release(); }

    static constexpr char fileName[] = ".qtus.lock";

    // False with *error naming the directory and, when known, the holder's pid.
    bool acquire(const QString &directory, QString *error);
    void release();
    bool isHeld() const { return m_fd >= 0; }

private:
    int m_fd = -1;
};

} // namespace qtus

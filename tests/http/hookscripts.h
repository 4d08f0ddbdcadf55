#pragma once
// Hook programs for the tests: /bin/sh scripts written into a temporary directory.
#include <QFile>
#include <QTemporaryDir>

// An executable /bin/sh script in dir; its path, empty on failure.
inline QString writeScript(const QTemporaryDir &dir, const QString &name, const QByteArray &body)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write("#!/bin/sh\n" + body) < 0)
        return {};
    file.close();
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

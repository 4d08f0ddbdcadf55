#pragma once
// Writing an upload's .info so that neither a crash nor a full disk ever leaves it torn:
// a temp file beside it (an unnamed one for a new .info), fsync, rename over the old one
// (link it in), fsync the directory. Every write and
// sync goes through storageCalls() (uploadwriter.h), so tests can make each step fail.
#include "serverconfig.h"

#include <QByteArray>

namespace qtus {

struct InfoFileWrite
{
    int error = 0;          // errno of the step that failed; 0 when the file was written
    bool replaced = false;  // the new content is in place although error is set (the
                            // directory sync failed, so the rename may not survive a crash)
    bool ok() const { return error == 0; }
};

// Replaces path with contents through tempPath. When the write, the fsync or the rename
// fails, the old file is untouched and tempPath is gone.
InfoFileWrite replaceInfoFile(const QByteArray &path, const QByteArray &tempPath, const QByteArray &contents,
                              FsyncPolicy fsync);

// Writes the .info of a new upload; path must not exist yet. Where the file system can
// (Linux O_TMPFILE), the contents go into an unnamed file that is linked in whole: a killed
// process leaves no .info or a complete one (after a power loss too under fsync Always), and
// it costs one file instead of two plus a rename. Where O_TMPFILE or the link is refused (no
// /proc, some sandboxes) it is replaceInfoFile().
InfoFileWrite createInfoFile(const QByteArray &path, const QByteArray &tempPath, const QByteArray &contents,
                             FsyncPolicy fsync);

// fsync of a directory, so the names created or renamed in it survive a crash; errno on failure.
bool syncDirectory(const QByteArray &directory);

} // namespace qtus

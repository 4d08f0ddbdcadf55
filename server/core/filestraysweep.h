#pragma once
// The file store's strays: files the index does not know (data without .info, .info without
// data, a leftover <id>.info.tmp) and uploads it could not read at startup. The directory is
// listed when the sweep is made, before the cleanup pass lists the index: an upload created
// in between is in the index and judged by its state, never taken for an orphan. One created
// during the listing is young, so the grace period protects it; every deletion re-checks
// under the upload's lock anyway.
//
// Threads: the cleanup pass's thread only, like the pass that owns it.
#include "fileuploadstore.h"
#include "uploadstore.h"

#include <QHash>

namespace qtus {

class CleanupPass;

class FileStraySweep final : public StraySweep
{
public:
    FileStraySweep(FileUploadStore &store, CleanupPass &pass);
    void run(const QStringList &listed) override;

private:
    using FileKind = FileUploadStore::FileKind;
    struct DiskEntry  // which of one id's files the directory holds
    {
        bool data = false;
        bool info = false;
        bool temp = false;
        bool symlink = false;  // one of them is a symlink: the whole id is left alone
    };
    enum class FileAge { Missing, NotRegular, Fresh, Stale };  // Stale: older than the grace period

    void scanDirectory();
    void considerUnindexedUpload(const QString &id);
    void considerOrphan(const QString &id, FileKind kind);
    FileAge ageOf(const QString &path);

    FileUploadStore &m_store;
    CleanupPass &m_pass;
    QHash<QString, DiskEntry> m_disk;
};

} // namespace qtus

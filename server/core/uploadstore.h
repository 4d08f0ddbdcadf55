#pragma once
// The seam between the protocol and where uploads live. The handler, the cleanup pass,
// concatenation, downloads, the hooks and the admin side use only this interface; it is
// shaped like tusd's DataStore: create an upload, find it, write a request's bytes to it
// (openWriter, then commit), and the optional capabilities below. The tus extensions a
// server advertises follow from its store's capabilities (TusHandler::extensions).
//
// FileUploadStore (a directory on a local disk) is the first implementation.
//
// Threads: every method may be called from any thread (the event loop, storage workers, the
// cleanup worker); implementations are thread-safe. Signals are emitted from the thread
// that made the change, so receivers in other threads get them queued.
#include "clock.h"
#include "contentreader.h"
#include "uploadid.h"
#include "uploadindex.h"
#include "uploadinfo.h"
#include "uploadwriter.h"

#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <memory>
#include <optional>

namespace qtus {

// Why an upload went: its client (or an admin) terminated it, the cleanup removed it as
// expired, or it was removed for another reason (--keep-completed, a creation that failed).
enum class RemovalReason { Terminated, Expired, Removed };
enum class IdChoice { NewIfTaken, Exact };

// What a store can do beyond creating, reading and appending to uploads. Each one that is
// missing takes its tus extension (and its routes) away.
struct StoreCapabilities
{
    bool termination = false;     // remove() for a client's DELETE (extension termination)
    bool concatenation = false;   // appendUpload() (extension concatenation)
    bool deferredLength = false;  // declareLength() (extension creation-defer-length)
    bool contentServing = false;  // openContent(): GET of a completed upload (--downloads)
};

class CleanupPass;

// Things a store wrote that belong to no upload it knows (a crash between two writes leaves
// them). The cleanup pass takes one before it lists the uploads, and runs it after.
class StraySweep
{
public:
    virtual ~StraySweep() = default;
    // listed: the ids the pass found in the store after the sweep was made.
    virtual void run(const QStringList &listed) = 0;
};

class UploadStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UploadStore)

public:
    using QObject::QObject;

    // Gets ready to serve and loads what the store holds. false: the server cannot start.
    virtual bool open(QString *error) = 0;
    // Where the uploads are, for people: a directory, a bucket.
    virtual QString location() const = 0;
    // The local directory holding the uploads, empty when there is none (free space and
    // writability in the admin API come from it).
    virtual QString localDirectory() const { return QString(); }
    virtual StoreCapabilities capabilities() const = 0;
    virtual const Clock &clock() const = 0;
    virtual Duration expireAfter() const = 0;

    virtual std::optional<UploadInfo> find(const QString &id) const = 0;
    // find() that tells "no such upload" (NotFound) from "cannot tell now" (Unavailable).
    virtual StoreStatus lookup(const QString &id, UploadInfo *info) const
    {
        const auto found = find(id);
        if (!found)
            return StoreStatus::NotFound;
        *info = *found;
        return StoreStatus::Ok;
    }
    virtual QList<UploadInfo> sessions() const = 0;
    // Every upload's id, without copying their descriptions (the cleanup pass walks these).
    virtual QStringList uploadIds() const = 0;
    virtual int count() const = 0;
    virtual qint64 storedBytes() const = 0;
    virtual UploadIndex::StateTotals stateTotals(const QDateTime &now) const = 0;

    // Fills in id and timestamps and stores the new upload. NewIfTaken: an id that is not of
    // the one form or is taken is replaced by a new one; Exact: the id is the upload's or
    // nothing is created (Exists).
    virtual StoreStatus create(UploadInfo &info, IdChoice idChoice = IdChoice::NewIfTaken) = 0;
    // The lock must be held for lock.id(). maxSize (0 = none) bounds deferred-length uploads.
    virtual StoreStatus openWriter(UploadLock lock, qint64 maxSize, UploadWriter *writer) = 0;
    // Makes the writer's bytes durable, then visible, and releases the lock. Returns the
    // writer's own failure if it had one, after committing what was written. When the bytes
    // cannot be made durable, none of this request's bytes is kept.
    virtual StoreStatus commit(UploadWriter &writer, UploadInfo *after = nullptr) = 0;
    // Capability deferredLength: sets the length once. The caller holds the upload's lock.
    virtual StoreStatus declareLength(const QString &id, qint64 length, UploadInfo *after = nullptr) = 0;
    // Deletes the upload; the caller holds its lock. why (when set) receives the reason of a
    // failure, which is then not logged. Emits uploadRemoved on success.
    virtual StoreStatus remove(const QString &id, qint64 *bytesFreed, QString *why, RemovalReason reason) = 0;
    // The same, logging a failure.
    StoreStatus remove(const QString &id, qint64 *bytesFreed = nullptr, RemovalReason reason = RemovalReason::Terminated)
    {
        return remove(id, bytesFreed, nullptr, reason);
    }
    // Capability concatenation: appends the first length bytes of the upload partId to the
    // writer's upload. The caller holds both locks.
    virtual StoreStatus appendUpload(UploadWriter &writer, const QString &partId, qint64 length) = 0;
    // Capability contentServing: bytes offset..offset+length of the completed upload, for a
    // download. Called on the event loop; the reader belongs to the caller and is used on
    // the calling thread only. It may still be Opening: nothing has been read yet.
    virtual std::unique_ptr<ContentReader> openContent(const QString &id, qint64 offset, qint64 length) const = 0;

    // Upload.Storage in the hooks' payload: where the upload is, in tusd's form for this
    // kind of store ("Type" and the store's own fields).
    virtual QJsonObject hookStorage(const QString &id) const = 0;

    // For the cleanup pass: an upload it must leave alone although it is due (the file
    // store: one of its files is a symlink).
    virtual bool isLeftAlone(const QString &id) const
    {
        Q_UNUSED(id);
        return false;
    }
    // For the cleanup pass: looks for strays now; nullptr when the store leaves none.
    virtual std::unique_ptr<StraySweep> scanStrays(CleanupPass &pass)
    {
        Q_UNUSED(pass);
        return nullptr;
    }

signals:
    void uploadCreated(const qtus::UploadInfo &info);
    void uploadProgress(const QString &id, qint64 offset);
    void uploadCompleted(const qtus::UploadInfo &info);
    void uploadRemoved(const QString &id, qtus::RemovalReason reason);
};

} // namespace qtus

Q_DECLARE_METATYPE(qtus::RemovalReason)

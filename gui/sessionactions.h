#pragma once
// What the admin can do with one upload session, from the table's context menu, the Upload
// menu or their shortcuts: copy its URL, open the folder it is stored in, and terminate it
// (after a confirmation, and only while no request is writing it). The actions follow the
// table's selected row.
// Threads: the GUI thread only.
#include <QObject>
#include <QUrl>

class QAction;
class QTableView;

namespace qtus {

class FileUploadStore;
class UploadLocks;

class SessionActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionActions)

public:
    // uploadUrl: the upload endpoint as clients see it (http://host:port/files/).
    SessionActions(FileUploadStore &store, UploadLocks &locks, const QUrl &uploadUrl, QTableView &table);

    QAction *copyUrlAction() const { return m_copyUrl; }
    QAction *openFolderAction() const { return m_openFolder; }
    QAction *terminateAction() const { return m_terminate; }

    enum class TerminateResult { Removed, InFlight, Gone, Failed };
    // Removes an upload unless a request is writing it right now: the lock is taken the way
    // a cleanup pass takes it. No confirmation; terminateAction() asks first.
    TerminateResult terminate(const QString &id);
    QUrl uploadUrlFor(const QString &id) const;
    QString selectedUploadId() const;

signals:
    // A short note for the status bar ("Copied http://...").
    void message(const QString &text, int timeoutMs);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void updateEnabled();
    void showContextMenu(const QPoint &viewportPos);
    void copySelectedUrl();
    void openFolder();
    void confirmAndTerminateSelected();

    FileUploadStore &m_store;
    UploadLocks &m_locks;
    const QUrl m_uploadUrl;
    QTableView &m_table;
    QAction *m_copyUrl = nullptr;
    QAction *m_openFolder = nullptr;
    QAction *m_terminate = nullptr;
};

} // namespace qtus

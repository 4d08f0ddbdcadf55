#pragma once
// What the admin can do with one upload session, from the table's context menu, the Upload
// menu or their shortcuts: copy its URL, open the folder it is stored in (only when the
// source is local), and terminate it (after a confirmation, only while the source is
// connected and no request is writing it). The actions follow the table's selected row.
// Threads: the GUI thread only.
#include "sessionsource.h"

#include <QObject>
#include <QUrl>

class QAction;
class QTableView;

namespace qtus {

class SessionActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionActions)

public:
    SessionActions(SessionSource &source, QTableView &table);

    QAction *copyUrlAction() const { return m_copyUrl; }
    QAction *openFolderAction() const { return m_openFolder; }
    QAction *terminateAction() const { return m_terminate; }

    // Asks the source to remove an upload unless a request is writing it right now; done
    // gets the outcome (from a local source before this returns). No confirmation, and
    // nothing shown: terminateAction() asks first and tells how it went.
    void terminate(const QString &id, std::function<void(SessionSource::TerminateResult)> done);
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
    void showTerminated(const QString &name, SessionSource::TerminateResult result);

    SessionSource &m_source;
    QTableView &m_table;
    bool m_connected = true;  // as the source last said
    QAction *m_copyUrl = nullptr;
    QAction *m_openFolder = nullptr;
    QAction *m_terminate = nullptr;
};

} // namespace qtus

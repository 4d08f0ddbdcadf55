#include "sessionactions.h"

#include "sessiontablemodel.h"

#include <QAction>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QTableView>

namespace qtus {

SessionActions::SessionActions(SessionSource &source, QTableView &table)
    : QObject(&table),
      m_source(source),
      m_table(table),
      m_connected(source.status().connected)
{
    m_copyUrl = new QAction(tr("&Copy Upload URL"), this);
    m_copyUrl->setObjectName(QStringLiteral("copyUrlAction"));
    m_copyUrl->setShortcut(QKeySequence::Copy);
    m_copyUrl->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_copyUrl, &QAction::triggered, this, &SessionActions::copySelectedUrl);

    // Every upload lives in the same directory, so this one needs no selection.
    m_openFolder = new QAction(tr("&Open Containing Folder"), this);
    m_openFolder->setObjectName(QStringLiteral("openFolderAction"));
    m_openFolder->setShortcut(QKeySequence::Open);
    connect(m_openFolder, &QAction::triggered, this, &SessionActions::openFolder);
    // A remote server's folder is on another machine: the menus leave the action out.
    m_openFolder->setVisible(m_source.isLocal());

    m_terminate = new QAction(tr("&Terminate Upload…"), this);
    m_terminate->setObjectName(QStringLiteral("terminateAction"));
    m_terminate->setShortcut(QKeySequence::Delete);
    m_terminate->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_terminate, &QAction::triggered, this, &SessionActions::confirmAndTerminateSelected);

    // Copy and Delete act while the table has the focus; the menu bar carries them too.
    m_table.addAction(m_copyUrl);
    m_table.addAction(m_terminate);
    // Mouse: customContextMenuRequested in viewport coordinates. The menu key arrives at the
    // view itself with a position that is not the current row's; eventFilter() takes it.
    m_table.setContextMenuPolicy(Qt::CustomContextMenu);
    connect(&m_table, &QWidget::customContextMenuRequested, this, &SessionActions::showContextMenu);
    m_table.installEventFilter(this);

    QItemSelectionModel *selection = m_table.selectionModel();
    connect(selection, &QItemSelectionModel::currentRowChanged, this, &SessionActions::updateEnabled);
    connect(selection, &QItemSelectionModel::selectionChanged, this, &SessionActions::updateEnabled);
    // A selected row that disappears (cleaned up, terminated, filtered out) takes the
    // selection with it.
    connect(m_table.model(), &QAbstractItemModel::rowsRemoved, this, &SessionActions::updateEnabled);
    connect(m_table.model(), &QAbstractItemModel::modelReset, this, &SessionActions::updateEnabled);
    // Terminating needs the server: not while the source is disconnected.
    connect(&m_source, &SessionSource::connectionChanged, this, [this](bool connected) {
        m_connected = connected;
        updateEnabled();
    });
    updateEnabled();
}

QString SessionActions::selectedUploadId() const
{
    const QItemSelectionModel *selection = m_table.selectionModel();
    const QModelIndex current = selection->currentIndex();
    if (!current.isValid() || !selection->isRowSelected(current.row(), current.parent()))
        return {};
    return current.data(SessionTableModel::IdRole).toString();
}

QUrl SessionActions::uploadUrlFor(const QString &id) const
{
    QUrl url = m_source.status().uploadUrl;
    QString path = url.path();
    if (!path.endsWith(QLatin1Char('/')))
        path += QLatin1Char('/');
    url.setPath(path + id);
    return url;
}

void SessionActions::updateEnabled()
{
    const bool hasUpload = !selectedUploadId().isEmpty();
    m_copyUrl->setEnabled(hasUpload);
    m_terminate->setEnabled(hasUpload && m_connected);
}

void SessionActions::showContextMenu(const QPoint &viewportPos)
{
    // The row under the pointer becomes the selected one, so the actions (and their
    // shortcuts) act on what the menu was opened for.
    const QModelIndex index = m_table.indexAt(viewportPos);
    if (index.isValid())
        m_table.selectRow(index.row());
    updateEnabled();
    if (selectedUploadId().isEmpty())
        return;
    QMenu menu(&m_table);
    menu.addAction(m_copyUrl);
    menu.addAction(m_openFolder);
    menu.addSeparator();
    menu.addAction(m_terminate);
    menu.exec(m_table.viewport()->mapToGlobal(viewportPos));
}

bool SessionActions::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == &m_table && event->type() == QEvent::ContextMenu
        && static_cast<QContextMenuEvent *>(event)->reason() == QContextMenuEvent::Keyboard) {
        const QModelIndex current = m_table.currentIndex();
        if (current.isValid())
            showContextMenu(m_table.visualRect(current).center());
        return true;
    }
    return QObject::eventFilter(watched, event);
}

void SessionActions::copySelectedUrl()
{
    const QString id = selectedUploadId();
    if (id.isEmpty())
        return;
    const QString url = uploadUrlFor(id).toString();
    QGuiApplication::clipboard()->setText(url);
    emit message(tr("Copied %1").arg(url), 4000);
}

void SessionActions::openFolder()
{
    const QString dir = m_source.status().directory;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
        emit message(tr("Could not open %1").arg(dir), 6000);
}

void SessionActions::terminate(const QString &id, std::function<void(SessionSource::TerminateResult)> done)
{
    m_source.terminate(id, std::move(done));
}

void SessionActions::confirmAndTerminateSelected()
{
    const QString id = selectedUploadId();
    const auto info = m_source.find(id);
    if (!info)
        return;
    const QString name = info->fileName().isEmpty() ? id.left(8) : info->fileName();
    QWidget *parent = m_table.window();
    QMessageBox box(QMessageBox::Warning, tr("Terminate upload"), tr("Terminate the upload “%1”?").arg(name),
                    QMessageBox::Cancel, parent);
    box.setInformativeText(tr("The %1 received so far are deleted and the client can no longer resume it. "
                              "This cannot be undone.")
                               .arg(formatBytes(info->offset)));
    box.setDetailedText(tr("Upload id: %1\nURL: %2").arg(id, uploadUrlFor(id).toString()));
    QPushButton *confirm = box.addButton(tr("&Terminate"), QMessageBox::DestructiveRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != confirm)
        return;

    // A remote source answers later, perhaps after the window has gone.
    terminate(id, [self = QPointer<SessionActions>(this), name](SessionSource::TerminateResult result) {
        if (self)
            self->showTerminated(name, result);
    });
}

void SessionActions::showTerminated(const QString &name, SessionSource::TerminateResult result)
{
    using Result = SessionSource::TerminateResult;
    QWidget *parent = m_table.window();
    switch (result) {
    case Result::Removed:
        emit message(tr("Terminated “%1”").arg(name), 6000);
        break;
    case Result::Gone:
        emit message(tr("“%1” was already removed").arg(name), 6000);
        break;
    case Result::InFlight:
        QMessageBox::information(parent, tr("Upload in flight"),
                                 tr("“%1” is receiving data right now. Try again when the current request "
                                    "has finished.")
                                     .arg(name));
        break;
    case Result::Failed: {
        const QString dir = m_source.status().directory;
        QMessageBox::warning(parent, tr("Terminate upload"),
                             dir.isEmpty() ? tr("“%1” could not be removed; see the server's log for details.").arg(name)
                                           : tr("“%1” could not be removed from %2; see the log for details.")
                                                 .arg(name, dir));
        break;
    }
    }
}

} // namespace qtus

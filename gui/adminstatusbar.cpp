#include "adminstatusbar.h"

#include "sessionstatestyle.h"
#include "sessiontablemodel.h"

#include <QFrame>
#include <QLabel>

namespace qtus {

namespace {

QString bullet(SessionState state)
{
    return QStringLiteral("<span style=\"color:%1\">&#9679;</span>").arg(sessionStateColor(state).name());
}

QString clockTime(const QDateTime &when, const QDateTime &now)
{
    const QDateTime local = when.toLocalTime();
    return local.date() == now.toLocalTime().date() ? local.toString(QStringLiteral("HH:mm"))
                                                     : local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

} // namespace

AdminStatusBar::AdminStatusBar(SessionSource &source, const Clock &clock, const SessionTableModel &model,
                               QWidget *parent)
    : QStatusBar(parent),
      m_source(source),
      m_clock(clock),
      m_model(model)
{
    m_listen = addLabel(QStringLiteral("listenLabel"), false);
    m_listen->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_totals = addLabel(QStringLiteral("totalsLabel"), false);
    m_totals->setTextFormat(Qt::RichText);
    m_stored = addLabel(QStringLiteral("storageLabel"), false);
    m_lastPass = addLabel(QStringLiteral("lastPassLabel"), true);
    m_nextPass = addLabel(QStringLiteral("nextPassLabel"), true);

    // refresh() shows the report of a pass that ran before the window opened.
    m_lastPass->setText(tr("No cleanup pass yet"));
    if (m_source.status().passRunning)
        showPassRunning();

    connect(&m_model, &SessionTableModel::stateCountsChanged, this, &AdminStatusBar::updateTotals);
    connect(&m_source, &SessionSource::statusChanged, this, &AdminStatusBar::refresh);
    m_timer.setInterval(std::chrono::seconds(1));
    connect(&m_timer, &QTimer::timeout, this, &AdminStatusBar::refresh);
    m_timer.start();
    refresh();
}

QLabel *AdminStatusBar::addLabel(const QString &objectName, bool permanent)
{
    // Normal items fill from the left, permanent ones from the right; a thin line between
    // neighbours keeps five facts readable as five.
    const bool first = permanent ? m_permanentCount++ == 0 : m_normalCount++ == 0;
    if (!first) {
        auto *separator = new QFrame(this);
        separator->setFrameShape(QFrame::VLine);
        separator->setFrameShadow(QFrame::Sunken);
        permanent ? addPermanentWidget(separator) : addWidget(separator);
    }
    auto *label = new QLabel(this);
    label->setObjectName(objectName);
    label->setContentsMargins(4, 0, 4, 0);
    if (!permanent)
        label->setMinimumWidth(1);  // clipped rather than forcing a wide window
    permanent ? addPermanentWidget(label) : addWidget(label);
    return label;
}

void AdminStatusBar::refresh()
{
    const SourceStatus status = m_source.status();
    updateListen(status);
    updateTotals();
    updateStorage(status);
    updateCountdown(status);
    // A report the source has but never announced: the pass ran before the window opened,
    // or while a remote source was away.
    if (!status.passRunning && status.lastReport && status.lastReport->startedAt != m_reportShown)
        showReport(*status.lastReport);
}

void AdminStatusBar::updateListen(const SourceStatus &status)
{
    const QString url = status.uploadUrl.toString();
    m_listen->setText(url);
    m_listen->setToolTip(status.directory.isEmpty()
                             ? tr("Clients upload to %1").arg(url)
                             : tr("Clients upload to %1\nUpload directory: %2").arg(url, status.directory));
}

void AdminStatusBar::updateTotals()
{
    m_totals->setText(tr("%1 %2 active &nbsp;%3 %4 expired &nbsp;%5 %6 completed")
                          .arg(bullet(SessionState::Active))
                          .arg(m_model.stateCount(SessionState::Active))
                          .arg(bullet(SessionState::Expired))
                          .arg(m_model.stateCount(SessionState::Expired))
                          .arg(bullet(SessionState::Completed))
                          .arg(m_model.stateCount(SessionState::Completed)));
}

void AdminStatusBar::updateStorage(const SourceStatus &status)
{
    const QString stored = tr("%1 stored").arg(formatBytes(status.storedBytes));
    const QString where = status.directory.isEmpty() ? tr("the server's upload directory") : status.directory;
    if (status.freeBytes < 0) {
        m_stored->setText(stored);
        m_stored->setToolTip(tr("Free space on %1 is unknown").arg(where));
        return;
    }
    m_stored->setText(tr("%1, %2 free").arg(stored, formatBytes(status.freeBytes)));
    m_stored->setToolTip(status.totalBytes < 0
                             ? tr("%1 free on the file system of %2").arg(formatBytes(status.freeBytes), where)
                             : tr("%1 of %2 free on the file system of %3")
                                   .arg(formatBytes(status.freeBytes), formatBytes(status.totalBytes), where));
}

void AdminStatusBar::updateCountdown(const SourceStatus &status)
{
    if (status.passRunning) {
        m_nextPass->setText(tr("Pass running"));
        return;
    }
    const QDateTime next = status.nextPassAt;
    if (!next.isValid()) {
        m_nextPass->setText(tr("No pass scheduled"));
        m_nextPass->setToolTip(tr("Passes run at startup and on demand only"));
        return;
    }
    const qint64 ms = m_clock.now().msecsTo(next);
    m_nextPass->setText(ms <= 0 ? tr("Next due now")
                                : tr("Next in %1").arg(formatDuration(Duration((ms + 999) / 1000 * 1000))));
    m_nextPass->setToolTip(tr("Next cleanup pass at %1").arg(next.toLocalTime().toString(Qt::ISODate)));
}

void AdminStatusBar::showPassRunning()
{
    m_lastPass->setText(tr("Cleaning up…"));
    updateCountdown(m_source.status());
}

void AdminStatusBar::showReport(const CleanupReport &report)
{
    m_reportShown = report.startedAt;
    m_lastPass->setText(tr("Last cleanup %1: %2")
                            .arg(clockTime(report.startedAt, m_clock.now()), describeReport(report)));
    QString details = tr("Cleanup pass started %1\n").arg(report.startedAt.toLocalTime().toString(Qt::ISODate));
    details += tr("Scanned %1, removed %2, freed %3, skipped %4 in flight, %5 errors, took %6")
                          .arg(report.scanned)
                          .arg(report.removed)
                          .arg(formatBytes(report.bytesFreed))
                          .arg(report.skippedInFlight)
                          .arg(report.errors)
                          .arg(formatDuration(report.duration));
    for (const QString &message : report.errorMessages)
        details += QLatin1Char('\n') + message;
    m_lastPass->setToolTip(details);
    updateCountdown(m_source.status());
    updateTotals();
}

QString AdminStatusBar::describeReport(const CleanupReport &report)
{
    // A pass over a few sessions takes less than the clock's millisecond.
    const QString took = report.duration.count() > 0 ? formatDuration(report.duration) : tr("<1ms");
    QString text;
    if (report.removed == 0)
        text = tr("Nothing to remove (%1 checked) in %2").arg(report.scanned).arg(took);
    else if (report.removed == 1)
        text = tr("Removed 1 upload, freed %1 in %2").arg(formatBytes(report.bytesFreed), took);
    else
        text = tr("Removed %1 uploads, freed %2 in %3").arg(report.removed).arg(formatBytes(report.bytesFreed), took);
    if (report.skippedInFlight > 0)
        text += tr("; %1 in flight, left for the next pass").arg(report.skippedInFlight);
    if (report.interrupted)
        text += tr(" (interrupted)");
    if (report.leaseElsewhere)
        text = tr("skipped, another server was running a pass");
    if (report.errors > 0) {
        text += report.errors == 1 ? tr("; 1 error") : tr("; %1 errors").arg(report.errors);
        if (!report.errorMessages.isEmpty())
            text += QLatin1String(": ") + report.errorMessages.constFirst();
    }
    return text;
}

} // namespace qtus

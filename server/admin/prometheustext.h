#pragma once
// GET /metrics: the Prometheus text exposition format 0.0.4 of what the server counts
// (ServerMetrics) and of the gauges read at scrape time. A pure function of its inputs, so
// the format is unit-tested and checked with promtool (docs/admin-api.md has the names).
// Threads: any.
#include "servermetrics.h"
#include "uploadindex.h"

#include <QByteArray>
#include <QDateTime>

namespace qtus {

struct ScrapeInputs
{
    ServerMetrics::Snapshot counters;
    UploadIndex::StateTotals uploads;
    qint64 connectionsOpen = 0;
    qint64 diskFreeBytes = -1;          // -1: unknown, not exported
    QDateTime nextCleanupAt;            // invalid: none scheduled, not exported
    qint64 residentBytes = -1;
    qint64 openFds = -1;
    double startTimeSeconds = 0;
};

QByteArray prometheusText(const ScrapeInputs &in);

// What the process itself looks like, from /proc (Linux).
qint64 processResidentBytes();
qint64 processOpenFds();

} // namespace qtus

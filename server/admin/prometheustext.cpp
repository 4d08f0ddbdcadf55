#include "prometheustext.h"

#include <QDir>
#include <QFile>
#include <QLocale>

#include <unistd.h>

namespace qtus {

namespace {

class Writer
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += QByteArrayLiteral("# HELP ") + name + ' ' + help + '\n';
        m_out += QByteArrayLiteral("# TYPE ") + name + ' ' + type + '\n';
    }
    void sample(const char *name, const QByteArray &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty())
            m_out += '{' + labels + '}';
        m_out += ' ' + number(value) + '\n';
    }
    QByteArray take() { return std::move(m_out); }
    static QByteArray number(double v)
    {
        if (v == double(qint64(v)) && v < 9e15 && v > -9e15)
            return QByteArray::number(qint64(v));
        return QByteArray::number(v, 'g', QLocale::FloatingPointShortest);  // 0.0005, not 0.00050000000000000001
    }

private:
    QByteArray m_out;
};

QByteArray label(const char *name, const QByteArray &value) { return QByteArray(name) + "=\"" + value + '"'; }

} // namespace

QByteArray prometheusText(const ScrapeInputs &in)
{
    const ServerMetrics::Snapshot &c = in.counters;
    Writer w;
    w.family("qtus_requests_total", "counter", "Requests received, by method.");
    for (std::size_t m = 0; m < c.requests.size(); ++m)
        w.sample("qtus_requests_total", label("method", ServerMetrics::methodName(ServerMetrics::Method(m))), double(c.requests[m]));

    w.family("qtus_responses_total", "counter", "Responses sent, by status code.");
    for (std::size_t status = 0; status < c.responses.size(); ++status) {
        if (c.responses[status] > 0)
            w.sample("qtus_responses_total", label("status", QByteArray::number(qulonglong(status))), double(c.responses[status]));
    }

    w.family("qtus_request_duration_seconds", "histogram", "Time from a request's head to its answer.");
    quint64 cumulative = 0;
    for (std::size_t b = 0; b < ServerMetrics::durationBuckets.size(); ++b) {
        cumulative += c.durationBucketCounts[b];
        w.sample("qtus_request_duration_seconds_bucket", label("le", Writer::number(ServerMetrics::durationBuckets[b])),
                 double(cumulative));
    }
    cumulative += c.durationBucketCounts.back();
    w.sample("qtus_request_duration_seconds_bucket", label("le", "+Inf"), double(cumulative));
    w.sample("qtus_request_duration_seconds_sum", {}, c.durationSumSeconds);
    w.sample("qtus_request_duration_seconds_count", {}, double(c.durationCount));

    w.family("qtus_bytes_received_total", "counter", "Upload body bytes received.");
    w.sample("qtus_bytes_received_total", {}, double(c.bytesReceived));
    w.family("qtus_uploads_created_total", "counter", "Uploads created.");
    w.sample("qtus_uploads_created_total", {}, double(c.uploadsCreated));
    w.family("qtus_uploads_finished_total", "counter", "Uploads completed.");
    w.sample("qtus_uploads_finished_total", {}, double(c.uploadsFinished));
    w.family("qtus_uploads_terminated_total", "counter", "Uploads removed by a DELETE.");
    w.sample("qtus_uploads_terminated_total", {}, double(c.uploadsTerminated));
    w.family("qtus_uploads_expired_total", "counter", "Uploads removed by the cleanup because they expired.");
    w.sample("qtus_uploads_expired_total", {}, double(c.uploadsExpired));

    w.family("qtus_connections_open", "gauge", "Open connections to the upload endpoint.");
    w.sample("qtus_connections_open", {}, double(in.connectionsOpen));

    static const char *const states[] = {"active", "completed", "expired"};  // SessionState order
    w.family("qtus_uploads", "gauge", "Stored uploads, by state.");
    for (std::size_t s = 0; s < 3; ++s)
        w.sample("qtus_uploads", label("state", states[s]), double(in.uploads.count[s]));
    w.family("qtus_upload_bytes", "gauge", "Bytes stored, by the state of their upload.");
    for (std::size_t s = 0; s < 3; ++s)
        w.sample("qtus_upload_bytes", label("state", states[s]), double(in.uploads.bytes[s]));
    if (in.diskFreeBytes >= 0) {
        w.family("qtus_disk_free_bytes", "gauge", "Free space on the upload directory's file system.");
        w.sample("qtus_disk_free_bytes", {}, double(in.diskFreeBytes));
    }

    w.family("qtus_cleanup_passes_total", "counter", "Cleanup passes run.");
    w.sample("qtus_cleanup_passes_total", {}, double(c.cleanupPasses));
    w.family("qtus_cleanup_removed_total", "counter", "Uploads and stray files the cleanup removed.");
    w.sample("qtus_cleanup_removed_total", {}, double(c.cleanupRemoved));
    w.family("qtus_cleanup_errors_total", "counter", "Errors during cleanup passes.");
    w.sample("qtus_cleanup_errors_total", {}, double(c.cleanupErrors));
    w.family("qtus_cleanup_last_duration_seconds", "gauge", "How long the last cleanup pass took.");
    w.sample("qtus_cleanup_last_duration_seconds", {}, c.cleanupLastDurationSeconds);
    if (in.nextCleanupAt.isValid()) {
        w.family("qtus_cleanup_next_timestamp_seconds", "gauge", "When the next cleanup pass is due, in Unix time.");
        w.sample("qtus_cleanup_next_timestamp_seconds", {}, double(in.nextCleanupAt.toMSecsSinceEpoch()) / 1000.0);
    }

    w.family("qtus_hook_invocations_total", "counter", "Hook runs, by hook.");
    for (std::size_t h = 0; h < c.hookInvocations.size(); ++h)
        w.sample("qtus_hook_invocations_total", label("hook", ServerMetrics::hookName(ServerMetrics::Hook(h))), double(c.hookInvocations[h]));
    w.family("qtus_hook_failures_total", "counter", "Hook runs that refused or failed, by hook.");
    for (std::size_t h = 0; h < c.hookFailures.size(); ++h)
        w.sample("qtus_hook_failures_total", label("hook", ServerMetrics::hookName(ServerMetrics::Hook(h))), double(c.hookFailures[h]));

    if (in.residentBytes >= 0) {
        w.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        w.sample("process_resident_memory_bytes", {}, double(in.residentBytes));
    }
    if (in.openFds >= 0) {
        w.family("process_open_fds", "gauge", "Number of open file descriptors.");
        w.sample("process_open_fds", {}, double(in.openFds));
    }
    w.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
    w.sample("process_start_time_seconds", {}, in.startTimeSeconds);
    return w.take();
}

qint64 processResidentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * ::sysconf(_SC_PAGESIZE) : -1;
}

qint64 processOpenFds()
{
    const QDir fds(QStringLiteral("/proc/self/fd"));
    return fds.exists() ? qint64(fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot).size()) : -1;
}

} // namespace qtus

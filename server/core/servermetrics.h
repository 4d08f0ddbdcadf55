#pragma once
// The counters the admin API exports (GET /metrics, docs/admin-api.md): requests by method,
// responses by status, body bytes received, a request-duration histogram, uploads created,
// finished, terminated and expired, hook runs and failures, cleanup passes. Gauges that are
// state rather than events (uploads by state, disk space, open connections) are read from
// their owners at scrape time, not kept here.
//
// Threads: any. Every counter is a relaxed atomic: the event loop and the storage and
// cleanup workers add to them, a scrape reads them; no total needs to be exact with
// another at the same instant.
#include "uploadevents.h"

#include <QByteArray>

#include <array>
#include <atomic>
#include <chrono>

namespace qtus {

class ServerMetrics
{
public:
    enum class Method { Get, Head, Post, Patch, Delete, Options, Other, Count };
    static Method methodOf(const QByteArray &method);
    static const char *methodName(Method method);

    // Upper bounds of the duration histogram's buckets, in seconds (+Inf is implied).
    static constexpr std::array<double, 12> durationBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                            0.05,   0.1,   0.25,   1.0,   5.0,   30.0};

    using Hook = HookType;  // the seven hook events (uploadevents.h)
    static const char *hookName(Hook hook) { return hookTypeName(hook); }

    void countRequest(const QByteArray &method) { add(m_requests[std::size_t(methodOf(method))]); }
    // One answer: its status and how long since the request's head arrived.
    void countResponse(int status, std::chrono::nanoseconds duration);
    void addBytesReceived(qint64 bytes) { m_bytesReceived.fetch_add(quint64(qMax<qint64>(0, bytes)), std::memory_order_relaxed); }
    void countUploadCreated() { add(m_uploadsCreated); }
    void countUploadFinished() { add(m_uploadsFinished); }
    void countUploadTerminated() { add(m_uploadsTerminated); }
    void countUploadExpired() { add(m_uploadsExpired); }
    void countHook(Hook hook, bool failed);
    void countCleanupPass(int removed, int errors, std::chrono::milliseconds duration);

    struct Snapshot
    {
        std::array<quint64, std::size_t(Method::Count)> requests{};
        std::array<quint64, 600> responses{};  // by status code; 0 for codes never sent
        std::array<quint64, durationBuckets.size() + 1> durationBucketCounts{};  // not cumulative; last: +Inf
        double durationSumSeconds = 0;
        quint64 durationCount = 0;
        quint64 bytesReceived = 0;
        quint64 uploadsCreated = 0, uploadsFinished = 0, uploadsTerminated = 0, uploadsExpired = 0;
        std::array<quint64, std::size_t(Hook::Count)> hookInvocations{}, hookFailures{};
        quint64 cleanupPasses = 0, cleanupRemoved = 0, cleanupErrors = 0;
        double cleanupLastDurationSeconds = 0;
    };
    Snapshot snapshot() const;

private:
    using Counter = std::atomic<quint64>;
    static void add(Counter &c, quint64 n = 1) { c.fetch_add(n, std::memory_order_relaxed); }

    std::array<Counter, std::size_t(Method::Count)> m_requests{};
    std::array<Counter, 600> m_responses{};
    std::array<Counter, durationBuckets.size() + 1> m_durationBuckets{};
    Counter m_durationNanos{0};
    Counter m_durationCount{0};
    Counter m_bytesReceived{0};
    Counter m_uploadsCreated{0}, m_uploadsFinished{0}, m_uploadsTerminated{0}, m_uploadsExpired{0};
    std::array<Counter, std::size_t(Hook::Count)> m_hookInvocations{}, m_hookFailures{};
    Counter m_cleanupPasses{0}, m_cleanupRemoved{0}, m_cleanupErrors{0};
    Counter m_cleanupLastDurationMs{0};
};

} // namespace qtus

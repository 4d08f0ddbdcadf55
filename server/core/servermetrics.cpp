#include "servermetrics.h"

namespace qtus {

ServerMetrics::Method ServerMetrics::methodOf(const QByteArray &method)
{
    static const std::pair<const char *, Method> known[] = {
        {"GET", Method::Get},         {"HEAD", Method::Head},       {"POST", Method::Post},
        {"PATCH", Method::Patch},     {"DELETE", Method::Delete},   {"OPTIONS", Method::Options}};
    for (const auto &k : known) {
        if (method == k.first)
            return k.second;
    }
    return Method::Other;  // a client's made-up method is not a label of its own
}

const char *ServerMetrics::methodName(Method method)
{
    static const char *const names[] = {"GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS", "other"};
    return names[std::size_t(method)];
}

void ServerMetrics::countResponse(int status, std::chrono::nanoseconds duration)
{
    if (status >= 100 && status < 600)
        add(m_responses[std::size_t(status)]);
    const double seconds = std::chrono::duration<double>(duration).count();
    std::size_t bucket = 0;
    while (bucket < durationBuckets.size() && seconds > durationBuckets[bucket])
        ++bucket;
    add(m_durationBuckets[bucket]);
    add(m_durationNanos, quint64(qMax<qint64>(0, duration.count())));
    add(m_durationCount);
}

void ServerMetrics::countHook(Hook hook, bool failed)
{
    add(m_hookInvocations[std::size_t(hook)]);
    if (failed)
        add(m_hookFailures[std::size_t(hook)]);
}

void ServerMetrics::countCleanupPass(int removed, int errors, std::chrono::milliseconds duration)
{
    add(m_cleanupPasses);
    add(m_cleanupRemoved, quint64(qMax(0, removed)));
    add(m_cleanupErrors, quint64(qMax(0, errors)));
    m_cleanupLastDurationMs.store(quint64(qMax<qint64>(0, duration.count())), std::memory_order_relaxed);
}

ServerMetrics::Snapshot ServerMetrics::snapshot() const
{
    const auto get = [](const Counter &c) { return c.load(std::memory_order_relaxed); };
    Snapshot s;
    for (std::size_t i = 0; i < s.requests.size(); ++i)
        s.requests[i] = get(m_requests[i]);
    for (std::size_t i = 0; i < s.responses.size(); ++i)
        s.responses[i] = get(m_responses[i]);
    for (std::size_t i = 0; i < s.durationBucketCounts.size(); ++i)
        s.durationBucketCounts[i] = get(m_durationBuckets[i]);
    s.durationSumSeconds = double(get(m_durationNanos)) / 1e9;
    s.durationCount = get(m_durationCount);
    s.bytesReceived = get(m_bytesReceived);
    s.uploadsCreated = get(m_uploadsCreated);
    s.uploadsFinished = get(m_uploadsFinished);
    s.uploadsTerminated = get(m_uploadsTerminated);
    s.uploadsExpired = get(m_uploadsExpired);
    for (std::size_t i = 0; i < s.hookInvocations.size(); ++i) {
        s.hookInvocations[i] = get(m_hookInvocations[i]);
        s.hookFailures[i] = get(m_hookFailures[i]);
    }
    s.cleanupPasses = get(m_cleanupPasses);
    s.cleanupRemoved = get(m_cleanupRemoved);
    s.cleanupErrors = get(m_cleanupErrors);
    s.cleanupLastDurationSeconds = double(get(m_cleanupLastDurationMs)) / 1000.0;
    return s;
}

} // namespace qtus

// One cleanup pass over many expired uploads (100,000 by default), and what the event loop
// thread sees meanwhile: the latency of HEAD requests (TusHandler, as the HTTP binding calls
// it) and of FileUploadStore::find(), against the same calls with no pass running.
// Prints numbers; never fails on timing.
//
//   cleanup_bench [--sessions 100000] [--active 1000] [--rate 5000] [--dir /path/to/empty/dir]
//
// --rate paces the lookups (rounds of one HEAD and one find() per second) like a busy server;
// 0 runs the pass alone. An unpaced loop would measure the benchmark fighting the pass for
// the CPU and the store's mutex, which no event loop does.
#include "cleanupscheduler.h"
#include "fileuploadstore.h"
#include "logging.h"
#include "tushandler.h"
#include "uploadlocks.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <unistd.h>
#include <vector>

using namespace qtus;
using namespace std::chrono_literals;

namespace {

constexpr Duration expireAfter = 24h;

struct Latencies
{
    std::vector<qint64> head;  // nanoseconds
    std::vector<qint64> find;
    QElapsedTimer since;       // started with the phase
    qint64 worstAt = -1;       // ms into the phase of the slowest call, to tell a stall from noise
    qint64 worst = 0;

    void add(std::vector<qint64> &into, qint64 ns)
    {
        into.push_back(ns);
        if (ns > worst) {
            worst = ns;
            worstAt = since.elapsed();
        }
    }
};

QString percentiles(std::vector<qint64> ns)
{
    if (ns.empty())
        return QStringLiteral("no samples");
    std::sort(ns.begin(), ns.end());
    auto at = [&ns](double q) { return double(ns[std::min(ns.size() - 1, size_t(q * double(ns.size())))]) / 1000.0; };
    return QStringLiteral("n=%1  p50 %2 us  p99 %3 us  p99.9 %4 us  max %5 us")
        .arg(ns.size())
        .arg(at(0.50), 0, 'f', 1)
        .arg(at(0.99), 0, 'f', 1)
        .arg(at(0.999), 0, 'f', 1)
        .arg(double(ns.back()) / 1000.0, 0, 'f', 1);
}

void print(const QString &line) { std::printf("%s\n", qPrintable(line)); std::fflush(stdout); }

// Writes the files the store would have written, directly: 100k creations through the store
// would measure the store, not the pass. Their last activity is the real now, which the
// benchmark's clock, two days ahead, sees as long expired.
bool writeExpiredSessions(const FileUploadStore &store, int count, QStringList *ids)
{
    const QByteArray bytes(1024, 'x');
    const QDateTime written = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < count; ++i) {
        UploadInfo info;
        info.id = newUploadId();
        info.size = 4096;
        info.offset = bytes.size();
        info.createdAt = info.lastActivityAt = written;
        QFile data(store.dataPath(info.id));
        QFile json(store.infoPath(info.id));
        if (!data.open(QIODevice::WriteOnly) || data.write(bytes) != bytes.size() || !json.open(QIODevice::WriteOnly)
            || json.write(toInfoJson(info, expireAfter)) < 0)
            return false;
        ids->append(info.id);
    }
    return true;
}

// One HEAD for an active upload and one find() for an expired one per round: the calls the
// event loop makes for clients while a pass removes uploads under them.
void measureRound(TusHandler &handler, const QList<TusRequest> &heads, FileUploadStore &store, const QStringList &expired,
                  size_t round, Latencies *out)
{
    QElapsedTimer t;
    t.start();
    const TusResponse response = handler.handle(heads.at(int(round % size_t(heads.size()))));
    out->add(out->head, t.nsecsElapsed());
    if (response.status != 200)
        qFatal("HEAD answered %d", response.status);
    t.start();
    const auto found = store.find(expired.at(int((round * 7919) % size_t(expired.size()))));
    out->add(out->find, t.nsecsElapsed());
    Q_UNUSED(found);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption sessionsOption(QStringLiteral("sessions"), QStringLiteral("Expired uploads to create."),
                                      QStringLiteral("n"), QStringLiteral("100000"));
    QCommandLineOption activeOption(QStringLiteral("active"), QStringLiteral("Active uploads HEAD is asked about."),
                                    QStringLiteral("n"), QStringLiteral("1000"));
    QCommandLineOption dirOption(QStringLiteral("dir"), QStringLiteral("An empty directory (default: a temporary one)."),
                                 QStringLiteral("path"));
    QCommandLineOption rateOption(QStringLiteral("rate"), QStringLiteral("Lookup rounds per second during the pass; 0: none."),
                                  QStringLiteral("n"), QStringLiteral("5000"));
    parser.addOptions({sessionsOption, activeOption, rateOption, dirOption});
    parser.process(app);
    const int sessions = qMax(1, parser.value(sessionsOption).toInt());
    const int active = qMax(1, parser.value(activeOption).toInt());
    const int rate = qMax(0, parser.value(rateOption).toInt());
    QTemporaryDir tmp;
    const QString dir = parser.isSet(dirOption) ? parser.value(dirOption) : tmp.path();
    QLoggingCategory::setFilterRules(QStringLiteral("qtus.store.info=false"));

    ManualClock clock(QDateTime::currentDateTimeUtc().addDays(2));
    UploadLocks locks;
    FileUploadStore store(dir, FsyncPolicy::Never, expireAfter, clock);
    QString error;
    if (!store.open(&error))
        qFatal("%s", qPrintable(error));

    QElapsedTimer phase;
    phase.start();
    QStringList expired;
    if (!writeExpiredSessions(store, sessions, &expired))
        qFatal("cannot write sessions into %s", qPrintable(dir));
    print(QStringLiteral("wrote %1 expired sessions in %2 ms (%3)").arg(sessions).arg(phase.elapsed()).arg(dir));
    // On disk, as sessions of a server that ran for a while are: removing a file that was never
    // written back costs ext4 almost nothing (delayed allocation), which would flatter the pass.
    ::sync();
    phase.start();
    if (!store.open(&error))
        qFatal("%s", qPrintable(error));
    print(QStringLiteral("store opened %1 uploads in %2 ms").arg(store.count()).arg(phase.elapsed()));

    ServerConfig config;
    config.dir = dir;
    config.expireAfter = expireAfter;
    config.fsync = FsyncPolicy::Never;
    TusHandler handler(config, store, locks, clock);
    QList<TusRequest> heads;
    for (int i = 0; i < active; ++i) {
        UploadInfo info;
        info.size = 100;
        if (store.create(info) != StoreStatus::Ok)
            qFatal("cannot create an active upload");
        TusRequest head;
        head.method = "HEAD";
        head.path = config.basePath.toLatin1() + info.id.toLatin1();
        head.headers = {{"Tus-Resumable", "1.0.0"}};
        heads << head;
    }

    // Rounds at the given rate until done() says stop; sleeps between them, as an event loop
    // idles between requests.
    auto paced = [&](Latencies *out, const std::function<bool(size_t)> &done) {
        QElapsedTimer clockwork;
        clockwork.start();
        for (size_t round = 0; !done(round); ++round) {
            measureRound(handler, heads, store, expired, round, out);
            const qint64 due = qint64(round + 1) * 1000000000 / rate;
            const qint64 ahead = due - clockwork.nsecsElapsed();
            if (ahead > 0)
                QThread::usleep(ulong(ahead / 1000));
        }
    };
    Latencies baseline;
    baseline.since.start();
    if (rate > 0)
        paced(&baseline, [rate](size_t round) { return round >= size_t(rate) * 2; });  // two seconds

    // The pass copies the index's ids once under the store's mutex: the longest a lookup waits
    // for it. sessions(), which copies every UploadInfo, for comparison.
    phase.start();
    const qsizetype indexed = store.uploadIds().size();
    const qint64 idsUs = phase.nsecsElapsed() / 1000;
    phase.start();
    store.sessions();
    print(QStringLiteral("index snapshot of %1 uploads under the store mutex: ids %2 us (what the pass takes), "
                         "sessions() %3 us")
              .arg(indexed)
              .arg(idsUs)
              .arg(phase.nsecsElapsed() / 1000));

    CleanupPolicy policy;
    policy.interval = Duration(0);
    policy.expireAfter = expireAfter;
    CleanupScheduler scheduler(store, locks, clock, policy);
    Latencies during;
    during.since.start();
    scheduler.start();
    if (rate > 0) {
        paced(&during, [&scheduler](size_t round) {
            if (round % 16 == 0)
                QCoreApplication::processEvents();  // delivers passFinished
            return !scheduler.isPassRunning();
        });
    }
    while (scheduler.isPassRunning())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    const CleanupReport report = *scheduler.lastReport();

    print(QStringLiteral("pass over %1 expired sessions: %2 ms  (scanned %3, removed %4, freed %5, errors %6)")
              .arg(sessions)
              .arg(report.duration.count())
              .arg(report.scanned)
              .arg(report.removed)
              .arg(formatBytes(report.bytesFreed))
              .arg(report.errors));
    print(QStringLiteral("lookups paced at %1 rounds/s (one HEAD + one find() each)").arg(rate));
    print(QStringLiteral("HEAD   without a pass: %1").arg(percentiles(baseline.head)));
    print(QStringLiteral("HEAD   during the pass: %1").arg(percentiles(during.head)));
    if (during.worstAt >= 0)
        print(QStringLiteral("slowest call during the pass: %1 us, %2 ms after it started")
                  .arg(during.worst / 1000)
                  .arg(during.worstAt));
    print(QStringLiteral("find() without a pass: %1").arg(percentiles(baseline.find)));
    print(QStringLiteral("find() during the pass: %1").arg(percentiles(during.find)));
    print(QStringLiteral("uploads left: %1 (the %2 active ones)").arg(store.count()).arg(active));

    // What the file system alone charges: plain unlink() of the same kind of files, so the
    // pass's cost per upload can be read against it (mount options such as discard dominate).
    const int sample = qMin(sessions, 10000);
    QStringList plain;
    if (!writeExpiredSessions(store, sample, &plain))
        qFatal("cannot write the unlink sample");
    ::sync();
    phase.start();
    for (const QString &id : std::as_const(plain)) {
        QFile::remove(store.dataPath(id));
        QFile::remove(store.infoPath(id));
    }
    const double plainUs = double(phase.nsecsElapsed()) / 1000.0 / sample;
    const double passUs = double(report.duration.count()) * 1000.0 / qMax(1, report.removed);
    print(QStringLiteral("plain unlink of data + .info: %1 us per upload (%2 uploads); the pass: %3 us per upload (%4x)")
              .arg(plainUs, 0, 'f', 1)
              .arg(sample)
              .arg(passUs, 0, 'f', 1)
              .arg(passUs / plainUs, 0, 'f', 2));
    return 0;
}

// S3Client's throughput and memory against a real S3 (scripts/rgw.sh; QTUS_S3_ENV_FILE names
// its env file): a multipart upload of a file in parts streamed from file ranges, then the
// object read back through an S3ObjectReader and compared with the file as it arrives. Prints
// the time and CPU time of each stage and the process's RSS, and its peak (VmHWM).
//   s3_bench [MiB total, default 256] [MiB per part, default 16] [parts in flight, default 4]
#include "s3client.h"
#include "s3objectreader.h"
#include "../s3/s3testenv.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryFile>

#include <cstdio>
#include <ctime>
#include <deque>

using namespace qtus;

namespace {

constexpr qint64 MiB = 1024 * 1024;

qint64 statusKiB(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

qint64 cpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return qint64(t.tv_sec) * 1000 + t.tv_nsec / 1000000;
}

void report(const char *stage, qint64 bytes, qint64 ms)
{
    static qint64 lastCpu = cpuMs();
    const qint64 cpu = cpuMs();
    std::printf("%-26s %6.1f MiB %6lld ms %6.1f MiB/s  CPU %5lld ms  RSS %4lld MiB, peak %4lld MiB\n", stage,
                double(bytes) / MiB, ms, ms ? double(bytes) / MiB / (double(ms) / 1000) : 0.0, cpu - lastCpu,
                statusKiB("VmRSS:") / 1024, statusKiB("VmHWM:") / 1024);
    lastCpu = cpu;
    std::fflush(stdout);
}

[[noreturn]] void fail(const QString &what, const S3Error &error)
{
    std::fprintf(stderr, "s3_bench: %s: %s\n", qPrintable(what), qPrintable(error.describe()));
    std::exit(1);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const qint64 total = args.value(1, QStringLiteral("256")).toLongLong() * MiB;
    const qint64 partSize = args.value(2, QStringLiteral("16")).toLongLong() * MiB;
    const int inFlight = args.value(3, QStringLiteral("4")).toInt();
    QString problem;
    const auto config = s3test::configForTests(&problem);
    if (!config) {
        std::fprintf(stderr, "s3_bench: %s\n", qPrintable(problem));
        return 2;
    }

    // The staging file, written a MiB at a time (never held whole).
    QTemporaryFile file;
    if (!file.open())
        return 2;
    QRandomGenerator generator(7);
    QByteArray block(MiB, Qt::Uninitialized);
    for (qint64 at = 0; at < total; at += MiB) {
        generator.fillRange(reinterpret_cast<quint32 *>(block.data()), MiB / 4);
        const QByteArray piece = block.left(qMin(MiB, total - at));
        file.write(piece);
    }
    file.flush();
    block = QByteArray();
    report("start (file written)", 0, 0);

    S3Client client(*config);
    const QString key = QStringLiteral("s3_bench/%1").arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    QElapsedTimer timer;
    timer.start();
    QString uploadId;
    QList<S3Part> parts;
    std::deque<int> waiting;
    for (qint64 at = 0, n = 1; at < total; at += partSize, ++n) {
        parts.append(S3Part{int(n), qMin(partSize, total - at), QByteArray()});
        waiting.push_back(int(n));
    }
    int running = 0;
    bool uploaded = false;
    std::function<void()> next = [&] {
        while (running < inFlight && !waiting.empty()) {
            const int n = waiting.front();
            waiting.pop_front();
            ++running;
            S3Part &part = parts[n - 1];
            client.uploadPart(key, uploadId, n, file.fileName(), (n - 1) * partSize, part.size, &app,
                              [&, n](const S3Result<QByteArray> &result) {
                                  if (!result.ok())
                                      fail(QStringLiteral("part %1").arg(n), *result.error);
                                  parts[n - 1].etag = result.value;
                                  --running;
                                  next();
                              });
        }
        if (running == 0 && waiting.empty())
            uploaded = true;
    };
    client.createMultipartUpload(key, "application/octet-stream", &app, [&](const S3Result<QString> &result) {
        if (!result.ok())
            fail(QStringLiteral("create"), *result.error);
        uploadId = result.value;
        next();
    });
    while (!uploaded)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    report("upload parts", total, timer.elapsed());

    bool completed = false;
    client.completeMultipartUpload(key, uploadId, parts, &app, [&](const S3Result<QByteArray> &result) {
        if (!result.ok())
            fail(QStringLiteral("complete"), *result.error);
        completed = true;
    });
    while (!completed)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    report("+ complete (round trip)", total, timer.elapsed());

    // Compared with the file piece by piece (SHA-256 here would be the bottleneck: 120 MB/s).
    timer.restart();
    QFile original(file.fileName());
    original.open(QIODevice::ReadOnly);
    qint64 got = 0;
    bool same = true;
    S3ObjectReader *reader = client.getObject(key);
    auto take = [&] {
        for (QByteArray piece; !(piece = reader->read(256 * 1024)).isEmpty(); got += piece.size())
            same = same && original.read(piece.size()) == piece;
    };
    QObject::connect(reader, &S3ObjectReader::readyRead, take);
    while (!reader->isFinished())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    take();
    if (reader->error())
        fail(QStringLiteral("get"), *reader->error());
    report("get (streamed, compared)", got, timer.elapsed());
    same = same && got == total;
    std::printf("read back %s\n", same ? "identical" : "DIFFERENT");

    bool deleted = false;
    client.deleteObject(key, &app, [&](const S3Status &) { deleted = true; });
    while (!deleted)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    return same ? 0 : 1;
}

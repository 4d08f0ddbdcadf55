// Memory and startup time per stored upload: writes N uploads' .info files (8 KiB of
// metadata each by default) into a directory, then opens a FileUploadStore over it in a fresh
// process and prints the open time and the resident memory the index added, per upload.
// Prints numbers; never fails on timing or size.
//
//   index_bench [--uploads 100000] [--metadata 8192] [--dir /path/to/empty/dir]
//
// The store is opened in a child process (this program again, with --open), so the memory
// of writing the files is not counted. RSS is read from /proc/self/statm before and after
// open(); malloc_trim() runs first so that freed parsing buffers do not count as kept.
#include "fileuploadstore.h"
#include "uploadinfofile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <malloc.h>
#include <unistd.h>

using namespace qtus;
using namespace std::chrono_literals;

namespace {

qint64 residentBytes()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.value(1).toLongLong() * ::sysconf(_SC_PAGESIZE);
}

int openAndMeasure(const QString &dir)
{
    ::malloc_trim(0);
    const qint64 before = residentBytes();
    ManualClock clock;
    FileUploadStore store(dir, FsyncPolicy::Never, 24h, clock);
    QElapsedTimer timer;
    timer.start();
    QString error;
    if (!store.open(&error)) {
        std::fprintf(stderr, "open failed: %s\n", qPrintable(error));
        return 1;
    }
    const qint64 ms = timer.elapsed();
    ::malloc_trim(0);
    const qint64 after = residentBytes();
    const int n = store.count();
    std::printf("%d %lld %lld %lld\n", n, ms, before, after);
    return 0;
}

void prepare(const QString &dir, int uploads, int metadataBytes)
{
    // "name <base64>": a header of about metadataBytes bytes.
    const QByteArray value(qMax(0, metadataBytes * 3 / 4 - 4), 'm');
    const QByteArray metadata = metadataBytes > 0 ? "name " + value.toBase64() : QByteArray();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < uploads; ++i) {
        UploadInfo info;
        info.id = newUploadId();
        info.size = 1000;
        info.metadataHeader = metadata;
        info.createdAt = info.lastActivityAt = now;
        QFile file(dir + QLatin1Char('/') + info.id + QLatin1String(".info"));
        if (!file.open(QIODevice::WriteOnly) || file.write(toInfoJson(info, 24h)) < 0) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(file.fileName()));
            std::exit(1);
        }
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addOptions({{QStringLiteral("uploads"), QStringLiteral("Uploads to store."), QStringLiteral("n"), QStringLiteral("100000")},
                       {QStringLiteral("metadata"), QStringLiteral("Bytes of Upload-Metadata each."), QStringLiteral("bytes"), QStringLiteral("8192")},
                       {QStringLiteral("dir"), QStringLiteral("An empty directory to use."), QStringLiteral("dir")},
                       {QStringLiteral("open"), QStringLiteral("Internal: open the store over this directory and report."), QStringLiteral("dir")}});
    parser.process(app);
    if (parser.isSet(QStringLiteral("open")))
        return openAndMeasure(parser.value(QStringLiteral("open")));

    const int uploads = parser.value(QStringLiteral("uploads")).toInt();
    const int metadata = parser.value(QStringLiteral("metadata")).toInt();
    QTemporaryDir tmp(parser.isSet(QStringLiteral("dir")) ? parser.value(QStringLiteral("dir")) + QStringLiteral("/index-bench-XXXXXX")
                                                         : QDir::tempPath() + QStringLiteral("/index-bench-XXXXXX"));
    if (!tmp.isValid())
        return 1;
    QElapsedTimer timer;
    timer.start();
    prepare(tmp.path(), uploads, metadata);
    std::printf("index_bench: %d uploads with %d bytes of metadata each, written in %.1f s\n", uploads, metadata,
                double(timer.elapsed()) / 1000.0);
    std::fflush(stdout);

    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--open"), tmp.path()});
    if (!child.waitForFinished(600000) || child.exitCode() != 0) {
        std::fprintf(stderr, "the measuring process failed: %s\n", child.readAllStandardError().constData());
        return 1;
    }
    const QList<QByteArray> r = child.readAllStandardOutput().trimmed().split(' ');
    const qint64 n = r.value(0).toLongLong(), ms = r.value(1).toLongLong();
    const qint64 before = r.value(2).toLongLong(), after = r.value(3).toLongLong();
    std::printf("  open(): %lld uploads in %lld ms (%.1f us each; target: 100,000 in under 2 s)\n", n, ms,
                n ? double(ms) * 1000.0 / double(n) : 0.0);
    std::printf("  resident memory: %.1f MiB before, %.1f MiB after: %lld bytes per stored upload (target: at most 256)\n",
                double(before) / 1048576.0, double(after) / 1048576.0, n ? (after - before) / n : 0);
    return 0;
}

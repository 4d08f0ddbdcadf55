// qtusd: the headless tus server. Parses the command line, runs UploadServer until SIGTERM
// or SIGINT, and maps failures to exit codes (2: bad command line, 1: cannot start).
#include "adminserver.h"
#include "logging.h"
#include "serverconfig.h"
#include "servicenotify.h"
#include "stopsignals.h"
#include "uploadserver.h"

#include <QCoreApplication>

#include <algorithm>
#include <memory>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/resource.h>

namespace {

// Every connection and every upload being written holds a descriptor; the usual soft limit
// of 1024 would be reached before --max-connections (default 1024). Raise it towards the
// hard limit, which needs no privilege, but not past 65536: hook programs inherit it, and
// some loop over every possible descriptor (a hard limit of 2^30 is common in containers).
void raiseFileLimit()
{
    constexpr rlim_t enough = 65536;
    struct rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return;
    const rlim_t target = limit.rlim_max == RLIM_INFINITY ? enough : std::min(limit.rlim_max, enough);
    if (limit.rlim_cur >= target)
        return;  // never lowered
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = target;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        qCDebug(lcServer) << "raised the open-file limit from" << quint64(before) << "to" << quint64(limit.rlim_cur);
    } else {
        const int err = errno;  // logging may change errno
        qCDebug(lcServer) << "cannot raise the open-file limit from" << quint64(before) << ":" << strerror(err);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    qtus::ServerConfig config;
    if (const auto exitCode = qtus::takeCommandLine(argc, argv, QStringLiteral("qtusd"), &config))
        return *exitCode;

    // Qt's own event dispatcher instead of GLib's: with GLib, every change of a socket's write
    // notifier wakes the loop through an eventfd, three write() calls per HEAD answer instead
    // of one (strace); the HEAD benchmark runs about a fifth faster without. Set before the
    // application object, which picks the dispatcher. A QT_NO_GLIB the user set (empty: use
    // GLib) is left as it is.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qtusd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(QTUS_VERSION));
    qtus::installLogHandler({config.logFormat, config.logLevel});
    raiseFileLimit();

    qtus::UploadServer server(config);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "qtusd: %s\n", qPrintable(error));
        return 1;
    }
    std::unique_ptr<qtus::AdminServer> admin;
    if (!config.adminHost.isEmpty()) {
        admin = std::make_unique<qtus::AdminServer>(server);
        if (!admin->start(&error)) {
            std::fprintf(stderr, "qtusd: %s\n", qPrintable(error));
            return 1;
        }
    }

    // First SIGTERM/SIGINT: graceful stop. A second one: stop now (still committing what
    // arrived).
    qtus::StopSignals stopSignals;
    if (!stopSignals.install(&error)) {
        std::fprintf(stderr, "qtusd: %s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(&stopSignals, &qtus::StopSignals::received, &app, [&server] {
        if (server.isStopping()) {
            server.stop();
        } else {
            qtus::notifyServiceStopping(QStringLiteral("stopping: waiting for uploads in flight"));
            server.stopGracefully();
        }
    });
    QObject::connect(&server, &qtus::UploadServer::stopped, &app, &QCoreApplication::quit, Qt::QueuedConnection);

    std::fprintf(stdout, "qtusd listening on %s\n", qPrintable(server.url().toString()));
    if (admin)
        std::fprintf(stdout, "qtusd admin on %s\n", qPrintable(admin->url().toString()));
    std::fflush(stdout);
    // Only now, with both listeners up and the signals handled, may systemd (Type=notify)
    // start what depends on qtusd.
    qtus::notifyServiceReady(QStringLiteral("listening on %1").arg(server.url().toString()));
    return app.exec();
}

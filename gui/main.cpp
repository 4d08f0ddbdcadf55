// qtus-admin: the same UploadServer as qtusd, started in-process, with the admin window.
// Same command line as qtusd (one shared parser) and the same exit codes: 2 for a bad
// command line, 1 when the server cannot start (on stderr; no dialog, so scripts and
// service managers see it). Closing the window stops the server the graceful way, as
// SIGTERM does for qtusd; SIGTERM and SIGINT do the same here.
#include "adminwindow.h"
#include "localsessionsource.h"
#include "serverconfig.h"
#include "uploadserver.h"

#include <QApplication>
#include <QIcon>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

// At global scope: Q_INIT_RESOURCE declares the resource's initializer, which must not
// land in a namespace. Needed because the icons live in the static qtus_gui library.
static void initResources() { Q_INIT_RESOURCE(qtus); }

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(signalPipe[1], &byte, 1);
}

} // namespace

int main(int argc, char *argv[])
{
    qtus::ServerConfig config;
    if (const auto exitCode = qtus::takeCommandLine(argc, argv, QStringLiteral("qtus-admin"), &config))
        return *exitCode;

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("qtus-admin"));
    QApplication::setOrganizationName(QStringLiteral("qtus"));
    QApplication::setApplicationVersion(QStringLiteral(QTUS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("qtus-admin"));
    initResources();
    QIcon icon;
    for (const int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/qtus/qtus-%1.png").arg(size), QSize(size, size));
    QApplication::setWindowIcon(icon);
    std::signal(SIGPIPE, SIG_IGN);

    qtus::UploadServer server(config);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "qtus-admin: %s\n", qPrintable(error));
        return 1;
    }
    qtus::LocalSessionSource source(server.store(), server.locks(), server.scheduler(), server.url());
    qtus::AdminWindow window(source, server.clock());
    // Closing the window is the admin's SIGTERM: the graceful stop (uploads in flight may
    // finish, a running cleanup pass ends), and the process exits once it is done.
    QApplication::setQuitOnLastWindowClosed(false);
    auto stopServer = [&server] {
        if (!server.isRunning() || server.isStopping())
            return;  // asked twice: a second signal, or a signal and then the window
        std::fprintf(stdout, "qtus-admin: stopping\n");
        std::fflush(stdout);
        server.stopGracefully();
    };
    QObject::connect(&app, &QGuiApplication::lastWindowClosed, &server, stopServer);
    QObject::connect(&server, &qtus::UploadServer::stopped, &app, &QCoreApplication::quit, Qt::QueuedConnection);

    // SIGTERM and SIGINT stop the server as closing the window does, so a service manager or
    // Ctrl+C lets uploads finish as the admin would; the quit that follows closes the window
    // (saving its layout) as it does after the admin closed it. The signal arrives on a
    // socketpair, as in qtusd, so this runs in the event loop, not in the signal's context.
    // Set up before the listening line: whoever waits for that line may signal at once.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalPipe) != 0) {
        std::perror("qtus-admin: socketpair");
        return 1;
    }
    QSocketNotifier notifier(signalPipe[0], QSocketNotifier::Read);
    // A second signal while the stop is under way changes nothing: the graceful stop is
    // bounded by --shutdown-timeout.
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&stopServer] {
        char byte;
        [[maybe_unused]] const ssize_t n = ::read(signalPipe[0], &byte, 1);
        stopServer();
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    std::fprintf(stdout, "qtus-admin listening on %s\n", qPrintable(server.url().toString()));
    std::fflush(stdout);
    window.show();
    return QApplication::exec();
}

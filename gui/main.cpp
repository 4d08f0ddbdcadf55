// qtus-admin: the same UploadServer as qtusd, started in-process, with the admin window.
// Same command line as qtusd (one shared parser) and the same exit codes: 2 for a bad
// command line, 1 when the server cannot start (on stderr; no dialog, so scripts and
// service managers see it). Closing the window stops the server the graceful way, as
// SIGTERM does for qtusd.
#include "adminwindow.h"
#include "localsessionsource.h"
#include "serverconfig.h"
#include "uploadserver.h"

#include <QApplication>
#include <QIcon>

#include <csignal>
#include <cstdio>

// At global scope: Q_INIT_RESOURCE declares the resource's initializer, which must not
// land in a namespace. Needed because the icons live in the static qtus_gui library.
static void initResources() { Q_INIT_RESOURCE(qtus); }

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
    std::fprintf(stdout, "qtus-admin listening on %s\n", qPrintable(server.url().toString()));
    std::fflush(stdout);

    qtus::LocalSessionSource source(server.store(), server.locks(), server.scheduler(), server.url());
    qtus::AdminWindow window(source, server.clock());
    // Closing the window is the admin's SIGTERM: the graceful stop (uploads in flight may
    // finish, a running cleanup pass ends), and the process exits once it is done.
    QApplication::setQuitOnLastWindowClosed(false);
    QObject::connect(&app, &QGuiApplication::lastWindowClosed, &server, [&server] {
        std::fprintf(stdout, "qtus-admin: stopping\n");
        std::fflush(stdout);
        server.stopGracefully();
    });
    QObject::connect(&server, &qtus::UploadServer::stopped, &app, &QCoreApplication::quit, Qt::QueuedConnection);
    window.show();
    return QApplication::exec();
}

// qtus-admin: the same UploadServer as qtusd, started in-process, with the admin window.
// Same command line as qtusd (one shared parser) and the same exit codes: 2 for a bad
// command line, 1 when the server cannot start (on stderr; no dialog, so scripts and
// service managers see it). Closing the window stops the server the graceful way, as
// SIGTERM does for qtusd; SIGTERM and SIGINT do the same here.
//
// qtus-admin --connect http://HOST:PORT/ [--token-file PATH] [--ca-file PATH] opens the
// same window on a qtusd elsewhere, over its admin API (docs/admin-api.md); nothing runs in
// this process then, and closing the window (or a signal) only closes it. --ca-file names
// the certificates to trust for an https admin API besides the system's.
#include "adminwindow.h"
#include "clock.h"
#include "localsessionsource.h"
#include "remotesessionsource.h"
#include "serverconfig.h"
#include "stopsignals.h"
#include "uploadserver.h"

#include <QApplication>
#include <QFile>
#include <QIcon>
#include <QSslCertificate>

#include <csignal>
#include <optional>
#include <variant>
#include <cstdio>

// At global scope: Q_INIT_RESOURCE declares the resource's initializer, which must not
// land in a namespace. Needed because the icons live in the static qtus_gui library.
static void initResources() { Q_INIT_RESOURCE(qtus); }

namespace {


// --connect URL [--token-file PATH] [--ca-file PATH]: the only flags of the remote mode. nullopt when the
// command line is not the remote mode's; an exit code when it is but is wrong.
struct RemoteArgs
{
    QUrl adminUrl;
    QByteArray token;
    QString caFile;  // --ca-file: certificates trusted besides the system's CAs (https)
};

// The certificates of --ca-file (read once a QApplication exists: Qt's TLS backend needs one).
std::optional<QList<QSslCertificate>> trustedCertificates(const QString &caFile)
{
    if (caFile.isEmpty())
        return QList<QSslCertificate>();
    QFile file(caFile);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "qtus-admin: --ca-file %s: %s\n", qPrintable(caFile), qPrintable(file.errorString()));
        return std::nullopt;
    }
    const QByteArray pem = file.read(1024 * 1024);  // a few certificates; more is not a CA file
    const QList<QSslCertificate> certificates = file.atEnd() ? QSslCertificate::fromData(pem, QSsl::Pem) : QList<QSslCertificate>();
    if (certificates.isEmpty()) {
        std::fprintf(stderr, "qtus-admin: --ca-file %s holds no PEM certificate (or is over 1 MiB)\n", qPrintable(caFile));
        return std::nullopt;
    }
    return certificates;
}
std::optional<std::variant<RemoteArgs, int>> remoteArguments(int argc, char *argv[])
{
    QStringList args;
    for (int i = 1; i < argc; ++i) {
        const QString arg = QString::fromLocal8Bit(argv[i]);
        // --connect=URL and --token-file=PATH as the shared parser would take them
        if (arg.startsWith(QLatin1String("--connect=")) || arg.startsWith(QLatin1String("--token-file=")))
            args << arg.section(QLatin1Char('='), 0, 0) << arg.section(QLatin1Char('='), 1);
        else
            args << arg;
    }
    if (!args.contains(QStringLiteral("--connect")))
        return std::nullopt;
    const auto fail = [](const QString &why) {
        std::fprintf(stderr, "qtus-admin: %s\n", qPrintable(why));
        return std::optional<std::variant<RemoteArgs, int>>(2);
    };
    RemoteArgs remote;
    QString tokenFile;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        const bool takesValue = arg == QLatin1String("--connect") || arg == QLatin1String("--token-file") || arg == QLatin1String("--ca-file");
        if (takesValue && i + 1 >= args.size())
            return fail(QStringLiteral("%1 needs a value").arg(arg));
        if (arg == QLatin1String("--connect"))
            remote.adminUrl = QUrl(args.at(++i), QUrl::StrictMode);
        else if (arg == QLatin1String("--token-file"))
            tokenFile = args.at(++i);
        else if (arg == QLatin1String("--ca-file"))
            remote.caFile = args.at(++i);
        else
            return fail(QStringLiteral("--connect takes only --token-file and --ca-file, not '%1' (the server's own flags are the server's); try --help").arg(arg));
    }
    if (!remote.adminUrl.isValid() || (remote.adminUrl.scheme() != QLatin1String("http") && remote.adminUrl.scheme() != QLatin1String("https"))
        || remote.adminUrl.host().isEmpty())
        return fail(QStringLiteral("--connect: expected the admin API's URL, such as http://127.0.0.1:1081/"));
    if (!remote.adminUrl.path().endsWith(QLatin1Char('/')))
        remote.adminUrl.setPath(remote.adminUrl.path() + QLatin1Char('/'));
    if (tokenFile.isEmpty()) {
        remote.token = qgetenv("QTUS_ADMIN_TOKEN").trimmed();
        if (remote.token.isEmpty())
            return fail(QStringLiteral("--connect needs --token-file PATH (or QTUS_ADMIN_TOKEN)"));
    } else {
        QFile file(tokenFile);
        if (!file.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("--token-file %1: %2").arg(tokenFile, file.errorString()));
        remote.token = file.readLine(4096).trimmed();
        if (remote.token.isEmpty())
            return fail(QStringLiteral("--token-file %1 holds no token").arg(tokenFile));
    }
    return std::optional<std::variant<RemoteArgs, int>>(remote);
}

// SIGTERM and SIGINT, handled in the event loop; exits 1 when they cannot be.
void installStopSignals(qtus::StopSignals &stopSignals)
{
    QString error;
    if (!stopSignals.install(&error)) {
        std::fprintf(stderr, "qtus-admin: %s\n", qPrintable(error));
        std::exit(1);
    }
}

QIcon appIcon()
{
    QIcon icon;
    for (const int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/qtus/qtus-%1.png").arg(size), QSize(size, size));
    return icon;
}

void setUpApplication()
{
    QApplication::setApplicationName(QStringLiteral("qtus-admin"));
    QApplication::setOrganizationName(QStringLiteral("qtus"));
    QApplication::setApplicationVersion(QStringLiteral(QTUS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("qtus-admin"));
    initResources();
    QApplication::setWindowIcon(appIcon());
    std::signal(SIGPIPE, SIG_IGN);
}

// The window on a qtusd elsewhere: a signal or closing the window ends it.
int runRemote(int argc, char *argv[], const RemoteArgs &remote)
{
    QApplication app(argc, argv);
    setUpApplication();
    const auto trusted = trustedCertificates(remote.caFile);
    if (!trusted)
        return 2;
    qtus::RemoteSessionSource source(remote.adminUrl, remote.token);
    source.trustCertificates(*trusted);
    qtus::SystemClock clock;
    qtus::AdminWindow window(source, clock);
    qtus::StopSignals stopSignals;
    installStopSignals(stopSignals);
    QObject::connect(&stopSignals, &qtus::StopSignals::received, &app, [] {
        std::fprintf(stdout, "qtus-admin: closing\n");
        std::fflush(stdout);
        QApplication::closeAllWindows();
        QCoreApplication::quit();
    });
    source.start();
    std::fprintf(stdout, "qtus-admin watching %s\n", qPrintable(remote.adminUrl.toString()));
    std::fflush(stdout);
    window.show();
    return QApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    if (const auto remote = remoteArguments(argc, argv)) {
        if (const int *exitCode = std::get_if<int>(&*remote))
            return *exitCode;
        return runRemote(argc, argv, std::get<RemoteArgs>(*remote));
    }
    qtus::ServerConfig config;
    if (const auto exitCode = qtus::takeCommandLine(argc, argv, QStringLiteral("qtus-admin"), &config))
        return *exitCode;

    QApplication app(argc, argv);
    setUpApplication();

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
    qtus::StopSignals stopSignals;
    installStopSignals(stopSignals);
    // A second signal while the stop is under way changes nothing: the graceful stop is
    // bounded by --shutdown-timeout.
    QObject::connect(&stopSignals, &qtus::StopSignals::received, &app, stopServer);
    std::fprintf(stdout, "qtus-admin listening on %s\n", qPrintable(server.url().toString()));
    std::fflush(stdout);
    window.show();
    return QApplication::exec();
}

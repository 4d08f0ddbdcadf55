#include "serverconfig.h"

#include <QCommandLineParser>
#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QUrl>

#include <arpa/inet.h>
#include <cstdio>

namespace qtus {

namespace {

struct Options
{
    QCommandLineOption host{QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("address")};
    QCommandLineOption port{QStringLiteral("port"), QStringLiteral("TCP port (default 1080; 0 picks a free port)."), QStringLiteral("port")};
    QCommandLineOption basePath{QStringLiteral("base-path"), QStringLiteral("URL path of the upload endpoint (default /files/)."), QStringLiteral("path")};
    QCommandLineOption dir{QStringLiteral("dir"), QStringLiteral("Upload directory, created if missing (default ./uploads)."), QStringLiteral("dir")};
    QCommandLineOption maxSize{QStringLiteral("max-size"), QStringLiteral("Largest upload in bytes, K/M/G/T suffixes allowed; 0 = unlimited (default)."), QStringLiteral("size")};
    QCommandLineOption expireAfter{QStringLiteral("expire-after"), QStringLiteral("Unfinished uploads expire this long after their last activity (default 24h)."), QStringLiteral("duration")};
    QCommandLineOption cleanupInterval{QStringLiteral("cleanup-interval"), QStringLiteral("Time between cleanup passes; 0 = only at startup and on demand (default 10m)."), QStringLiteral("duration")};
    QCommandLineOption keepCompleted{QStringLiteral("keep-completed"), QStringLiteral("Remove completed uploads this long after completion; 0 = keep forever (default)."), QStringLiteral("duration")};
    QCommandLineOption orphanGrace{QStringLiteral("orphan-grace"), QStringLiteral("Age before stray files in the upload directory are removed (default 1h)."), QStringLiteral("duration")};
    QCommandLineOption shutdownTimeout{QStringLiteral("shutdown-timeout"), QStringLiteral("How long a graceful stop waits for uploads in flight (default 10s)."), QStringLiteral("duration")};
    QCommandLineOption maxHeaderSize{QStringLiteral("max-header-size"), QStringLiteral("Largest request head (request line and headers); larger ones get 431 (default 16K)."), QStringLiteral("size")};
    QCommandLineOption idleTimeout{QStringLiteral("idle-timeout"), QStringLiteral("Close a keep-alive connection idle this long between requests; 0 = never (default 60s)."), QStringLiteral("duration")};
    QCommandLineOption readTimeout{QStringLiteral("read-timeout"), QStringLiteral("A request head must arrive within this time of its first byte, and a body must bring 1 KiB per period; else the connection closes, keeping what arrived; 0 = never (default 60s)."), QStringLiteral("duration")};
    QCommandLineOption releaseStalledAfter{QStringLiteral("release-stalled-after"), QStringLiteral("A PATCH whose body has brought nothing for this long gives its upload up (keeping what arrived) when a new request for that upload arrives, so a client that lost its connection resumes at once; 0 = never (default 2s)."), QStringLiteral("duration")};
    QCommandLineOption maxConnections{QStringLiteral("max-connections"), QStringLiteral("Most open connections; more get 503 (default 1024)."), QStringLiteral("count")};
    QCommandLineOption corsOrigins{QStringLiteral("cors-origins"), QStringLiteral("Origins allowed by CORS: '*' (default), a comma-separated list, or 'none'."), QStringLiteral("origins")};
    QCommandLineOption behindProxy{QStringLiteral("behind-proxy"), QStringLiteral("Trust X-Forwarded-Proto/-Host/-Port and Forwarded when building upload URLs.")};
    QCommandLineOption baseUrl{QStringLiteral("base-url"), QStringLiteral("Public URL of the endpoint (e.g. https://example.com/files/); overrides the Host header."), QStringLiteral("url")};
    QCommandLineOption disableDownload{QStringLiteral("disable-download"), QStringLiteral("Do not serve GET downloads of completed uploads.")};
    QCommandLineOption hookPreCreate{QStringLiteral("hook-pre-create"), QStringLiteral("Command run before an upload is created (JSON on stdin); non-zero exit refuses it with 403."), QStringLiteral("command")};
    QCommandLineOption hookPostFinish{QStringLiteral("hook-post-finish"), QStringLiteral("Command run after an upload completes (JSON on stdin); failures are logged and retried."), QStringLiteral("command")};
    QCommandLineOption hookTimeout{QStringLiteral("hook-timeout"), QStringLiteral("Time limit for the pre-create hook; past it the upload is refused with 503 (default 5s)."), QStringLiteral("duration")};
    QCommandLineOption hooksDir{QStringLiteral("hooks-dir"), QStringLiteral("A directory of hook programs named after the events (pre-create, post-finish, ...), as tusd's -hooks-dir."), QStringLiteral("dir")};
    QCommandLineOption hooksHttp{QStringLiteral("hooks-http"), QStringLiteral("POST every enabled hook event, as JSON, to this http(s) URL."), QStringLiteral("url")};
    QCommandLineOption hooksHttpTimeout{QStringLiteral("hooks-http-timeout"), QStringLiteral("Time limit of an HTTP hook request (default 5s)."), QStringLiteral("duration")};
    QCommandLineOption hooksEnabledEvents{QStringLiteral("hooks-enabled-events"), QStringLiteral("Comma-separated hook events to run (default: all of pre-create, post-create, post-receive, pre-finish, post-finish, pre-terminate, post-terminate)."), QStringLiteral("events")};
    QCommandLineOption hooksForwardHeaders{QStringLiteral("hooks-forward-headers"), QStringLiteral("Comma-separated request headers hooks see (default: all but Cookie)."), QStringLiteral("names")};
    QCommandLineOption hooksProgressInterval{QStringLiteral("hooks-progress-interval"), QStringLiteral("At most one post-receive event per upload this often (default 1s)."), QStringLiteral("duration")};
    QCommandLineOption corsAllowCredentials{QStringLiteral("cors-allow-credentials"), QStringLiteral("Allow browsers to send cookies: answer the listed --cors-origins with Access-Control-Allow-Credentials (not with '*').")};
    QCommandLineOption adminListen{QStringLiteral("admin-listen"), QStringLiteral("Serve the admin API (docs/admin-api.md) on HOST:PORT; off by default."), QStringLiteral("host:port")};
    QCommandLineOption adminTokenFile{QStringLiteral("admin-token-file"), QStringLiteral("The admin API's bearer token; created with a random token if missing (default <dir>/.qtus-admin-token)."), QStringLiteral("path")};
    QCommandLineOption logFormat{QStringLiteral("log-format"), QStringLiteral("'text' (default): a timestamp and a level on every line; 'json': one JSON object per line."), QStringLiteral("text|json")};
    QCommandLineOption logLevel{QStringLiteral("log-level"), QStringLiteral("error, warning, info (default) or debug."), QStringLiteral("level")};
    QCommandLineOption accessLog{QStringLiteral("access-log"), QStringLiteral("'on' (default): one line per request at info level; 'off'."), QStringLiteral("on|off")};
    QCommandLineOption fsync{QStringLiteral("fsync"), QStringLiteral("'always': acknowledge a PATCH only after its bytes are on disk (default); 'never': skip fsync."), QStringLiteral("always|never")};
};

bool isIpAddress(const QString &text)
{
    const QByteArray latin = text.toLatin1();
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, latin.constData(), buffer) == 1 || ::inet_pton(AF_INET6, latin.constData(), buffer) == 1;
}

QString badValue(const QString &flag, const QString &value, const QString &why)
{
    return QStringLiteral("--%1: invalid value '%2': %3").arg(flag, value, why);
}

} // namespace

ConfigParseResult parseServerConfig(const QStringList &arguments, const QString &programName)
{
    ConfigParseResult result;
    Options o;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("%1: a resumable-upload server for the tus 1.0.0 protocol.").arg(programName));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    parser.addOptions({o.host, o.port, o.basePath, o.dir, o.maxSize, o.expireAfter, o.cleanupInterval,
                       o.keepCompleted, o.orphanGrace, o.shutdownTimeout, o.fsync, o.maxHeaderSize, o.idleTimeout,
                       o.readTimeout, o.releaseStalledAfter, o.maxConnections, o.corsOrigins, o.behindProxy, o.baseUrl, o.disableDownload,
                       o.hookPreCreate, o.hookPostFinish, o.hookTimeout, o.hooksDir, o.hooksHttp, o.hooksHttpTimeout,
                       o.hooksEnabledEvents, o.hooksForwardHeaders, o.hooksProgressInterval, o.corsAllowCredentials, o.adminListen, o.adminTokenFile, o.logFormat,
                       o.logLevel, o.accessLog});

    auto error = [&result](const QString &text) {
        result.outcome = ConfigParseResult::Outcome::Error;
        result.text = text;
        return result;
    };
    if (!parser.parse(arguments))
        return error(parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return error(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    if (parser.isSet(help)) {
        result.outcome = ConfigParseResult::Outcome::ShowHelp;
        // No application object exists yet, so Qt cannot know the program's name.
        result.text = parser.helpText().replace(QLatin1String("<executable_name>"), programName);
        return result;
    }
    if (parser.isSet(version)) {
        result.outcome = ConfigParseResult::Outcome::ShowVersion;
        result.text = QStringLiteral("%1 %2").arg(programName, QLatin1String(QTUS_VERSION));
        return result;
    }

    ServerConfig &c = result.config;
    // A repeated flag: the last one wins, as users of other servers expect.
    auto value = [&parser](const QCommandLineOption &opt) { return parser.values(opt).constLast(); };

    if (parser.isSet(o.host)) {
        c.host = value(o.host);
        if (!isIpAddress(c.host) && c.host != QLatin1String("localhost"))
            return error(badValue(QStringLiteral("host"), c.host, QStringLiteral("not an IP address")));
    }
    if (parser.isSet(o.port)) {
        bool ok = false;
        const uint port = value(o.port).toUInt(&ok);
        if (!ok || port > 65535)
            return error(badValue(QStringLiteral("port"), value(o.port), QStringLiteral("expected 0 to 65535")));
        c.port = quint16(port);
    }
    if (parser.isSet(o.basePath)) {
        QString path = value(o.basePath);
        static const QRegularExpression safe(QStringLiteral("^/([A-Za-z0-9._~-]+/)*$"));
        if (!path.endsWith(QLatin1Char('/')))
            path += QLatin1Char('/');
        if (!safe.match(path).hasMatch() || path.contains(QLatin1String("/../")) || path.contains(QLatin1String("/./")))
            return error(badValue(QStringLiteral("base-path"), value(o.basePath),
                                  QStringLiteral("expected an absolute path such as /files/")));
        c.basePath = path;
    }
    if (parser.isSet(o.dir)) {
        c.dir = value(o.dir);
        if (c.dir.isEmpty())
            return error(badValue(QStringLiteral("dir"), c.dir, QStringLiteral("empty path")));
    }
    if (parser.isSet(o.maxSize)) {
        const auto size = parseByteSize(value(o.maxSize));
        if (!size)
            return error(badValue(QStringLiteral("max-size"), value(o.maxSize),
                                  QStringLiteral("expected bytes such as 500M or 2G")));
        c.maxSize = *size;
    }
    struct DurationFlag { const QCommandLineOption &option; Duration &target; bool zeroAllowed; };
    const DurationFlag durations[] = {
        {o.expireAfter, c.expireAfter, false},   {o.cleanupInterval, c.cleanupInterval, true},
        {o.keepCompleted, c.keepCompleted, true}, {o.orphanGrace, c.orphanGrace, true},
        {o.shutdownTimeout, c.shutdownTimeout, true}, {o.idleTimeout, c.idleTimeout, true},
        {o.readTimeout, c.readTimeout, true}, {o.hookTimeout, c.hookTimeout, false},
        {o.releaseStalledAfter, c.releaseStalledAfter, true},
        {o.hooksHttpTimeout, c.hooksHttpTimeout, false}, {o.hooksProgressInterval, c.hooksProgressInterval, true},
    };
    for (const DurationFlag &d : durations) {
        if (!parser.isSet(d.option))
            continue;
        QString why;
        const auto parsed = parseDuration(value(d.option), &why);
        if (!parsed)
            return error(badValue(d.option.names().constFirst(), value(d.option), why));
        if (!d.zeroAllowed && parsed->count() == 0)
            return error(badValue(d.option.names().constFirst(), value(d.option), QStringLiteral("must be more than 0")));
        d.target = *parsed;
    }
    if (parser.isSet(o.maxHeaderSize)) {
        const auto size = parseByteSize(value(o.maxHeaderSize));
        if (!size || *size < 1024 || *size > 1024 * 1024)
            return error(badValue(QStringLiteral("max-header-size"), value(o.maxHeaderSize),
                                  QStringLiteral("expected 1K to 1M")));
        c.maxHeaderSize = *size;
    }
    if (parser.isSet(o.maxConnections)) {
        bool ok = false;
        const int count = value(o.maxConnections).toInt(&ok);
        if (!ok || count < 1)
            return error(badValue(QStringLiteral("max-connections"), value(o.maxConnections),
                                  QStringLiteral("expected a positive number")));
        c.maxConnections = count;
    }
    if (parser.isSet(o.corsOrigins)) {
        const QString v = value(o.corsOrigins).trimmed();
        c.corsOrigins.clear();
        if (v != QLatin1String("none")) {
            for (const QString &origin : v.split(QLatin1Char(','), Qt::SkipEmptyParts))
                c.corsOrigins << origin.trimmed();
            static const QRegularExpression originPattern(QStringLiteral("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$"));
            for (const QString &origin : std::as_const(c.corsOrigins)) {
                if (!originPattern.match(origin).hasMatch())
                    return error(badValue(QStringLiteral("cors-origins"), origin,
                                          QStringLiteral("expected '*', 'none' or origins like https://example.com")));
            }
            if (c.corsOrigins.isEmpty())
                return error(badValue(QStringLiteral("cors-origins"), v, QStringLiteral("empty list")));
        }
    }
    c.behindProxy = parser.isSet(o.behindProxy);
    c.disableDownload = parser.isSet(o.disableDownload);
    if (parser.isSet(o.baseUrl)) {
        QString url = value(o.baseUrl);
        static const QRegularExpression urlPattern(QStringLiteral("^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"));
        if (!urlPattern.match(url).hasMatch())
            return error(badValue(QStringLiteral("base-url"), url, QStringLiteral("expected http(s)://host[:port]/path/")));
        if (!url.endsWith(QLatin1Char('/')))
            url += QLatin1Char('/');
        c.baseUrl = url;
    }
    struct CommandFlag { const QCommandLineOption &option; QStringList &target; };
    for (const CommandFlag &f : {CommandFlag{o.hookPreCreate, c.hookPreCreate}, CommandFlag{o.hookPostFinish, c.hookPostFinish}}) {
        if (!parser.isSet(f.option))
            continue;
        // Split once, here, like a shell would split words (quotes group); never run by a shell.
        f.target = QProcess::splitCommand(value(f.option));
        if (f.target.isEmpty())
            return error(badValue(f.option.names().constFirst(), value(f.option), QStringLiteral("empty command")));
    }
    if (parser.isSet(o.fsync)) {
        const QString v = value(o.fsync);
        if (v == QLatin1String("always"))
            c.fsync = FsyncPolicy::Always;
        else if (v == QLatin1String("never"))
            c.fsync = FsyncPolicy::Never;
        else
            return error(badValue(QStringLiteral("fsync"), v, QStringLiteral("expected 'always' or 'never'")));
    }
    if (parser.isSet(o.hooksDir)) {
        c.hooksDir = value(o.hooksDir);
        if (c.hooksDir.isEmpty())
            return error(badValue(QStringLiteral("hooks-dir"), c.hooksDir, QStringLiteral("empty path")));
    }
    if (parser.isSet(o.hooksHttp)) {
        const QUrl url(value(o.hooksHttp), QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
            return error(badValue(QStringLiteral("hooks-http"), value(o.hooksHttp), QStringLiteral("expected an http:// or https:// URL")));
        c.hooksHttp = url.toString();
        if (!c.hooksDir.isEmpty() || !c.hookPreCreate.isEmpty() || !c.hookPostFinish.isEmpty())
            return error(QStringLiteral("--hooks-http cannot be combined with --hooks-dir, --hook-pre-create or --hook-post-finish: one kind of hook at a time"));
    }
    if (parser.isSet(o.hooksEnabledEvents)) {
        static const QStringList events{QStringLiteral("pre-create"), QStringLiteral("post-create"), QStringLiteral("post-receive"),
                                        QStringLiteral("pre-finish"), QStringLiteral("post-finish"), QStringLiteral("pre-terminate"),
                                        QStringLiteral("post-terminate")};
        for (const QString &event : value(o.hooksEnabledEvents).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!events.contains(event.trimmed()))
                return error(badValue(QStringLiteral("hooks-enabled-events"), event, QStringLiteral("expected events from %1").arg(events.join(QStringLiteral(", ")))));
            c.hooksEnabledEvents << event.trimmed();
        }
        if (c.hooksEnabledEvents.isEmpty())
            return error(badValue(QStringLiteral("hooks-enabled-events"), value(o.hooksEnabledEvents), QStringLiteral("empty list")));
    }
    if (parser.isSet(o.hooksForwardHeaders)) {
        static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
        for (const QString &name : value(o.hooksForwardHeaders).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!token.match(name.trimmed()).hasMatch())
                return error(badValue(QStringLiteral("hooks-forward-headers"), name, QStringLiteral("not a header name")));
            c.hooksForwardHeaders << name.trimmed();
        }
    }
    c.corsAllowCredentials = parser.isSet(o.corsAllowCredentials);
    if (c.corsAllowCredentials && (c.corsOrigins.isEmpty() || c.corsOrigins.contains(QStringLiteral("*"))))
        return error(QStringLiteral("--cors-allow-credentials needs --cors-origins to list the origins: browsers refuse credentials with '*'"));
    if (parser.isSet(o.adminListen)) {
        const QString v = value(o.adminListen);
        const qsizetype colon = v.lastIndexOf(QLatin1Char(':'));
        QString host = colon > 0 ? v.left(colon) : QString();
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);  // [::1]:1081
        bool ok = false;
        const uint port = colon > 0 ? v.mid(colon + 1).toUInt(&ok) : 0;
        if (!ok || port > 65535 || (!isIpAddress(host) && host != QLatin1String("localhost")))
            return error(badValue(QStringLiteral("admin-listen"), v, QStringLiteral("expected HOST:PORT such as 127.0.0.1:1081")));
        c.adminHost = host;
        c.adminPort = quint16(port);
    }
    if (parser.isSet(o.adminTokenFile)) {
        c.adminTokenFile = value(o.adminTokenFile);
        if (c.adminTokenFile.isEmpty())
            return error(badValue(QStringLiteral("admin-token-file"), c.adminTokenFile, QStringLiteral("empty path")));
    }
    if (parser.isSet(o.logFormat)) {
        const QString v = value(o.logFormat);
        if (v == QLatin1String("text"))
            c.logFormat = LogFormat::Text;
        else if (v == QLatin1String("json"))
            c.logFormat = LogFormat::Json;
        else
            return error(badValue(QStringLiteral("log-format"), v, QStringLiteral("expected 'text' or 'json'")));
    }
    if (parser.isSet(o.logLevel)) {
        static const QHash<QString, LogLevel> levels{{QStringLiteral("error"), LogLevel::Error},
                                                     {QStringLiteral("warning"), LogLevel::Warning},
                                                     {QStringLiteral("info"), LogLevel::Info},
                                                     {QStringLiteral("debug"), LogLevel::Debug}};
        const QString v = value(o.logLevel);
        if (!levels.contains(v))
            return error(badValue(QStringLiteral("log-level"), v, QStringLiteral("expected error, warning, info or debug")));
        c.logLevel = levels.value(v);
    }
    if (parser.isSet(o.accessLog)) {
        const QString v = value(o.accessLog);
        if (v != QLatin1String("on") && v != QLatin1String("off"))
            return error(badValue(QStringLiteral("access-log"), v, QStringLiteral("expected 'on' or 'off'")));
        c.accessLog = v == QLatin1String("on");
    }
    return result;
}

std::optional<int> takeCommandLine(int argc, char *argv[], const QString &programName, ServerConfig *config)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    const ConfigParseResult parsed = parseServerConfig(arguments, programName);
    switch (parsed.outcome) {
    case ConfigParseResult::Outcome::ShowHelp:
    case ConfigParseResult::Outcome::ShowVersion:
        std::fprintf(stdout, "%s\n", qPrintable(parsed.text.trimmed()));
        return 0;
    case ConfigParseResult::Outcome::Error:
        std::fprintf(stderr, "%s: %s\n", qPrintable(programName), qPrintable(parsed.text));
        return 2;
    case ConfigParseResult::Outcome::Run:
        break;
    }
    *config = parsed.config;
    return std::nullopt;
}

} // namespace qtus

#include "optiontable.h"

#include "serverconfig.h"

#include <QHash>
#include <QProcess>
#include <QRegularExpression>
#include <QUrl>

#include <arpa/inet.h>

namespace qtus {

namespace {

bool isIpAddress(const QString &text)
{
    const QByteArray latin = text.toLatin1();
    unsigned char buffer[16];
    return ::inet_pton(AF_INET, latin.constData(), buffer) == 1 || ::inet_pton(AF_INET6, latin.constData(), buffer) == 1;
}

QString setHost(QString &target, const QString &v)
{
    if (!isIpAddress(v) && v != QLatin1String("localhost"))
        return QStringLiteral("not an IP address");
    target = v;
    return {};
}

QString setPath(QString &target, const QString &v)
{
    if (v.isEmpty())
        return QStringLiteral("empty path");
    target = v;
    return {};
}

QString setDuration(Duration &target, const QString &v, bool zeroAllowed)
{
    QString why;
    const auto parsed = parseDuration(v, &why);
    if (!parsed)
        return why;
    if (!zeroAllowed && parsed->count() == 0)
        return QStringLiteral("must be more than 0");
    target = *parsed;
    return {};
}

// One of some words, each mapped to a value.
template <typename T>
QString setChoice(T &target, const QString &v, std::initializer_list<std::pair<const char *, T>> choices)
{
    QStringList names;
    for (const auto &[name, value] : choices) {
        if (v == QLatin1String(name)) {
            target = value;
            return {};
        }
        names << QStringLiteral("'%1'").arg(QLatin1String(name));
    }
    return QStringLiteral("expected %1").arg(names.join(QStringLiteral(" or ")));
}

QString setHttpUrl(QString &target, const QString &v, const QRegularExpression &pattern, const char *expected)
{
    if (!pattern.match(v).hasMatch())
        return QStringLiteral("expected %1").arg(QLatin1String(expected));
    target = v;
    return {};
}

QString setFlag(bool &target, const QString &v)
{
    target = v == QLatin1String("true");
    return {};
}

QString setCommand(QStringList &target, const QString &v)
{
    // Split once, here, like a shell would split words (quotes group); never run by a shell.
    target = QProcess::splitCommand(v);
    return target.isEmpty() ? QStringLiteral("empty command") : QString();
}

QString setPort(quint16 &target, const QString &v)
{
    bool ok = false;
    const uint port = v.toUInt(&ok);
    if (!ok || port > 65535)
        return QStringLiteral("expected 0 to 65535");
    target = quint16(port);
    return {};
}

QString setBasePath(ServerConfig &c, const QString &v)
{
    QString path = v;
    static const QRegularExpression safe(QStringLiteral("^/([A-Za-z0-9._~-]+/)*$"));
    if (!path.endsWith(QLatin1Char('/')))
        path += QLatin1Char('/');
    if (!safe.match(path).hasMatch() || path.contains(QLatin1String("/../")) || path.contains(QLatin1String("/./")))
        return QStringLiteral("expected an absolute path such as /files/");
    c.basePath = path;
    return {};
}

QString setMaxHeaderSize(ServerConfig &c, const QString &v)
{
    const auto size = parseByteSize(v);
    if (!size || *size < 1024 || *size > 1024 * 1024)
        return QStringLiteral("expected 1K to 1M");
    c.maxHeaderSize = *size;
    return {};
}

QString setMaxConnections(ServerConfig &c, const QString &v)
{
    bool ok = false;
    const int count = v.toInt(&ok);
    if (!ok || count < 1)
        return QStringLiteral("expected a positive number");
    c.maxConnections = count;
    return {};
}

QString setCorsOrigins(ServerConfig &c, const QString &value)
{
    const QString v = value.trimmed();
    c.corsOrigins.clear();
    if (v == QLatin1String("none"))
        return {};
    static const QRegularExpression originPattern(QStringLiteral("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$"));
    for (const QString &origin : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!originPattern.match(origin.trimmed()).hasMatch())
            return QStringLiteral("'%1': expected '*', 'none' or origins like https://example.com").arg(origin.trimmed());
        c.corsOrigins << origin.trimmed();
    }
    return c.corsOrigins.isEmpty() ? QStringLiteral("empty list") : QString();
}

QString setBaseUrl(ServerConfig &c, const QString &v)
{
    static const QRegularExpression pattern(QStringLiteral("^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"));
    const QString why = setHttpUrl(c.baseUrl, v, pattern, "http(s)://host[:port]/path/");
    if (why.isEmpty() && !c.baseUrl.endsWith(QLatin1Char('/')))
        c.baseUrl += QLatin1Char('/');
    return why;
}

QString setHooksHttp(ServerConfig &c, const QString &v)
{
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
        return QStringLiteral("expected an http:// or https:// URL");
    c.hooksHttp = url.toString();
    return {};
}

QString setHooksEnabledEvents(ServerConfig &c, const QString &v)
{
    static const QStringList events{QStringLiteral("pre-create"), QStringLiteral("post-create"), QStringLiteral("post-receive"),
                                    QStringLiteral("pre-finish"), QStringLiteral("post-finish"), QStringLiteral("pre-terminate"),
                                    QStringLiteral("post-terminate")};
    c.hooksEnabledEvents.clear();
    for (const QString &event : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!events.contains(event.trimmed()))
            return QStringLiteral("'%1': expected events from %2").arg(event.trimmed(), events.join(QStringLiteral(", ")));
        c.hooksEnabledEvents << event.trimmed();
    }
    return c.hooksEnabledEvents.isEmpty() ? QStringLiteral("empty list") : QString();
}

QString setHooksForwardHeaders(ServerConfig &c, const QString &v)
{
    static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
    c.hooksForwardHeaders.clear();
    for (const QString &name : v.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!token.match(name.trimmed()).hasMatch())
            return QStringLiteral("'%1' is not a header name").arg(name.trimmed());
        c.hooksForwardHeaders << name.trimmed();
    }
    return {};
}

QString setS3Endpoint(ServerConfig &c, const QString &v)
{
    const QUrl url(v, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty()
        || (!url.path().isEmpty() && url.path() != QLatin1String("/")))
        return QStringLiteral("expected http(s)://host[:port]");
    c.s3Endpoint = v;
    return {};
}

// The form only; whether Redis answers is checked when the server starts.
QString setRedis(ServerConfig &c, const QString &v)
{
    if (!v.startsWith(QLatin1String("redis://")) && !v.startsWith(QLatin1String("unix:/")))
        return QStringLiteral("expected redis://host:port/db or unix:/path/to/socket");
    c.redis = v;
    return {};
}

QString setAdminListen(ServerConfig &c, const QString &v)
{
    const qsizetype colon = v.lastIndexOf(QLatin1Char(':'));
    QString host = colon > 0 ? v.left(colon) : QString();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);  // [::1]:1081
    bool ok = false;
    const uint port = colon > 0 ? v.mid(colon + 1).toUInt(&ok) : 0;
    if (!ok || port > 65535 || (!isIpAddress(host) && host != QLatin1String("localhost")))
        return QStringLiteral("expected HOST:PORT such as 127.0.0.1:1081");
    c.adminHost = host;
    c.adminPort = quint16(port);
    return {};
}

QString setLogLevel(ServerConfig &c, const QString &v)
{
    return setChoice(c.logLevel, v, {{"error", LogLevel::Error}, {"warning", LogLevel::Warning},
                                     {"info", LogLevel::Info}, {"debug", LogLevel::Debug}});
}

using K = OptionKind;
constexpr unsigned Both = ForBoth;
constexpr unsigned Anywhere = FromAnywhere;

// The order is --help's, the man pages' and the sample config's.
const OptionSpec table[] = {
    {"help", 'h', nullptr, "Show this help and exit.", K::Flag, nullptr, Both, FromCommandLine, nullptr},
    {"version", 'v', nullptr, "Show the version and exit.", K::Flag, nullptr, Both, FromCommandLine, nullptr},
    {"config", 0, "path", "Read options from this file of 'key = value' lines, keys being the long option names; options on the command line and QTUSD_* variables override it.",
     K::Text, nullptr, Both, FromCommandLine | FromEnvironment, nullptr},
    {"connect", 0, "url", "Open the admin window on a qtusd elsewhere, over its admin API (such as http://127.0.0.1:1081/); no server runs in this process, and only --token-file goes with it.",
     K::Text, nullptr, ForQtusAdmin, FromCommandLine, nullptr},
    {"token-file", 0, "path", "With --connect: the file holding the admin API's bearer token (else the QTUS_ADMIN_TOKEN variable).",
     K::Text, nullptr, ForQtusAdmin, FromCommandLine, nullptr},
    {"host", 0, "address", "Address to listen on: an IPv4 or IPv6 address, or localhost.", K::Text, "127.0.0.1", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setHost(c.host, v); }},
    {"port", 0, "port", "TCP port; 0 picks a free port.", K::Text, "1080", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setPort(c.port, v); }},
    {"base-path", 0, "path", "URL path of the upload endpoint.", K::Text, "/files/", Both, Anywhere, setBasePath},
    {"dir", 0, "dir", "Upload directory, created if missing.", K::Text, "./uploads", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setPath(c.dir, v); }},
    {"max-size", 0, "size", "Largest upload in bytes, K/M/G/T suffixes allowed; 0 = unlimited.", K::Size, "0", Both, Anywhere,
     [](ServerConfig &c, const QString &v) {
         const auto size = parseByteSize(v);
         if (size)
             c.maxSize = *size;
         return size ? QString() : QStringLiteral("expected bytes such as 500M or 2G");
     }},
    {"expire-after", 0, "duration", "Unfinished uploads expire this long after their last activity.", K::Duration, "24h", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.expireAfter, v, false); }},
    {"cleanup-interval", 0, "duration", "Time between cleanup passes; 0 = only at startup and on demand.", K::Duration, "10m", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.cleanupInterval, v, true); }},
    {"keep-completed", 0, "duration", "Remove completed uploads this long after completion; 0 = keep forever.", K::Duration, "0", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.keepCompleted, v, true); }},
    {"orphan-grace", 0, "duration", "Age before stray files in the upload directory are removed.", K::Duration, "1h", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.orphanGrace, v, true); }},
    {"shutdown-timeout", 0, "duration", "How long a graceful stop waits for uploads in flight.", K::Duration, "10s", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.shutdownTimeout, v, true); }},
    {"fsync", 0, "always|never", "'always': acknowledge a PATCH only after its bytes are on disk; 'never': skip fsync (benchmarks, throw-away data).",
     K::Text, "always", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setChoice(c.fsync, v, {{"always", FsyncPolicy::Always}, {"never", FsyncPolicy::Never}}); }},
    {"max-header-size", 0, "size", "Largest request head (request line and headers), 1K to 1M; larger ones get 431.", K::Size, "16K", Both, Anywhere,
     setMaxHeaderSize},
    {"idle-timeout", 0, "duration", "Close a keep-alive connection idle this long between requests; 0 = never.", K::Duration, "60s", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.idleTimeout, v, true); }},
    {"read-timeout", 0, "duration", "A request head must arrive within this time of its first byte, and a body must bring 1 KiB per period; else the connection closes, keeping what arrived; 0 = never.",
     K::Duration, "60s", Both, Anywhere, [](ServerConfig &c, const QString &v) { return setDuration(c.readTimeout, v, true); }},
    {"release-stalled-after", 0, "duration", "A PATCH whose body has brought nothing for this long gives its upload up (keeping what arrived) when a new request for that upload arrives, so a client that lost its connection resumes at once; 0 = never.",
     K::Duration, "2s", Both, Anywhere, [](ServerConfig &c, const QString &v) { return setDuration(c.releaseStalledAfter, v, true); }},
    {"max-connections", 0, "count", "Most open connections; more get 503.", K::Text, "1024", Both, Anywhere, setMaxConnections},
    {"cors-origins", 0, "origins", "Origins allowed by CORS: '*', a comma-separated list (the option may be repeated), or 'none'.",
     K::List, "*", Both, Anywhere, setCorsOrigins},
    {"cors-allow-credentials", 0, nullptr, "Allow browsers to send cookies: answer the listed --cors-origins with Access-Control-Allow-Credentials (not with '*').",
     K::Flag, "false", Both, Anywhere, [](ServerConfig &c, const QString &v) { return setFlag(c.corsAllowCredentials, v); }},
    {"behind-proxy", 0, nullptr, "Trust X-Forwarded-Proto/-Host/-Port and Forwarded when building upload URLs.", K::Flag, "false", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setFlag(c.behindProxy, v); }},
    {"base-url", 0, "url", "Public URL of the endpoint (e.g. https://example.com/files/); overrides the Host header.", K::Text, nullptr, Both, Anywhere,
     setBaseUrl},
    {"disable-download", 0, nullptr, "Do not serve GET downloads of completed uploads.", K::Flag, "false", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setFlag(c.disableDownload, v); }},
    {"hook-pre-create", 0, "command", "Command run before an upload is created (JSON on stdin); a non-zero exit refuses it with 403.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setCommand(c.hookPreCreate, v); }},
    {"hook-post-finish", 0, "command", "Command run after an upload completes (JSON on stdin); failures are logged and retried.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setCommand(c.hookPostFinish, v); }},
    {"hook-timeout", 0, "duration", "Time limit of a hook program; past it its process group is killed (a pre-* hook: 503).", K::Duration, "5s", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.hookTimeout, v, false); }},
    {"hooks-dir", 0, "dir", "A directory of hook programs named after the events (pre-create, post-finish, ...), as tusd's -hooks-dir.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setPath(c.hooksDir, v); }},
    {"hooks-http", 0, "url", "POST every enabled hook event, as JSON, to this http(s) URL.", K::Text, nullptr, Both, Anywhere, setHooksHttp},
    {"hooks-http-timeout", 0, "duration", "Time limit of an HTTP hook request.", K::Duration, "5s", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.hooksHttpTimeout, v, false); }},
    {"hooks-enabled-events", 0, "events", "Comma-separated hook events to run (the option may be repeated); unset: all of pre-create, post-create, post-receive, pre-finish, post-finish, pre-terminate, post-terminate.",
     K::List, nullptr, Both, Anywhere, setHooksEnabledEvents},
    {"hooks-forward-headers", 0, "names", "Comma-separated request headers hooks see (the option may be repeated); unset: all but Cookie.",
     K::List, nullptr, Both, Anywhere, setHooksForwardHeaders},
    {"hooks-progress-interval", 0, "duration", "At most one post-receive event per upload this often.", K::Duration, "1s", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setDuration(c.hooksProgressInterval, v, true); }},
    {"admin-listen", 0, "host:port", "Serve the admin API (docs/admin-api.md) on HOST:PORT; unset: off.", K::Text, nullptr, Both, Anywhere,
     setAdminListen},
    {"admin-token-file", 0, "path", "The admin API's bearer token; created with a random token if missing; unset: <dir>/.qtus-admin-token.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setPath(c.adminTokenFile, v); }},
    {"tls-cert", 0, "path", "Serve HTTPS (TLS 1.2 or newer) with this PEM certificate (a chain: the server's first); needs --tls-key.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setPath(c.tlsCert, v); }},
    {"tls-key", 0, "path", "The PEM private key (RSA or EC, unencrypted) of --tls-cert.", K::Text, nullptr, Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setPath(c.tlsKey, v); }},
    {"redis", 0, "url", "Keep upload locks in this Redis (redis://host:port/db or unix:/path/to/socket?db=N), so several servers can serve one store (docs/scale-out.md); unset: locks in this process.",
     K::Text, nullptr, Both, Anywhere, setRedis},
    {"redis-lock-ttl", 0, "duration", "How long the upload locks of a server that died outlive it; a live server renews its locks every third of this.",
     K::Duration, "30s", Both, Anywhere, [](ServerConfig &c, const QString &v) { return setDuration(c.redisLockTtl, v, false); }},
    {"s3-endpoint", 0, "url", "Keep uploads in S3 at this endpoint (http(s)://host[:port]), one multipart upload each; --dir then holds only bodies on their way there. Unset: uploads in --dir.",
     K::Text, nullptr, Both, Anywhere, setS3Endpoint},
    {"s3-bucket", 0, "name", "The bucket of --s3-endpoint.", K::Text, nullptr, Both, Anywhere,
     [](ServerConfig &c, const QString &v) { c.s3Bucket = v; return QString(); }},
    {"s3-prefix", 0, "prefix", "Put every key under this prefix (e.g. uploads/).", K::Text, nullptr, Both, Anywhere,
     [](ServerConfig &c, const QString &v) { c.s3Prefix = v; return QString(); }},
    {"s3-region", 0, "region", "The region in the requests' signatures.", K::Text, "us-east-1", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { c.s3Region = v; return QString(); }},
    {"s3-path-style", 0, nullptr, "Address the bucket in the path (http://host/bucket/key), as Ceph RGW and MinIO want; else as a host name (AWS).",
     K::Flag, "false", Both, Anywhere, [](ServerConfig &c, const QString &v) { return setFlag(c.s3PathStyle, v); }},
    {"s3-credentials-file", 0, "path", "Read the S3 key pair from this file ([default] with aws_access_key_id and aws_secret_access_key); unset: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
     K::Text, nullptr, Both, Anywhere, [](ServerConfig &c, const QString &v) { return setPath(c.s3CredentialsFile, v); }},
    {"log-format", 0, "text|json", "'text': a timestamp and a level on every line; 'json': one JSON object per line.", K::Text, "text", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setChoice(c.logFormat, v, {{"text", LogFormat::Text}, {"json", LogFormat::Json}}); }},
    {"log-level", 0, "level", "error, warning, info or debug.", K::Text, "info", Both, Anywhere, setLogLevel},
    {"access-log", 0, "on|off", "'on': one line per request at info level; 'off': none.", K::Text, "on", Both, Anywhere,
     [](ServerConfig &c, const QString &v) { return setChoice(c.accessLog, v, {{"on", true}, {"off", false}}); }},
};

} // namespace

OptionTable optionTable()
{
    return {table, std::size(table)};
}

const OptionSpec *findOption(QStringView name, unsigned program)
{
    for (const OptionSpec &spec : table) {
        if ((spec.programs & program) && (name == QLatin1String(spec.name)
                                          || (spec.shortName && name.size() == 1 && name.at(0) == QLatin1Char(spec.shortName))))
            return &spec;
    }
    return nullptr;
}

QString environmentName(const OptionSpec &spec)
{
    return QLatin1String(environmentPrefix) + spec.longName().toUpper().replace(QLatin1Char('-'), QLatin1Char('_'));
}

std::optional<bool> parseFlagWord(QStringView text)
{
    static const QHash<QString, bool> words{{QStringLiteral("true"), true}, {QStringLiteral("yes"), true},
                                            {QStringLiteral("on"), true},   {QStringLiteral("1"), true},
                                            {QStringLiteral("false"), false}, {QStringLiteral("no"), false},
                                            {QStringLiteral("off"), false}, {QStringLiteral("0"), false}};
    const auto it = words.constFind(text.trimmed().toString().toLower());
    if (it == words.constEnd())
        return std::nullopt;
    return *it;
}

} // namespace qtus

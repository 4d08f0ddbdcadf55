#pragma once
// The server's configuration as a value, and the one parser that qtusd and qtus-admin share:
// the command line, QTUSD_* variables and a --config file, read against the option table
// (optiontable.h). Parsing never exits the process: the caller decides what to print.
// Threads: parseServerConfig may be called from any thread; takeCommandLine prints and
// reads the process environment, so main() calls it, before other threads exist.
#include "logging.h"
#include "units.h"

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <optional>

namespace qtus {

enum class FsyncPolicy { Always, Never };

struct ServerConfig
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 1080;
    QString basePath = QStringLiteral("/files/");  // always starts and ends with '/'
    QString dir = QStringLiteral("./uploads");
    qint64 maxSize = 0;                             // 0 = unlimited
    Duration expireAfter = std::chrono::hours(24);
    Duration cleanupInterval = std::chrono::minutes(10);  // 0 = no timer, manual passes only
    Duration keepCompleted = Duration(0);                  // 0 = keep forever
    Duration orphanGrace = std::chrono::hours(1);
    Duration shutdownTimeout = std::chrono::seconds(10);
    FsyncPolicy fsync = FsyncPolicy::Always;
    // Connection limits enforced by the streaming intake
    qint64 maxHeaderSize = 16 * 1024;              // a larger request head: 431
    Duration idleTimeout = std::chrono::seconds(60);  // between requests on a keep-alive connection
    Duration readTimeout = std::chrono::seconds(60);  // a request in flight with no progress
    int maxConnections = 1024;                     // beyond it: 503 and close
    // A request whose body has brought nothing for this long lets go of its upload when
    // another request for the upload arrives (0: never); uploadlocks.h.
    Duration releaseStalledAfter = std::chrono::seconds(2);
    // Integration
    QStringList corsOrigins{QStringLiteral("*")};  // empty: CORS off ("none")
    bool behindProxy = false;                      // trust X-Forwarded-* / Forwarded for Location
    QString baseUrl;                               // public URL of the endpoint, overrides Host
    bool disableDownload = false;
    QStringList hookPreCreate;                     // program and arguments, split once at startup
    QStringList hookPostFinish;
    Duration hookTimeout = std::chrono::seconds(5);
    QString hooksDir;                              // executables named after the events
    QString hooksHttp;                             // URL the events are POSTed to
    Duration hooksHttpTimeout = std::chrono::seconds(5);
    QStringList hooksEnabledEvents;                // empty: all seven
    QStringList hooksForwardHeaders;               // empty: all but Cookie
    Duration hooksProgressInterval = std::chrono::seconds(1);
    bool corsAllowCredentials = false;             // echo listed origins with Allow-Credentials
    // The admin API (docs/admin-api.md): off while adminHost is empty.
    QString adminHost;
    quint16 adminPort = 0;
    QString adminTokenFile;                        // empty: <dir>/.qtus-admin-token
    // HTTPS: both or neither (the parser checks); empty: plain HTTP.
    QString tlsCert;                               // PEM, a chain: the server's certificate first
    QString tlsKey;                                // PEM, RSA or EC, unencrypted
    // Several servers: upload locks in this Redis (empty: in this process only)
    QString redis;                                 // redis://host:port/db or unix:/path?db=N
    Duration redisLockTtl = std::chrono::seconds(30);  // a crashed server's locks go after this
    // Uploads in S3 instead of dir (dir then holds only bodies on their way there)
    QString s3Endpoint;                            // http(s)://host[:port]; empty: the file store
    QString s3Bucket;
    QString s3Prefix;
    QString s3Region = QStringLiteral("us-east-1");
    bool s3PathStyle = false;                      // http://host/bucket/key (RGW, MinIO)
    QString s3CredentialsFile;                     // empty: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    // Logs
    LogFormat logFormat = LogFormat::Text;
    LogLevel logLevel = LogLevel::Info;
    bool accessLog = true;
};

struct ConfigParseResult
{
    enum class Outcome { Run, ShowHelp, ShowVersion, Error };
    Outcome outcome = Outcome::Run;
    ServerConfig config;
    QString text;  // help text, version line, or the one-line error naming the flag
};

// arguments includes the program name first, as QCoreApplication::arguments() does.
// programName is "qtusd" or "qtus-admin" (whose --connect and --token-file are in the table).
// Precedence: the command line over QTUSD_* variables in `environment` over the --config
// file (or QTUSD_CONFIG's). --help and --version look at the command line only.
ConfigParseResult parseServerConfig(const QStringList &arguments, const QString &programName,
                                    const QProcessEnvironment &environment);
// The same with the process's environment.
ConfigParseResult parseServerConfig(const QStringList &arguments, const QString &programName);

// What qtusd and qtus-admin do with the command line before anything else: parses argv,
// prints help, the version or the one-line error. Returns the exit code to leave with
// (0 after help/version, 2 for a bad command line), or nullopt with *config to run.
std::optional<int> takeCommandLine(int argc, char *argv[], const QString &programName, ServerConfig *config);

} // namespace qtus

#include "s3config.h"

#include <QFile>

namespace qtus {

QString S3Config::problem() const
{
    const QString scheme = endpoint.scheme();
    if (!endpoint.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        || endpoint.host().isEmpty())
        return QStringLiteral("the S3 endpoint must be an http:// or https:// URL with a host");
    if (!endpoint.path().isEmpty() && endpoint.path() != QLatin1String("/"))
        return QStringLiteral("the S3 endpoint must not have a path");
    if (endpoint.hasQuery() || endpoint.hasFragment() || !endpoint.userInfo().isEmpty())
        return QStringLiteral("the S3 endpoint must be scheme, host and port only");
    if (bucket.isEmpty() || bucket.contains(QLatin1Char('/')))
        return QStringLiteral("the S3 bucket must be named, without '/'");
    if (region.isEmpty())
        return QStringLiteral("the S3 region must be named");
    if (credentials.accessKey.isEmpty() || credentials.secretKey.isEmpty())
        return QStringLiteral("S3 credentials are missing (an access key id and a secret access key)");
    if (transferTimeout.count() <= 0)
        return QStringLiteral("the S3 transfer timeout must be positive");
    return QString();
}

std::optional<sigv4::Credentials> credentialsFromEnvironment(const QProcessEnvironment &environment)
{
    sigv4::Credentials credentials;
    credentials.accessKey = environment.value(QStringLiteral("AWS_ACCESS_KEY_ID")).toUtf8();
    credentials.secretKey = environment.value(QStringLiteral("AWS_SECRET_ACCESS_KEY")).toUtf8();
    credentials.sessionToken = environment.value(QStringLiteral("AWS_SESSION_TOKEN")).toUtf8();
    if (credentials.accessKey.isEmpty() || credentials.secretKey.isEmpty())
        return std::nullopt;
    return credentials;
}

std::optional<sigv4::Credentials> credentialsFromFile(const QString &path, QString *error, const QString &profile)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    // A credentials file is a few lines; anything beyond 64 KiB is not one.
    constexpr qint64 maxFileSize = 64 * 1024;
    const QByteArray content = file.read(maxFileSize + 1);
    if (content.size() > maxFileSize) {
        *error = QStringLiteral("%1: longer than 64 KiB, not a credentials file").arg(path);
        return std::nullopt;
    }
    sigv4::Credentials credentials;
    bool inSection = false;
    bool sectionSeen = false;
    int lineNumber = 0;
    for (const QByteArray &raw : content.split('\n')) {
        ++lineNumber;
        const QByteArray line = raw.trimmed();
        if (line.isEmpty() || line.startsWith('#') || line.startsWith(';'))
            continue;
        if (line.startsWith('[')) {
            if (!line.endsWith(']')) {
                *error = QStringLiteral("%1:%2: a section header must end with ']'").arg(path).arg(lineNumber);
                return std::nullopt;
            }
            inSection = QString::fromUtf8(line.mid(1, line.size() - 2).trimmed()) == profile;
            sectionSeen = sectionSeen || inSection;
            continue;
        }
        const qsizetype equals = line.indexOf('=');
        if (equals < 0) {
            // The line may hold a secret: name only its number.
            *error = QStringLiteral("%1:%2: expected name = value").arg(path).arg(lineNumber);
            return std::nullopt;
        }
        if (!inSection)
            continue;
        const QByteArray name = line.left(equals).trimmed().toLower();
        const QByteArray value = line.mid(equals + 1).trimmed();
        if (name == "aws_access_key_id")
            credentials.accessKey = value;
        else if (name == "aws_secret_access_key")
            credentials.secretKey = value;
        else if (name == "aws_session_token")
            credentials.sessionToken = value;
    }
    if (!sectionSeen) {
        *error = QStringLiteral("%1: no [%2] section").arg(path, profile);
        return std::nullopt;
    }
    if (credentials.accessKey.isEmpty() || credentials.secretKey.isEmpty()) {
        *error = QStringLiteral("%1: [%2] needs aws_access_key_id and aws_secret_access_key").arg(path, profile);
        return std::nullopt;
    }
    return credentials;
}

} // namespace qtus

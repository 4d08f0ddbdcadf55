#pragma once
// The S3 endpoint of the tests and the bench: the KEY=VALUE lines of the file named by
// QTUS_S3_ENV_FILE (scripts/rgw.sh writes it; the ctest fixture in tests/s3 points to it),
// or else the process environment: QTUS_S3_ENDPOINT, QTUS_S3_BUCKET, QTUS_S3_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
#include "s3config.h"

#include <QFile>
#include <QProcessEnvironment>

namespace qtus::s3test {

// KEY=VALUE lines; "export " before a key, quotes around a value and # comments are allowed.
inline QProcessEnvironment readEnvFile(const QString &path, QString *problem)
{
    QProcessEnvironment values;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *problem = path + QStringLiteral(": ") + file.errorString();
        return values;
    }
    for (QByteArray line : file.readAll().split('\n')) {
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        if (line.startsWith("export "))
            line = line.mid(7).trimmed();
        const qsizetype equals = line.indexOf('=');
        if (equals <= 0)
            continue;
        QByteArray value = line.mid(equals + 1).trimmed();
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.mid(1, value.size() - 2);
        values.insert(QString::fromUtf8(line.left(equals).trimmed()), QString::fromUtf8(value));
    }
    return values;
}

inline std::optional<S3Config> configForTests(QString *problem)
{
    const QProcessEnvironment process = QProcessEnvironment::systemEnvironment();
    const QString envFile = process.value(QStringLiteral("QTUS_S3_ENV_FILE"));
    const QProcessEnvironment values = envFile.isEmpty() ? process : readEnvFile(envFile, problem);
    if (!problem->isEmpty())
        return std::nullopt;
    S3Config config;
    config.endpoint = QUrl(values.value(QStringLiteral("QTUS_S3_ENDPOINT")));
    config.bucket = values.value(QStringLiteral("QTUS_S3_BUCKET"));
    config.region = values.value(QStringLiteral("QTUS_S3_REGION"), QStringLiteral("us-east-1"));
    config.credentials = credentialsFromEnvironment(values).value_or(sigv4::Credentials{});
    const QString missing = envFile.isEmpty()
        ? QStringLiteral("QTUS_S3_ENV_FILE and QTUS_S3_ENDPOINT are not set")
        : envFile + QStringLiteral(" sets no QTUS_S3_ENDPOINT");
    if (values.value(QStringLiteral("QTUS_S3_ENDPOINT")).isEmpty() || !config.problem().isEmpty()) {
        *problem = QStringLiteral("no usable S3 endpoint (%1). Run this under ctest (ctest -R s3client): its "
                                  "fixture starts a Ceph RGW with scripts/rgw.sh and sets QTUS_S3_ENV_FILE; or "
                                  "point QTUS_S3_ENV_FILE at the env file of scripts/rgw.sh start DIR PORT.")
                       .arg(values.value(QStringLiteral("QTUS_S3_ENDPOINT")).isEmpty() ? missing : config.problem());
        return std::nullopt;
    }
    return config;
}

} // namespace qtus::s3test

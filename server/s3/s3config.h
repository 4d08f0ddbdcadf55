#pragma once
// Where an S3Client sends its requests and with which credentials. Credentials come from the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or from a file in
// the form of AWS's shared credentials file:
//
//     [default]
//     aws_access_key_id = AKIA...
//     aws_secret_access_key = ...
//     aws_session_token = ...        (optional)
//
// The secret key is never logged or put in an error message.
//
// Threads: any (plain values and pure functions; the file is read on the caller's thread).
#include "sigv4.h"

#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <chrono>
#include <optional>

namespace qtus {

struct S3Config
{
    QUrl endpoint;                      // http(s)://host[:port], no path: http://127.0.0.1:7480
    QString bucket;
    QString region = QStringLiteral("us-east-1");
    // true: http://host/bucket/key (RGW, MinIO); false: http://bucket.host/key (AWS).
    bool pathStyle = true;
    sigv4::Credentials credentials;
    // Per request: a request is given up (S3Error::unreachable) when no byte moves either way
    // for this long (QNetworkRequest::setTransferTimeout), however long the whole transfer.
    std::chrono::milliseconds transferTimeout{30000};

    // What is wrong with this configuration, empty when it is usable.
    QString problem() const;
};

// From AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (both, or nothing), and AWS_SESSION_TOKEN.
std::optional<sigv4::Credentials> credentialsFromEnvironment(const QProcessEnvironment &environment);

// The [profile] section of a credentials file. nullopt and *error ("file:line: ...") when the
// file cannot be read, the section is missing, or a key of the pair is.
std::optional<sigv4::Credentials> credentialsFromFile(const QString &path, QString *error,
                                                      const QString &profile = QStringLiteral("default"));

} // namespace qtus

#pragma once
// An asynchronous S3 client on QNetworkAccessManager, signed with our own SigV4 (sigv4.h
// says why): the calls the upload server's S3 store needs, and nothing of tus.
//
// Every operation returns at once; its callback runs later on this thread, with an
// S3Result: the value, or an S3Error with the HTTP status, S3's error Code and Message, and
// `unreachable` when no answer came (connection refused, timeout: answer 503). The callback
// runs only while `context` lives (nullptr: the client); destroying `context` first aborts
// the request. The client retries nothing: the caller knows what is safe to send again.
//
// Bodies: UploadPart streams a range of a file through QNAM and signs it as
// UNSIGNED-PAYLOAD. Hashing the range first would read it twice and block the event loop
// for the hash before its first byte could be sent (QCryptographicHash took 0.5 s for 64 MiB
// on the 2-core test machine); the signature still covers the method, path, query and headers, so it cannot be
// replayed for another key, upload or part, and the bytes in transit are guarded by TLS
// (an https endpoint) where the network is not trusted. RGW and AWS accept it over http and
// https. Small bodies (PutObject, CompleteMultipartUpload) are in memory and signed with
// their SHA-256. Answers are read as they come and bounded: XML answers at 4 MiB (a page of
// 1,000 listed keys of up to 1 KiB each stays under 2 MiB), error bodies at 64 KiB (the
// rest is drained and dropped); GetObject streams through an S3ObjectReader and buffers at
// most its read buffer (1 MiB) when the caller reads slowly.
//
// Threads: the thread that owns the client and its QNetworkAccessManager (the event-loop
// thread) only.
#include "s3config.h"
#include "s3types.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <functional>

class QNetworkReply;

namespace qtus {

class S3ObjectReader;

class S3Client final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(S3Client)

public:
    template <typename T>
    using Callback = std::function<void(const S3Result<T> &)>;

    // config must be usable (config.problem() empty).
    explicit S3Client(S3Config config, QObject *parent = nullptr);
    ~S3Client() override;  // requests under way are aborted, and nobody hears of them

    const S3Config &config() const { return m_config; }

    // The bucket, in the endpoint's default region (no LocationConstraint). S3 answers
    // BucketAlreadyOwnedByYou (409) when it exists.
    void createBucket(QObject *context, Callback<std::monostate> done);

    // Multipart uploads. The value of createMultipartUpload is the upload id; of uploadPart
    // and uploadPartCopy the part's ETag (quoted); of completeMultipartUpload the object's
    // ETag, which RGW leaves empty (HeadObject has it).
    void createMultipartUpload(const QString &key, const QByteArray &contentType, QObject *context,
                               Callback<QString> done);
    // Part partNumber (1 to 10,000) is bytes offset..offset+length of the file at path. Every
    // part but the last must be at least 5 MiB (else EntityTooSmall at completion).
    void uploadPart(const QString &key, const QString &uploadId, int partNumber, const QString &path,
                    qint64 offset, qint64 length, QObject *context, Callback<QByteArray> done);
    // Part partNumber is the bytes `range` of the object sourceKey (same bucket), or all of
    // it. S3 wants both ends of the range (last >= 0).
    void uploadPartCopy(const QString &key, const QString &uploadId, int partNumber, const QString &sourceKey,
                        std::optional<S3ByteRange> range, QObject *context, Callback<QByteArray> done);
    // Every part uploaded so far (all pages; S3 allows 10,000 parts).
    void listParts(const QString &key, const QString &uploadId, QObject *context, Callback<S3PartList> done);
    void completeMultipartUpload(const QString &key, const QString &uploadId, const QList<S3Part> &parts,
                                 QObject *context, Callback<QByteArray> done);
    void abortMultipartUpload(const QString &key, const QString &uploadId, QObject *context,
                              Callback<std::monostate> done);
    // One page of the multipart uploads under way whose keys start with prefix.
    void listMultipartUploads(const QString &prefix, const QString &keyMarker, const QString &uploadIdMarker,
                              int maxUploads, QObject *context, Callback<S3UploadPage> done);

    // Objects. putObject is for small bodies (an upload's .info), held in memory; the value is
    // the ETag. An empty content type is sent as application/octet-stream.
    void putObject(const QString &key, const QByteArray &body, const QByteArray &contentType, QObject *context,
                   Callback<QByteArray> done);
    void headObject(const QString &key, QObject *context, Callback<S3ObjectInfo> done);
    void deleteObject(const QString &key, QObject *context, Callback<std::monostate> done);  // absent is fine
    // One page of ListObjectsV2: up to maxKeys (S3 caps at 1,000) keys starting with prefix.
    void listObjects(const QString &prefix, const QString &continuationToken, int maxKeys, QObject *context,
                     Callback<S3ObjectPage> done);
    // The object's bytes, or a range of them, streamed: the reader is the caller's to delete
    // (deleting it aborts the transfer).
    S3ObjectReader *getObject(const QString &key, std::optional<S3ByteRange> range = std::nullopt);

private:
    // What one request is made of; the operations fill it in (s3operations.cpp).
    struct Call
    {
        QByteArray method;
        QString key;                // empty: the bucket itself
        sigv4::Pairs query;
        sigv4::Pairs headers;       // signed and sent as they are (lower-case names)
        QByteArray body;            // signed with its SHA-256...
        QIODevice *device = nullptr;  // ...or streamed from here, UNSIGNED-PAYLOAD
    };
    // What came back for a call whose whole answer is bounded and buffered.
    struct Answer
    {
        int status = 0;
        QByteArray body;
        QNetworkReply *reply = nullptr;  // for its headers, during the callback only
    };
    using AnswerHandler = std::function<void(const std::optional<S3Error> &error, const Answer &answer)>;

    // Signs and sends a call; QNAM owns the reply, and the device becomes the reply's.
    QNetworkReply *send(Call call);
    // Sends a call, reads its answer (at most maxAnswer bytes of a 2xx body) and hands it on:
    // with an error when the request failed or S3 answered with one (even under 200).
    void exchange(Call call, QObject *context, AnswerHandler handler);

    void listPartsFrom(const QString &key, const QString &uploadId, int marker, S3PartList soFar,
                       QObject *context, Callback<S3PartList> done);

    const S3Config m_config;
    QNetworkAccessManager m_network;
};

} // namespace qtus

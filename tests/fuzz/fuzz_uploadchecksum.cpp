// Upload-Checksum (rules K1-K2). The parser is a private part of TusHandler, so this drives
// the handler the way the server does: a PATCH of a fixed body with the fuzzed header, on an
// upload in a temporary store. A PATCH may only be accepted when the header names a
// supported algorithm and the body's true digest; any other answer must leave the upload
// exactly as it was.
#include "fileuploadstore.h"
#include "fuzzcheck.h"
#include "tushandler.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QFileInfo>
#include <QTemporaryDir>

#include <memory>

using namespace qtus;

namespace {

const QByteArray body = "hello, checksum";

struct Server
{
    QTemporaryDir dir;
    ManualClock clock;
    UploadLocks locks;
    std::unique_ptr<FileUploadStore> store;
    std::unique_ptr<TusHandler> handler;
    QString id;
};

Server *server = nullptr;

TusRequest request(const QByteArray &method, const QByteArray &path, const HeaderList &headers, const QByteArray &content = {})
{
    TusRequest r;
    r.method = method;
    r.path = path;
    r.headers = headers;
    r.headers.append({QByteArray("Tus-Resumable"), QByteArray("1.0.0")});
    r.headers.append({QByteArray("Host"), QByteArray("qtus.test")});
    r.body = content;
    return r;
}

// A deferred-length upload, so accepted PATCHes can keep appending.
QString createUpload()
{
    const TusResponse created = server->handler->handle(request("POST", "/files/", {{"Upload-Defer-Length", "1"}}));
    FUZZ_REQUIRE(created.status == 201);
    return QString::fromLatin1(created.header("Location").split('/').constLast());
}

// Whether digestText is, in some Base64 spelling, the digest of body under algorithmName.
bool namesTrueDigest(const QByteArray &algorithmName, const QByteArray &digestText)
{
    static const QList<QPair<QByteArray, QCryptographicHash::Algorithm>> algorithms{
        {"md5", QCryptographicHash::Md5}, {"sha1", QCryptographicHash::Sha1},
        {"sha256", QCryptographicHash::Sha256}, {"sha512", QCryptographicHash::Sha512}};
    for (const auto &[name, algorithm] : algorithms) {
        if (algorithmName.compare(name, Qt::CaseInsensitive) == 0)
            return QByteArray::fromBase64(digestText) == QCryptographicHash::hash(body, algorithm);
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz::silenceLogging();
    static QCoreApplication app(*argc, *argv);
    static Server instance;  // destroyed at exit, before app: the temporary store goes away
    server = &instance;
    FUZZ_REQUIRE(server->dir.isValid());
    ServerConfig config;
    config.dir = server->dir.path();
    config.fsync = FsyncPolicy::Never;  // the store's durability is not under test here
    server->store = std::make_unique<FileUploadStore>(config.dir, config.fsync, config.expireAfter, server->clock);
    QString error;
    FUZZ_REQUIRE(server->store->open(&error));
    server->handler = std::make_unique<TusHandler>(config, *server->store, server->locks, server->clock);
    server->id = createUpload();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray checksum(reinterpret_cast<const char *>(data), qsizetype(size));
    const std::optional<UploadInfo> before = server->store->find(server->id);
    FUZZ_REQUIRE(before.has_value());
    const QByteArray path = "/files/" + server->id.toLatin1();
    const TusResponse r = server->handler->handle(request(
        "PATCH", path,
        {{"Content-Type", "application/offset+octet-stream"}, {"Upload-Offset", QByteArray::number(before->offset)},
         {"Upload-Checksum", checksum}},
        body));

    const std::optional<UploadInfo> after = server->store->find(server->id);
    FUZZ_REQUIRE(after.has_value());
    const qint64 stored = QFileInfo(server->store->dataPath(server->id)).size();
    FUZZ_REQUIRE(stored == after->offset);
    if (r.status == 204) {
        const QList<QByteArray> parts = checksum.trimmed().split(' ');
        FUZZ_REQUIRE(parts.size() == 2 && namesTrueDigest(parts[0], parts[1]));
        FUZZ_REQUIRE(after->offset == before->offset + body.size());
        FUZZ_REQUIRE(r.header("Upload-Offset") == QByteArray::number(after->offset));
    } else {
        // 460 for a wrong digest, 400 for a malformed header or an unsupported algorithm.
        FUZZ_REQUIRE(r.status == 460 || r.status == 400);
        FUZZ_REQUIRE(after->offset == before->offset);
    }
    // Keep the data file small over millions of runs: start over on a fresh upload.
    if (after->offset > 64 * 1024) {
        FUZZ_REQUIRE(server->handler->handle(request("DELETE", path, {})).status == 204);
        server->id = createUpload();
    }
    return 0;
}

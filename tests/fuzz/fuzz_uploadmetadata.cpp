// Upload-Metadata (rule CR3): whatever parses has well-formed unique keys, and the canonical
// header the server writes for it (toHeader) parses back to the same entries.
#include "fuzzcheck.h"
#include "uploadmetadata.h"

#include <QSet>

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray header(reinterpret_cast<const char *>(data), qsizetype(size));
    const std::optional<UploadMetadata> parsed = UploadMetadata::parse(header);
    if (!parsed)
        return 0;

    QSet<QByteArray> keys;
    for (const UploadMetadata::Entry &entry : parsed->entries()) {
        const QByteArray &key = entry.first;
        FUZZ_REQUIRE(!key.isEmpty());
        FUZZ_REQUIRE(!key.contains(',') && !key.contains(' '));
        for (const char c : key)
            FUZZ_REQUIRE(static_cast<unsigned char>(c) > ' ' && c != 127);
        FUZZ_REQUIRE(!keys.contains(key));
        keys.insert(key);
        FUZZ_REQUIRE(parsed->value(key) == entry.second);
    }

    const QByteArray canonical = parsed->toHeader();
    const std::optional<UploadMetadata> again = UploadMetadata::parse(canonical);
    FUZZ_REQUIRE(again.has_value());
    FUZZ_REQUIRE(again->entries() == parsed->entries());
    FUZZ_REQUIRE(again->toHeader() == canonical);  // canonical means a fixed point
    (void)parsed->fileName();
    return 0;
}

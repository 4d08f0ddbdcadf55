// scanInfoJson (startup's reader of .info files, simdjson) against fromInfoJson (the full
// parser, QJsonDocument): whatever the scanner accepts, the full parser accepts too and reads
// the same fields; metadata the scanner left in the file is longer than the index keeps.
#include "fuzzcheck.h"
#include "uploadindex.h"
#include "uploadinfoscan.h"

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    json.reserve(json.size() + scanPadding);
    const qsizetype maxMetadata = UploadIndex::maxInlineMetadata;
    const auto scanned = scanInfoJson(json.constData(), json.size(), json.capacity(), maxMetadata);
    if (!scanned)
        return 0;
    const auto full = fromInfoJson(json);
    FUZZ_REQUIRE(full.has_value());
    const UploadInfo &a = scanned->info;
    const UploadInfo &b = *full;
    FUZZ_REQUIRE(a.id == b.id);
    FUZZ_REQUIRE(a.size == b.size);
    FUZZ_REQUIRE(a.offset == b.offset);
    FUZZ_REQUIRE(a.sizeIsDeferred == b.sizeIsDeferred);
    FUZZ_REQUIRE(a.isPartial == b.isPartial);
    FUZZ_REQUIRE(a.isFinal == b.isFinal);
    FUZZ_REQUIRE(a.createdAt == b.createdAt);
    FUZZ_REQUIRE(a.lastActivityAt == b.lastActivityAt);
    FUZZ_REQUIRE(a.completedAt == b.completedAt);
    FUZZ_REQUIRE(a.partialUploads.isEmpty() && b.partialUploads.isEmpty());
    if (scanned->detailsElsewhere) {
        FUZZ_REQUIRE(a.metadataHeader.isEmpty());
        FUZZ_REQUIRE(b.metadataHeader.size() > maxMetadata);
    } else {
        FUZZ_REQUIRE(a.metadataHeader == b.metadataHeader);
    }
    return 0;
}

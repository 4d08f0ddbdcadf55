// Upload-Concat (rules CC1-CC4): whatever a final upload names must be a well-formed id of
// this server (so no URL leads outside the store), one per URL, and the header HEAD echoes
// for it must parse back to the same parts.
#include "fileuploadstore.h"
#include "fuzzcheck.h"
#include "uploadconcat.h"

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray header(reinterpret_cast<const char *>(data), qsizetype(size));
    // The base path and a --base-url path, as TusHandler passes them.
    static const QByteArrayList paths{"/files/", "/api/uploads/"};
    UploadConcat concat;
    if (parseUploadConcat(header, paths, &concat))
        return 0;

    if (concat.kind == UploadConcat::Kind::Partial) {
        FUZZ_REQUIRE(header.trimmed() == "partial");
        FUZZ_REQUIRE(concat.partIds.isEmpty());
        return 0;
    }
    FUZZ_REQUIRE(concat.kind == UploadConcat::Kind::Final);
    FUZZ_REQUIRE(!concat.partIds.isEmpty());
    FUZZ_REQUIRE(concat.partIds.size() == header.trimmed().mid(6).simplified().split(' ').size());
    for (const QString &id : std::as_const(concat.partIds))
        FUZZ_REQUIRE(isValidUploadId(id));

    UploadInfo info;
    info.isFinal = true;
    info.partialUploads = concat.partIds;
    UploadConcat echoed;
    FUZZ_REQUIRE(!parseUploadConcat(uploadConcatHeader(info, paths.constFirst()), paths, &echoed));
    FUZZ_REQUIRE(echoed.kind == UploadConcat::Kind::Final && echoed.partIds == concat.partIds);
    return 0;
}

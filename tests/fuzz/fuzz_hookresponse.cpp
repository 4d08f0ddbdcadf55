// A hook's answer (docs/hooks.md) is never trusted: whatever parseHookResponse() accepts has a
// status qtus can send, a body within its bound, header fields that cannot split a response,
// an id of the one form, and metadata that is a valid Upload-Metadata header.
#include "fuzzcheck.h"
#include "hookevent.h"
#include "uploadid.h"
#include "uploadmetadata.h"

using namespace qtus;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::silenceLogging();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    QString why;
    const std::optional<HookResponse> answer = parseHookResponse(json, &why);
    if (!answer) {
        FUZZ_REQUIRE(!why.isEmpty());
        return 0;
    }
    FUZZ_REQUIRE(answer->statusCode == 0 || (answer->statusCode >= 200 && answer->statusCode <= 599));
    FUZZ_REQUIRE(answer->body.size() <= maxHookResponseBody);
    FUZZ_REQUIRE(answer->headers.size() <= 32);
    for (const auto &[name, value] : answer->headers) {
        FUZZ_REQUIRE(!name.isEmpty());
        for (const char c : name)
            FUZZ_REQUIRE(static_cast<unsigned char>(c) > ' ' && c != ':' && c != 127);
        for (const char c : value)
            FUZZ_REQUIRE(c != '\r' && c != '\n' && c != '\0');
    }
    if (answer->changeId)
        FUZZ_REQUIRE(isValidUploadId(*answer->changeId));
    if (answer->changeMetadata)
        FUZZ_REQUIRE(UploadMetadata::parse(*answer->changeMetadata).has_value());
    return 0;
}

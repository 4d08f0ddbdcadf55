#pragma once
// The fields the upload index needs from a .info, read without building the whole document.
// At startup the store reads every .info in the directory, and fromInfoJson()
// (QJsonDocument) spent most of that time turning long metadata into UTF-16 strings nobody
// needed: 100,000 uploads with 8 KiB of metadata each took 8 s to load. This reads the same
// files with Debian's libsimdjson (its DOM parser validates the whole document as strictly as
// QJsonDocument, and its strings stay UTF-8 in a buffer reused from file to file), keeping
// only what the index keeps (docs/performance.md, the index row).
//
// It reads the documents qtus writes. Anything else (a .info written by tusd, a field of an
// unexpected type, a repeated key) is nullopt, and the caller reads the file with
// fromInfoJson() instead, so the two never disagree about a file both accept: fuzz_infoscan
// checks exactly that. Pure; any thread (each thread keeps its own parser).
#include "uploadinfo.h"

#include <QByteArrayView>
#include <optional>

namespace qtus {

struct ScannedInfo
{
    UploadInfo info;
    bool detailsElsewhere = false;  // metadata longer than maxMetadata, or a part list: not read
};

// json must have at least scanPadding bytes of allocated space after its end (simdjson reads
// ahead); capacity is the allocated size.
constexpr qsizetype scanPadding = 64;
std::optional<ScannedInfo> scanInfoJson(const char *json, qsizetype size, qsizetype capacity, qsizetype maxMetadata);

} // namespace qtus

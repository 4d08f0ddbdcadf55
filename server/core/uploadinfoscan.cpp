#include "uploadinfoscan.h"

#include "uploadid.h"

#include <simdjson.h>

#include <cstring>
#include <string_view>

namespace qtus {

namespace {

using namespace simdjson;

enum Field : unsigned {
    Id = 1, Size = 2, SizeIsDeferred = 4, Offset = 8, RawMetaData = 16, IsPartial = 32, IsFinal = 64,
    PartialUploads = 128, CreatedAt = 256, LastActivityAt = 512, CompletedAt = 1024, MetaData = 2048,
};

Field fieldOf(std::string_view key)
{
    static constexpr std::pair<std::string_view, Field> fields[] = {
        {"ID", Id}, {"Size", Size}, {"SizeIsDeferred", SizeIsDeferred}, {"Offset", Offset},
        {"RawMetaData", RawMetaData}, {"IsPartial", IsPartial}, {"IsFinal", IsFinal},
        {"PartialUploads", PartialUploads}, {"CreatedAt", CreatedAt}, {"LastActivityAt", LastActivityAt},
        {"CompletedAt", CompletedAt}, {"MetaData", MetaData}};
    for (const auto &f : fields) {
        if (f.first == key)
            return f.second;
    }
    return Field(0);
}

QString toQString(std::string_view text) { return QString::fromUtf8(text.data(), qsizetype(text.size())); }

// Within the integers a double holds exactly, as the full parser reads numbers.
constexpr int64_t maxExactInteger = int64_t(1) << 53;

} // namespace

std::optional<ScannedInfo> scanInfoJson(const char *json, qsizetype size, qsizetype capacity, qsizetype maxMetadata)
{
    // simdjson pads with NULs and takes one in the text for the end of a token (found by
    // fuzz_infoscan: "null" followed by NULs was read as null); no .info has one.
    if (capacity < size + scanPadding || std::memchr(json, '\0', size_t(size)))
        return std::nullopt;
    // The DOM front end validates the whole document (structure, numbers, strings, escapes,
    // UTF-8), as the full parser does; its strings are UTF-8 views into the parser's buffer,
    // not UTF-16 copies. One parser per thread: its buffers are reused from file to file.
    thread_local dom::parser parser;
    dom::element root;
    if (parser.parse(json, size_t(size), false).get(root) != SUCCESS)
        return std::nullopt;
    dom::object object;
    if (root.get_object().get(object) != SUCCESS)
        return std::nullopt;

    ScannedInfo out;
    UploadInfo &info = out.info;
    unsigned seen = 0;
    for (const dom::key_value_pair field : object) {
        const Field which = fieldOf(field.key);
        if (which != 0 && (seen & which))
            return std::nullopt;  // a repeated key: which one counts is the full parser's call
        seen |= which;
        const dom::element value = field.value;
        const dom::element_type type = value.type();
        // Each known field in the one type qtus writes; any other type is the full parser's.
        std::string_view text;
        switch (which) {
        case Id:
            if (value.get_string().get(text) != SUCCESS)
                return std::nullopt;
            info.id = toQString(text);
            break;
        case Size:
        case Offset: {
            int64_t number = 0;
            if (type != dom::element_type::INT64 || value.get_int64().get(number) != SUCCESS
                || number > maxExactInteger || number < -maxExactInteger)
                return std::nullopt;
            (which == Size ? info.size : info.offset) = number;
            break;
        }
        case SizeIsDeferred:
        case IsPartial:
        case IsFinal: {
            bool flag = false;
            if (value.get_bool().get(flag) != SUCCESS)
                return std::nullopt;
            (which == SizeIsDeferred ? info.sizeIsDeferred : which == IsPartial ? info.isPartial : info.isFinal) = flag;
            break;
        }
        case RawMetaData:
            if (value.get_string().get(text) != SUCCESS)
                return std::nullopt;
            // Long metadata stays in the file: the store reads it back when a request needs it.
            // (Its Latin-1 form is never longer than its UTF-8 form.)
            if (qsizetype(text.size()) > 2 * maxMetadata) {
                out.detailsElsewhere = true;
                break;
            }
            info.metadataHeader = toQString(text).toLatin1();
            if (info.metadataHeader.size() > maxMetadata) {
                info.metadataHeader.clear();
                out.detailsElsewhere = true;
            }
            break;
        case PartialUploads: {
            dom::array parts;
            if (type == dom::element_type::NULL_VALUE)
                break;
            if (value.get_array().get(parts) != SUCCESS || parts.size() > 0)
                return std::nullopt;  // finals are few: the full parser reads them whole
            break;
        }
        case CreatedAt:
        case LastActivityAt:
        case CompletedAt: {
            if (value.get_string().get(text) != SUCCESS)
                return std::nullopt;
            const QDateTime when = parseInfoDate(toQString(text));
            (which == CreatedAt ? info.createdAt : which == LastActivityAt ? info.lastActivityAt : info.completedAt) = when;
            break;
        }
        case MetaData:
            if (type != dom::element_type::OBJECT)
                return std::nullopt;
            break;  // the decoded copy of RawMetaData: validated with the rest, not kept
        default:
            break;  // Storage, ExpiresAt and anything else: not the index's
        }
    }
    // What the full parser requires, and RawMetaData (tusd writes only the decoded map).
    if (!(seen & Id) || !isValidUploadId(info.id) || !(seen & Size) || info.size < 0 || !(seen & RawMetaData))
        return std::nullopt;
    info.offset = qMax<qint64>(0, info.offset);
    return out;
}

} // namespace qtus

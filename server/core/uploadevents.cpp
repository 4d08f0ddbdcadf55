#include "uploadevents.h"

#include <iterator>

namespace qtus {

namespace {
constexpr const char *typeNames[] = {"pre-create", "post-create", "post-receive", "pre-finish",
                                     "post-finish", "pre-terminate", "post-terminate"};
static_assert(std::size(typeNames) == std::size_t(HookType::Count));
} // namespace

const char *hookTypeName(HookType type) { return typeNames[std::size_t(type)]; }

std::optional<HookType> hookTypeFromName(QStringView name)
{
    for (std::size_t i = 0; i < std::size(typeNames); ++i) {
        if (name == QLatin1String(typeNames[i]))
            return HookType(i);
    }
    return std::nullopt;
}

bool isBlocking(HookType type)
{
    return type == HookType::PreCreate || type == HookType::PreFinish || type == HookType::PreTerminate;
}

} // namespace qtus

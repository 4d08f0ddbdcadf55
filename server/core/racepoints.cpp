#include "racepoints.h"

#include <atomic>
#include <memory>
#include <vector>

namespace qtus {

namespace {
// Hooks are never freed: a hook may replace itself while it runs (tests do), and the one
// running must stay alive until it returns. Tests set a handful; nothing else sets any.
std::vector<std::unique_ptr<RaceHook>> &hooksSet()
{
    static std::vector<std::unique_ptr<RaceHook>> hooks;
    return hooks;
}
std::atomic<RaceHook *> hookPointer{nullptr};
} // namespace

void setRaceHookForTesting(RaceHook hook)
{
    RaceHook *next = nullptr;
    if (hook) {
        hooksSet().push_back(std::make_unique<RaceHook>(std::move(hook)));
        next = hooksSet().back().get();
    }
    hookPointer.store(next, std::memory_order_release);
}

void racePoint(RacePoint point, const QString &id)
{
    if (RaceHook *hook = hookPointer.load(std::memory_order_acquire))
        (*hook)(point, id);
}

} // namespace qtus

#include "racepoints.h"

#include <atomic>
#include <memory>

namespace qtus {

namespace {
// Owned here; the pointer is swapped only while nothing runs (see the header).
std::unique_ptr<RaceHook> currentHook;
std::atomic<RaceHook *> hookPointer{nullptr};
} // namespace

void setRaceHookForTesting(RaceHook hook)
{
    hookPointer.store(nullptr, std::memory_order_release);
    currentHook = hook ? std::make_unique<RaceHook>(std::move(hook)) : nullptr;
    hookPointer.store(currentHook.get(), std::memory_order_release);
}

void racePoint(RacePoint point, const QString &id)
{
    if (RaceHook *hook = hookPointer.load(std::memory_order_acquire))
        (*hook)(point, id);
}

} // namespace qtus

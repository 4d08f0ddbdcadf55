#pragma once
// Test-only seams at the moments where two requests can race. Production never sets a hook:
// racePoint() is then one relaxed load of a null pointer. A test sets one (like
// setStorageCallsForTesting) to run something at exactly that moment, say another PATCH that
// commits between a request's offset check and its lock, which no timing can arrange
// reliably (docs/testing.md). Set and clear the hook only while no request or cleanup pass
// runs; the hook runs on whichever thread reaches the point.
#include <QString>

#include <functional>

namespace qtus {

enum class RacePoint {
    PatchBeforeLock,       // TusHandler::startPatch: the offset was checked, the lock not yet taken
    ConcatBetweenParts,    // TusHandler::createFinal: a part was copied, the next not yet (id: the next part)
};

using RaceHook = std::function<void(RacePoint point, const QString &id)>;

// Test-only. An empty hook removes it.
void setRaceHookForTesting(RaceHook hook);

void racePoint(RacePoint point, const QString &id);

} // namespace qtus

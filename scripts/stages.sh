#!/usr/bin/env bash
# Runs make targets one after the other and says how long each took, so `make test` (what CI
# runs) shows where its minutes go. Stops at the first that fails.
#   scripts/stages.sh unit interop reliability ...
# A stage written "name&" starts in the background (its output goes to build-stages/name.log)
# and the next stage starts at once; the stage "wait" waits for every background stage, shows
# their output, and fails if one failed. make test uses it to build the packages' Release
# build while the instrumented tests, which leave the CPU half idle, run.
set -uo pipefail
cd "$(dirname "$0")/.."
total=$SECONDS
log_dir=build-stages
declare -A background=()  # name -> pid
declare -A began=()

join_background() {
    local failed=0 name rc
    for name in "${!background[@]}"; do
        wait "${background[$name]}"
        rc=$?
        cat "$log_dir/$name.log"
        if [ $rc -ne 0 ]; then
            echo "stages: $name FAILED (in the background)"
            failed=1
        else
            echo "stages: $name took $(($(date +%s) - began[$name])) s (in the background)"
        fi
    done
    background=()
    return $failed
}

for stage in "$@"; do
    start=$SECONDS
    if [ "$stage" = wait ]; then
        join_background || exit 1
        echo "stages: waited $((SECONDS - start)) s for the background stages"
        continue
    fi
    if [[ "$stage" == *"&" ]]; then
        name=${stage%&}
        mkdir -p "$log_dir"
        make --no-print-directory "$name" >"$log_dir/$name.log" 2>&1 &
        background[$name]=$!
        began[$name]=$(date +%s)
        echo "stages: $name started in the background"
        continue
    fi
    if ! make --no-print-directory "$stage"; then
        echo "stages: $stage FAILED after $((SECONDS - start)) s"
        join_background >/dev/null 2>&1
        exit 1
    fi
    echo "stages: $stage took $((SECONDS - start)) s"
done
join_background || exit 1
echo "stages: all passed in $((SECONDS - total)) s"

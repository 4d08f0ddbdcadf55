#!/usr/bin/env bash
# Runs make targets one after the other and says how long each took, so `make test` (what CI
# runs) shows where its minutes go. Stops at the first that fails.
#   scripts/stages.sh unit interop reliability ...
set -uo pipefail
cd "$(dirname "$0")/.."
total=$SECONDS
for stage in "$@"; do
    start=$SECONDS
    if ! make --no-print-directory "$stage"; then
        echo "stages: $stage FAILED after $((SECONDS - start)) s"
        exit 1
    fi
    echo "stages: $stage took $((SECONDS - start)) s"
done
echo "stages: all passed in $((SECONDS - total)) s"

#!/usr/bin/env bash
# Checks that tests can fail: applies each known bug in tests/mutants/*.patch to a copy of
# the source, builds the suite named in the patch's "# caught by:" line, runs the named test
# function, and expects it to FAIL. Prints one line per mutant; exits 1 if a mutant
# survives or a patch no longer applies (docs/testing.md).
#   scripts/mutants.sh [patch...]     default: every patch in tests/mutants/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${MUTANTS_DIR:-$root/build-mutants}"
mkdir -p "$work"
rm -rf "$work/src" && mkdir -p "$work/src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --no-recursion) | tar -xmf - -C "$work/src"
# -m: every copied file is newer than the last run's objects, so ninja cannot take an edited
# source for an old one whose object it already has.
# With the GUI: its suites are mutant-tested too (only the suite a patch names is built).
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQTUS_BUILD_GUI=ON >/dev/null

patches=("$@")
[ ${#patches[@]} -eq 0 ] && patches=("$root"/tests/mutants/*.patch)
survived=0
for patch in "${patches[@]}"; do
    name="$(basename "$patch" .patch)"
    read -r suite fn < <(sed -n 's/^# caught by: //p' "$patch")
    if ! patch -s -d "$work/src" -p1 --dry-run < "$patch" >/dev/null 2>&1; then
        echo "STALE    $name: the patch no longer applies; update it to the code"
        survived=1
        continue
    fi
    patch -s -d "$work/src" -p1 < "$patch"
    if ! cmake --build "$work/build" --target "tst_$suite" >"$work/$name.build.log" 2>&1; then
        echo "BROKEN   $name: does not build ($work/$name.build.log)"
        survived=1
    elif (cd "$work/build" && QT_QPA_PLATFORM=offscreen QT_LOGGING_RULES='qtus.*=false' \
              timeout 300 "./tests/tst_$suite" "$fn" >"$work/$name.log" 2>&1); then
        echo "SURVIVED $name: tst_$suite $fn passed with the bug in ($work/$name.log)"
        survived=1
    elif grep -q 'Function not found' "$work/$name.log"; then
        echo "BROKEN   $name: tst_$suite has no test function $fn ($work/$name.log)"
        survived=1
    else
        echo "caught   $name: tst_$suite $fn fails: $(grep -m1 '^FAIL!' "$work/$name.log" | cut -c1-150)"
    fi
    patch -s -R -d "$work/src" -p1 < "$patch"
done
exit $survived

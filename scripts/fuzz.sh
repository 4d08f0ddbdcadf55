#!/usr/bin/env bash
# libFuzzer harnesses (tests/fuzz/fuzz_<name>.cpp) for every parser of untrusted bytes: builds
# them with clang under AddressSanitizer + UndefinedBehaviorSanitizer, then runs each one for
# FUZZ_SECONDS on a copy of its committed seed corpus (tests/fuzz/corpus/<name>/; the copy is
# what grows, the repository is never written), with its dictionary when there is one.
# Usage: scripts/fuzz.sh            (or: make fuzz)
# Environment: FUZZ_SECONDS (default 60, per harness), FUZZ_BUILD_DIR (default: build-fuzz),
#              FUZZ_ONLY (space-separated names, e.g. "units chunkeddecoder"; default: all),
#              JOBS (build parallelism and harnesses run at once, default 2).
# Prints one line per harness (runs, exec/s, coverage, result) and a final line; exits non-zero
# if any harness crashed, broke an invariant, leaked, hung or failed to build. A crashing input
# is kept in $FUZZ_BUILD_DIR/artifacts/; rerun it with `<harness> <file>`, and turn it into a
# row of the parser's Qt Test suite before fixing the parser.
#
# Needs clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes) from Debian 12.
# -fsanitize=function is left out: clang 14 reports Qt's own slot calls with it (see
# scripts/sanitize.sh); everything else in -fsanitize=undefined is on and fatal.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${FUZZ_BUILD_DIR:-$repo_root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
jobs="${JOBS:-2}"
fuzz_src="$repo_root/tests/fuzz"
harnesses=(headervalues units serverconfig uploadmetadata uploadconcat uploadchecksum infoscan hookresponse
           requesthead chunkeddecoder requestframing)
[[ -n "${FUZZ_ONLY:-}" ]] && read -r -a harnesses <<<"$FUZZ_ONLY"

die() { echo "fuzz.sh: $*" >&2; exit 1; }
command -v clang++ >/dev/null || die "clang++ not found (apt-get install clang libclang-rt-14-dev)"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || die "FUZZ_SECONDS must be a positive number of seconds"

# --- build -----------------------------------------------------------------------------------
# The qtus libraries are instrumented for coverage and the sanitizers (fuzzer-no-link); only
# the harnesses link libFuzzer's main (tests/fuzz/CMakeLists.txt). Qt itself is not instrumented.
san_flags="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$repo_root" -B "$build_dir" "${generator[@]}" \
    -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link $san_flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$san_flags" \
    -DQTUS_BUILD_GUI=OFF -DQTUS_BUILD_TESTS=OFF -DQTUS_BUILD_FUZZERS=ON >/dev/null
targets=()
for name in "${harnesses[@]}"; do
    [[ -f "$fuzz_src/fuzz_$name.cpp" ]] || die "no harness tests/fuzz/fuzz_$name.cpp"
    targets+=("fuzz_$name")
done
# The log is shown when the build fails; clang's -Wpedantic warns about every
# `qCInfo(category) <<` (Qt's macro), which would bury everything else.
build_log="$build_dir/build.log"
if ! cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}" >"$build_log" 2>&1; then
    tail -40 "$build_log"
    die "build failed (log: $build_log)"
fi

# --- run -------------------------------------------------------------------------------------
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
run_dir="$build_dir/fuzz-run"
artifact_dir="$build_dir/artifacts"
rm -rf "$run_dir"
mkdir -p "$run_dir" "$artifact_dir"

# One harness: runs it, writes its result line to $run_dir/$name.result (and the lines that
# explain a failure), exits non-zero when it failed.
fuzz_one() {
    local name="$1" binary="$build_dir/tests/fuzz/fuzz_$1" corpus="$run_dir/corpus-$1" log="$run_dir/$1.log"
    local rc=0 runs speed cov result artifact options
    mkdir -p "$corpus"
    if [[ -d "$fuzz_src/corpus/$name" ]]; then
        cp -R "$fuzz_src/corpus/$name/." "$corpus/"
    fi
    options=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
             -artifact_prefix="$artifact_dir/$name-")
    [[ -f "$fuzz_src/$name.dict" ]] && options+=(-dict="$fuzz_src/$name.dict")
    "$binary" "${options[@]}" "$corpus" >"$log" 2>&1 || rc=$?

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    if [[ $rc -eq 0 ]]; then
        result="OK"
    else
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        result="FAILED (exit $rc${artifact:+, input $artifact}; log $log)"
    fi
    {
        printf 'fuzz_%-15s %10s runs %7s exec/s  %-18s %s\n' "$name" "${runs:-?}" "${speed:-?}" "${cov:-cov: ?}" "$result"
        if [[ $rc -ne 0 ]]; then
            grep -E 'ERROR|runtime error|invariant failed|SUMMARY|prefix of' "$log" | head -20 | sed 's/^/    /' || true
        fi
    } >"$run_dir/$name.result"
    echo "$rc" >"$run_dir/$name.rc"
}

# Each harness uses one core: JOBS of them run at once; the results print in harness order.
failed=0
for name in "${harnesses[@]}"; do
    while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
    fuzz_one "$name" &
done
wait
for name in "${harnesses[@]}"; do
    cat "$run_dir/$name.result" 2>/dev/null || echo "fuzz_$name: no result (the runner itself failed)"
    [[ "$(cat "$run_dir/$name.rc" 2>/dev/null)" = 0 ]] || failed=$((failed + 1))
done

echo "fuzz: ${#harnesses[@]} harnesses, $failed failed, ${seconds}s each"
[[ $failed -eq 0 ]]

#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (with LeakSanitizer):
# builds every target (server, qtus-admin, the Qt Test suites) instrumented in build-asan/, runs
# ctest on it, then scripts/interop.sh so the real tus clients drive the instrumented qtusd.
# Usage: scripts/sanitize.sh            (or: make sanitize)
# Environment: SANITIZE_BUILD_DIR (default: build-asan), SANITIZE_BUILD_TYPE (default: Debug),
#              JOBS (default: nproc), SANITIZE_STEPS (default "build run": make test runs the
#              two as separate stages, so another build can use the CPU the tests leave idle).
# Exits non-zero on any failed test, any failed interop check, or any sanitizer report from any
# instrumented process (tests, the qtusd they start, the qtusd the interop clients drive).
# ASan/LSan reports go to $SANITIZE_BUILD_DIR/sanitizer-reports/report.<pid> (so a report from a
# child whose stderr is swallowed is still seen). UBSan, linked next to ASan by gcc, ignores
# log_path and writes to stderr; halt_on_error makes the process exit 1, and the script also
# greps the ctest log and the interop server's stderr for UBSan's "runtime error:" lines.
# Leak checking is on with no suppressions: Qt 6.4's own allocations at exit are not reported.
#
# Compiler: Debian's gcc 12, the compiler `make` uses: its sanitizer runtimes (libasan8,
# libubsan1) come with build-essential, so nothing beyond scripts/install-deps.sh is needed
# (clang is not in that list).
# Build type: Debug (-O0 -g): the slow part is compiling, and the suite is I/O- and timer-bound,
# so optimizing buys little; Q_ASSERTs are live too.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SANITIZE_BUILD_DIR:-$repo_root/build-asan}"
build_type="${SANITIZE_BUILD_TYPE:-Debug}"
jobs="${JOBS:-$(nproc)}"
report_dir="$build_dir/sanitizer-reports"
san_flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"

fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

QTUS_TEST_DEPS=1 "$repo_root/scripts/install-deps.sh"

steps=" ${SANITIZE_STEPS:-build run} "
build_time=0

# --- build -----------------------------------------------------------------------------------
if [[ "$steps" == *" build "* ]]; then
t0=$SECONDS
cmake -S "$repo_root" -B "$build_dir" -G Ninja \
    -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_BUILD_TYPE="$build_type" \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
    -DCMAKE_CXX_FLAGS="$san_flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$san_flags" \
    -DCMAKE_SHARED_LINKER_FLAGS="$san_flags" \
    -DCMAKE_MODULE_LINKER_FLAGS="$san_flags" \
    -DQTUS_BUILD_GUI=ON -DQTUS_BUILD_TESTS=ON -DQTUS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$jobs"
build_time=$((SECONDS - t0))
echo "sanitize.sh: build $(fmt_time "$build_time")"
fi
[[ "$steps" == *" run "* ]] || exit 0
[[ -x "$build_dir/server/qtusd" ]] || { echo "sanitize.sh: no instrumented build in $build_dir (SANITIZE_STEPS=build first)"; exit 1; }

# --- run -------------------------------------------------------------------------------------
rm -rf "$report_dir"
mkdir -p "$report_dir"
export ASAN_OPTIONS="log_path=$report_dir/report:detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
t1=$SECONDS
ctest_rc=0
(cd "$build_dir" && ctest --output-on-failure -j "$jobs") || ctest_rc=$?
ctest_time=$((SECONDS - t1))
[[ $ctest_rc -eq 0 ]] || status=1

t2=$SECONDS
interop_rc=0
# interop.sh deletes the server's stderr when it ends: run qtusd through a wrapper that keeps it.
interop_err="$report_dir/interop-qtusd.stderr"
wrapper="$report_dir/qtusd-for-interop"
printf '#!/bin/sh\nexec "%s" "$@" 2>>"%s"\n' "$build_dir/server/qtusd" "$interop_err" >"$wrapper"
chmod +x "$wrapper"
"$repo_root/scripts/interop.sh" "$wrapper" || interop_rc=$?
interop_time=$((SECONDS - t2))
if [[ $interop_rc -ne 0 ]]; then
    status=1
    echo "--- qtusd stderr during interop (last 50 lines) ---"
    tail -n 50 "$interop_err" 2>/dev/null || true
fi

# --- sanitizer reports -----------------------------------------------------------------------
shopt -s nullglob
reports=("$report_dir"/report.*)
for r in "${reports[@]}"; do
    echo "=== sanitizer report: $r ==="
    cat "$r"
done
for log in "$build_dir/Testing/Temporary/LastTest.log" "$interop_err"; do
    [[ -f "$log" ]] || continue
    if grep -q -E "runtime error: |ERROR: (AddressSanitizer|LeakSanitizer)" "$log"; then
        echo "=== sanitizer report in $log ==="
        grep -n -A 40 -E "runtime error: |ERROR: (AddressSanitizer|LeakSanitizer)" "$log" | head -n 200
        reports+=("$log")
    fi
done
[[ ${#reports[@]} -eq 0 ]] || status=1

echo "sanitize.sh: build $(fmt_time "$build_time"), ctest $(fmt_time "$ctest_time"), interop $(fmt_time "$interop_time")"
echo "sanitize.sh: ctest exit $ctest_rc, interop exit $interop_rc, sanitizer reports ${#reports[@]}"
[[ $status -eq 0 ]] && echo "sanitize.sh: OK" || echo "sanitize.sh: FAILED"
exit "$status"

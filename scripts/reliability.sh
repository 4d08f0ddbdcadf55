#!/usr/bin/env bash
# Reliability tests against the real qtusd binary (see docs/reliability.md):
#  - crash consistency (tests/reliability/crash.mjs, tus-js-client): 16 concurrent uploads per
#    seed, SIGKILL at seeded random moments, restart on the same directory and port, check
#    .info files, acknowledged offsets and stored bytes after every restart, resume everything
#    and compare sha256. Seeds 1-3 with --fsync always, seed 4 with --fsync never.
#  - slowloris (tests/reliability/slowloris.py, Python stdlib): 450 header tricklers and 450
#    stalled PATCHes under --max-connections 1000; a normal upload and 100 HEADs must stay
#    fast, and the server must close every slow connection through its timeouts.
# Usage: scripts/reliability.sh [path-to-qtusd]   (default: build/server/qtusd)
# Each test prints "ok - ..." / "not ok - ..." lines; the script ends with one line
# "N passed, M failed" summing them all, and exits 0 only when every check passed.
# QTUS_PYTHON names the Python to run slowloris.py with (default: python3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qtusd="${1:-$repo_root/build/server/qtusd}"
interop_dir="$repo_root/tests/interop"
reliability_dir="$repo_root/tests/reliability"
python="${QTUS_PYTHON:-python3}"

die() { echo "reliability.sh: $*" >&2; exit 1; }

[[ -x "$qtusd" ]] || die "server binary not found or not executable: $qtusd"
qtusd="$(cd "$(dirname "$qtusd")" && pwd)/$(basename "$qtusd")"
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"
command -v "$python" >/dev/null || die "$python is not installed"

# crash.mjs uses tests/interop's tus-js-client; install it exactly as locked if needed.
if [[ ! -d "$interop_dir/node_modules" || "$interop_dir/package-lock.json" -nt "$interop_dir/node_modules" ]]; then
    echo "reliability.sh: npm ci in tests/interop"
    (cd "$interop_dir" && npm ci --no-audit --no-fund) >&2
    touch "$interop_dir/node_modules"
fi

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/qtus-reliability.XXXXXX")"
pid_file="$work_dir/qtusd.pid"   # each test writes the pid of every qtusd it starts here
qtusd_real="$(readlink -f "$qtusd")"

# Kills the qtusd a test left running (a test killed by its deadline cannot stop its own), by
# the pid the test wrote, and only if that pid still is this qtusd binary.
kill_left_server() {
    [[ -s "$pid_file" ]] || return 0
    local pid
    pid="$(cat "$pid_file")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$qtusd_real" ]]; then
        echo "reliability.sh: killing qtusd $pid left running" >&2
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
}
# A test runs in a session of its own (setsid), so its process group holds the test, the
# timeout that bounds it and every qtusd it started.
client_pid=""
tail_pid=""
cleanup() {
    if [[ -n "$client_pid" ]]; then
        kill -TERM -- "-$client_pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 -- "-$client_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$client_pid" 2>/dev/null || true
    fi
    [[ -z "$tail_pid" ]] || kill "$tail_pid" 2>/dev/null || true
    kill_left_server
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

result_line='^([0-9]+) passed, ([0-9]+) failed$'
total_passed=0
total_failed=0
status=0

# Runs one test with a deadline (seconds), shows its lines but its own count line, and adds
# that count to the totals. A test that exits non-zero without a failed check, or prints no
# count, counts one failure.
run_test() {
    local label="$1" deadline="$2"; shift 2
    local out="$work_dir/$label.out" rc line
    echo "# $label"
    : >"$out"
    setsid timeout --kill-after=5 "$deadline" "$@" >"$out" 2>&1 </dev/null &
    client_pid=$!
    tail -n +1 -f --pid="$client_pid" "$out" | grep --line-buffered -v -E "$result_line" &
    tail_pid=$!
    set +e
    wait "$client_pid"
    rc=$?
    wait "$tail_pid"
    set -e
    client_pid=""
    tail_pid=""
    kill_left_server
    line="$(grep -E "$result_line" "$out" | tail -n 1 || true)"
    if [[ "$line" =~ $result_line ]]; then
        total_passed=$((total_passed + BASH_REMATCH[1]))
        total_failed=$((total_failed + BASH_REMATCH[2]))
        if [[ $rc -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]]; then
            echo "not ok - $label exited with status $rc"
            total_failed=$((total_failed + 1))
        fi
    elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
        echo "not ok - $label finished within its deadline of $deadline s"
        total_failed=$((total_failed + 1))
    else
        echo "not ok - $label printed its result line (exit status $rc)"
        total_failed=$((total_failed + 1))
    fi
    [[ $rc -eq 0 ]] || status=1
}

started=$SECONDS
mkdir "$work_dir/crash"
run_test "crash consistency, fsync always" 120 \
    node "$reliability_dir/crash.mjs" "$qtusd" "$work_dir/crash" --fsync always --seeds 1,2,3 --kills 5 --pid-file "$pid_file"
run_test "crash consistency, fsync never" 60 \
    node "$reliability_dir/crash.mjs" "$qtusd" "$work_dir/crash" --fsync never --seeds 4 --kills 5 --pid-file "$pid_file"
run_test "slowloris" 110 \
    "$python" "$reliability_dir/slowloris.py" "$qtusd" "$work_dir" --pid-file "$pid_file"
echo "# reliability.sh took $((SECONDS - started)) s"

[[ $total_failed -eq 0 ]] || status=1
echo "$total_passed passed, $total_failed failed"
exit "$status"

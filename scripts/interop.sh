#!/usr/bin/env bash
# Interop test: starts qtusd on a free port and drives it with real clients, one after the
# other against the same server: tus-js-client (tests/interop/jsclient.mjs), tus-js-client with
# parallelUploads (parallel.mjs) and Debian's python3-tuspy (tuspy_client.py). Two clients
# start their own qtusd (the same binary) with the flags they test: hooks.mjs (every hook
# event, over HTTP and as programs) and browser.mjs (Uppy in a headless Chromium, with a
# cookie, across origins).
# Usage: scripts/interop.sh [path-to-qtusd]   (default: build/server/qtusd)
# Each client prints "ok - ..." / "not ok - ..." lines; the script ends with one line
# "N passed, M failed" summing them all, and exits 0 only when every client passed.
# QTUS_PYTHON names a Python with tusclient (default: the first of python3, /usr/bin/python3
# that has it).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qtusd="${1:-$repo_root/build/server/qtusd}"
interop_dir="$repo_root/tests/interop"

die() { echo "interop.sh: $*" >&2; exit 1; }

[[ -x "$qtusd" ]] || die "server binary not found or not executable: $qtusd"
command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

# Install tus-js-client exactly as locked, unless node_modules is already up to date.
if [[ ! -d "$interop_dir/node_modules" || "$interop_dir/package-lock.json" -nt "$interop_dir/node_modules" ]]; then
    echo "interop.sh: npm ci in tests/interop"
    (cd "$interop_dir" && npm ci --no-audit --no-fund) >&2
    touch "$interop_dir/node_modules"
fi

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/qtus-interop.XXXXXX")"
upload_dir="$work_dir/uploads"
server_out="$work_dir/qtusd.out"
server_err="$work_dir/qtusd.err"
mkdir -p "$upload_dir"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work_dir"
}
trap cleanup EXIT

show_server_log() {
    echo "--- qtusd stdout ---" >&2; cat "$server_out" >&2 || true
    echo "--- qtusd stderr ---" >&2; tail -n 50 "$server_err" >&2 || true
}

"$qtusd" --port 0 --dir "$upload_dir" --host 127.0.0.1 >"$server_out" 2>"$server_err" &
server_pid=$!

# Wait (max ~10 s) for the first stdout line: "qtusd listening on http://HOST:PORT/files/".
url=""
for _ in $(seq 1 100); do
    first_line="$(head -n 1 "$server_out" 2>/dev/null || true)"
    if [[ "$first_line" =~ ^qtusd\ listening\ on\ (http://[^[:space:]]+/files/)$ ]]; then
        url="${BASH_REMATCH[1]}"
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        show_server_log
        die "qtusd exited before announcing its URL"
    fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    show_server_log
    die "qtusd did not print 'qtusd listening on http://HOST:PORT/files/' within 10 s"
fi
echo "interop.sh: qtusd (pid $server_pid) listening on $url, data dir $upload_dir"

result_line='^([0-9]+) passed, ([0-9]+) failed$'
total_passed=0
total_failed=0
status=0

# Runs one client, shows its lines but its own count line, and adds that count to the totals.
# A client that exits non-zero without a failed check, or prints no count, counts one failure.
run_client() {
    local label="$1"; shift
    local out="$work_dir/$label.out" rc line
    echo "# $label"
    set +e
    "$@" | tee "$out" | grep --line-buffered -v -E "$result_line"
    rc=${PIPESTATUS[0]}
    set -e
    line="$(grep -E "$result_line" "$out" | tail -n 1 || true)"
    if [[ "$line" =~ $result_line ]]; then
        total_passed=$((total_passed + BASH_REMATCH[1]))
        total_failed=$((total_failed + BASH_REMATCH[2]))
        if [[ $rc -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]]; then
            echo "not ok - $label exited with status $rc"
            total_failed=$((total_failed + 1))
        fi
    else
        echo "not ok - $label printed its result line (exit status $rc)"
        total_failed=$((total_failed + 1))
    fi
    [[ $rc -eq 0 ]] || status=1
}

tuspy_python=""
for candidate in ${QTUS_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import tusclient' 2>/dev/null; then
        tuspy_python="$candidate"
        break
    fi
done

run_client tus-js-client node "$interop_dir/jsclient.mjs" "$url" "$upload_dir"
run_client "tus-js-client parallelUploads" node "$interop_dir/parallel.mjs" "$url" "$upload_dir"
# hooks.mjs starts its own qtusd processes (same binary) with hooks pointed at it (docs/hooks.md)
run_client "tus-js-client with hooks" node "$interop_dir/hooks.mjs" "$qtusd"
# Uppy in a headless Chromium, from another origin, sending a cookie (--cors-allow-credentials)
run_client "Uppy in Chromium" node "$interop_dir/browser.mjs" "$qtusd"
if [[ -n "$tuspy_python" ]]; then
    run_client tuspy "$tuspy_python" "$interop_dir/tuspy_client.py" "$url" "$upload_dir"
else
    echo "# tuspy"
    echo "not ok - python3-tuspy is installed (apt-get install -y python3-tuspy, or set QTUS_PYTHON)"
    total_failed=$((total_failed + 1))
    status=1
fi
[[ $total_failed -eq 0 ]] || status=1

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "interop.sh: qtusd died during the test" >&2
    show_server_log
    echo "not ok - qtusd stayed up during the interop run"
    total_failed=$((total_failed + 1))
    status=1
elif [[ $status -ne 0 ]]; then
    show_server_log
fi
echo "$total_passed passed, $total_failed failed"
exit "$status"

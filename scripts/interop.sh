#!/usr/bin/env bash
# Interop test: starts qtusd on a free port and drives it with the real tus-js-client.
# Usage: scripts/interop.sh [path-to-qtusd]   (default: build/server/qtusd)
# Exits with the status of tests/interop/jsclient.mjs (0 = all checks passed).
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

status=0
node "$interop_dir/jsclient.mjs" "$url" "$upload_dir" || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "interop.sh: qtusd died during the test" >&2
    show_server_log
    [[ $status -ne 0 ]] || status=1
elif [[ $status -ne 0 ]]; then
    show_server_log
fi
exit "$status"

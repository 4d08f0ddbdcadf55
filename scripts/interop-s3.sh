#!/usr/bin/env bash
# Interop test of the S3 upload store: starts a throw-away Ceph RGW (scripts/rgw.sh), a qtusd
# keeping its uploads in it (--s3-*, under a prefix of its own, with a temporary staging --dir)
# and drives that qtusd with the same real clients as scripts/interop.sh, one after the other:
# tus-js-client (tests/interop/jsclient.mjs), tus-js-client with parallelUploads (parallel.mjs)
# and Debian's python3-tuspy (tuspy_client.py).
# Usage: scripts/interop-s3.sh [path-to-qtusd]   (default: build/server/qtusd)
# The clients check the stored bytes of every completed upload. With the S3 store these are no
# file here (the staging --dir holds only what is in flight), so each client is given the data
# dir GET: the bytes are what a GET of the upload URL answers, streamed by qtusd from the
# object in the bucket. The bytes of an incomplete upload are parts of an unfinished multipart
# upload and cannot be read back; tuspy prints its two checks of those as "# skip - ..." and
# keeps the HEAD-offset checks beside them.
# Each client prints "ok - ..." / "not ok - ..." lines; the script ends with one line
# "N passed, M failed" summing them all, and exits 0 only when every client passed and qtusd
# stayed up. The RGW and qtusd are stopped (and the RGW's files removed) however it ends.
# QTUS_INTEROP_S3_PORT: the RGW's S3 port (default 17680; its monitor takes the next one).
# QTUS_PYTHON names a Python with tusclient (default: the first of python3, /usr/bin/python3
# that has it).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qtusd="${1:-$repo_root/build/server/qtusd}"
interop_dir="$repo_root/tests/interop"
rgw_port="${QTUS_INTEROP_S3_PORT:-17680}"

die() { echo "interop-s3.sh: $*" >&2; exit 1; }
# shellcheck source=scripts/interop-common.sh
. "$repo_root/scripts/interop-common.sh"

[[ -x "$qtusd" ]] || die "server binary not found or not executable: $qtusd"
[[ $rgw_port =~ ^[0-9]+$ ]] || die "QTUS_INTEROP_S3_PORT must be a port number, not '$rgw_port'"
need_node_clients "interop-s3.sh"

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/qtus-interop-s3.XXXXXX")"
rgw_dir="$work_dir/rgw"
staging_dir="$work_dir/staging"
server_out="$work_dir/qtusd.out"
server_err="$work_dir/qtusd.err"
mkdir -p "$staging_dir"
server_pid=""
rgw_started=""



cleanup() {
    local rc=$?
    trap - EXIT
    stop_server
    if [[ -n "$rgw_started" ]]; then
        "$repo_root/scripts/rgw.sh" stop "$rgw_dir" --purge >&2 || echo "interop-s3.sh: could not stop the RGW in $rgw_dir" >&2
    fi
    rm -rf "$work_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP

started_at=$SECONDS
rgw_started=1  # a failed start stops its daemons itself; stop --purge then removes its files
"$repo_root/scripts/rgw.sh" start "$rgw_dir" "$rgw_port" >/dev/null || die "the RGW did not start (scripts/rgw.sh start $rgw_dir $rgw_port)"
# shellcheck source=/dev/null
set -a; . "$rgw_dir/env"; set +a
echo "interop-s3.sh: RGW at $QTUS_S3_ENDPOINT (bucket $QTUS_S3_BUCKET) after $((SECONDS - started_at)) s"

# One prefix per run: nothing of an earlier run (or another user of the bucket) is in the way.
s3_prefix="interop-s3-$(date +%Y%m%d%H%M%S)-$$/"
"$qtusd" --port 0 --host 127.0.0.1 --dir "$staging_dir" --s3-endpoint "$QTUS_S3_ENDPOINT" \
    --s3-bucket "$QTUS_S3_BUCKET" --s3-prefix "$s3_prefix" --s3-region "$QTUS_S3_REGION" --s3-path-style \
    >"$server_out" 2>"$server_err" &
server_pid=$!
url=""
for _ in $(seq 1 300); do
    first_line="$(head -n 1 "$server_out" 2>/dev/null || true)"
    if [[ "$first_line" =~ ^qtusd\ listening\ on\ (https?://[^[:space:]]+/files/)$ ]]; then
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
    die "qtusd did not print 'qtusd listening on http://HOST:PORT/files/' within 30 s"
fi
echo "interop-s3.sh: qtusd (pid $server_pid) listening on $url, S3 prefix $s3_prefix, staging dir $staging_dir"

total_passed=0
total_failed=0
status=0


tuspy_python="$(find_tuspy_python)"

# GET for the data dir: the clients read the stored bytes back through qtusd (see above)
run_client "tus-js-client on S3" node "$interop_dir/jsclient.mjs" "$url" GET
run_client "tus-js-client parallelUploads on S3" node "$interop_dir/parallel.mjs" "$url" GET
if [[ -n "$tuspy_python" ]]; then
    run_client "tuspy on S3" "$tuspy_python" "$interop_dir/tuspy_client.py" "$url" GET
else
    echo "# tuspy on S3"
    echo "not ok - python3-tuspy is installed (apt-get install -y python3-tuspy, or set QTUS_PYTHON)"
    total_failed=$((total_failed + 1))
fi

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "interop-s3.sh: qtusd died during the test" >&2
    show_server_log
    echo "not ok - qtusd stayed up during the S3 interop run"
    total_failed=$((total_failed + 1))
elif [[ $status -ne 0 || $total_failed -ne 0 ]]; then
    show_server_log
fi
[[ $total_failed -eq 0 ]] || status=1
echo "interop-s3.sh: $((SECONDS - started_at)) s"
echo "$total_passed passed, $total_failed failed"
exit "$status"

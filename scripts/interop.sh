#!/usr/bin/env bash
# Interop test: starts qtusd on a free port and drives it with real clients, one after the
# other against the same server: tus-js-client (tests/interop/jsclient.mjs), tus-js-client with
# parallelUploads (parallel.mjs) and Debian's python3-tuspy (tuspy_client.py). Two clients
# start their own qtusd (the same binary) with the flags they test: hooks.mjs (every hook
# event, over HTTP and as programs) and browser.mjs (Uppy in a headless Chromium, with a
# cookie, across origins). Then tus-js-client and tuspy run again against a qtusd serving
# HTTPS (--tls-cert/--tls-key) with a certificate chain made by openssl.
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
# shellcheck source=scripts/interop-common.sh
. "$repo_root/scripts/interop-common.sh"

[[ -x "$qtusd" ]] || die "server binary not found or not executable: $qtusd"
need_node_clients "interop.sh"

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/qtus-interop.XXXXXX")"
upload_dir="$work_dir/uploads"
server_out="$work_dir/qtusd.out"
server_err="$work_dir/qtusd.err"
mkdir -p "$upload_dir"
server_pid=""

cleanup() {
    stop_server
    rm -rf "$work_dir"
}
trap cleanup EXIT


# Starts qtusd with the given extra flags on $1 (its upload directory); sets server_pid and
# url from its first stdout line, "qtusd listening on http(s)://HOST:PORT/files/" (max ~10 s).
start_server() {
    local dir="$1"; shift
    mkdir -p "$dir"
    "$qtusd" --port 0 --dir "$dir" --host 127.0.0.1 "$@" >"$server_out" 2>"$server_err" &
    server_pid=$!
    url=""
    for _ in $(seq 1 100); do
        first_line="$(head -n 1 "$server_out" 2>/dev/null || true)"
        if [[ "$first_line" =~ ^qtusd\ listening\ on\ (https?://[^[:space:]]+/files/)$ ]]; then
            url="${BASH_REMATCH[1]}"
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            show_server_log
            die "qtusd exited before announcing its URL"
        fi
        sleep 0.1
    done
    show_server_log
    die "qtusd did not print 'qtusd listening on http(s)://HOST:PORT/files/' within 10 s"
}


start_server "$upload_dir"
echo "interop.sh: qtusd (pid $server_pid) listening on $url, data dir $upload_dir"

total_passed=0
total_failed=0
status=0


tuspy_python="$(find_tuspy_python)"

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

check_server_alive() {
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "interop.sh: qtusd died during the test" >&2
        show_server_log
        echo "not ok - qtusd stayed up during the interop run ($1)"
        total_failed=$((total_failed + 1))
        status=1
    elif [[ $status -ne 0 ]]; then
        show_server_log
    fi
}
check_server_alive "plain HTTP"

# The same clients over HTTPS (--tls-cert/--tls-key): a root CA and a server certificate for
# 127.0.0.1 signed by an intermediate, made here by openssl; each client trusts only the root,
# passed explicitly (NODE_EXTRA_CA_CERTS for Node, REQUESTS_CA_BUNDLE for requests/tuspy).
if command -v openssl >/dev/null; then
    stop_server
    tls_dir="$work_dir/tls"
    mkdir -p "$tls_dir"
    (
        cd "$tls_dir"
        ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
        openssl req -x509 "${ec[@]}" -keyout root.key -out root.pem -days 2 -subj "/CN=qtus interop root" \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req "${ec[@]}" -keyout inter.key -out inter.csr -subj "/CN=qtus interop intermediate"
        printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
        openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -set_serial 2 -days 2 -extfile ca.ext -out inter.pem
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA inter.pem -CAkey inter.key -set_serial 3 -days 2 -extfile server.ext -out server.pem
        cat server.pem inter.pem >chain.pem
    ) >"$work_dir/openssl.log" 2>&1 || { cat "$work_dir/openssl.log" >&2; die "openssl could not make the test certificates"; }
    tls_upload_dir="$work_dir/uploads-tls"
    start_server "$tls_upload_dir" --tls-cert "$tls_dir/chain.pem" --tls-key "$tls_dir/server.key"
    echo "interop.sh: qtusd (pid $server_pid) listening on $url with TLS"
    [[ "$url" == https://* ]] || { echo "not ok - qtusd with --tls-cert announces an https URL ($url)"; total_failed=$((total_failed + 1)); status=1; }
    run_client "tus-js-client over TLS" env NODE_EXTRA_CA_CERTS="$tls_dir/root.pem" node "$interop_dir/jsclient.mjs" "$url" "$tls_upload_dir"
    if [[ -n "$tuspy_python" ]]; then
        run_client "tuspy over TLS" env REQUESTS_CA_BUNDLE="$tls_dir/root.pem" "$tuspy_python" "$interop_dir/tuspy_client.py" "$url" "$tls_upload_dir"
    fi
    check_server_alive "TLS"
else
    echo "not ok - openssl is installed (apt-get install -y openssl) for the TLS run"
    total_failed=$((total_failed + 1))
    status=1
fi
[[ $total_failed -eq 0 ]] || status=1
echo "$total_passed passed, $total_failed failed"
exit "$status"

#!/usr/bin/env bash
# Benchmark: qtusd against @tus/server (FileStore) on loopback, same client, one table.
#
#   scripts/bench.sh            (what `make bench` runs)
#
# Installs what it needs (Debian packages via scripts/install-deps.sh, only when missing;
# the npm packages pinned in tests/bench/package-lock.json via `npm ci`), builds qtusd
# (Release, in build-bench/) and the load generator, then for every workload starts each
# server fresh on 127.0.0.1 on a free port with a fresh upload directory, runs the workload,
# verifies every upload (HEAD Upload-Offset and the stored file), records the server's peak
# RSS (VmHWM), and stops it. Prints one table; docs/performance.md explains it.
#
# Environment:
#   BENCH_SCALE=1      sizes and durations (0.1 = a quick run: 102 MiB uploads, 1.6 MiB x 32)
#   BENCH_RUNS=3       repetitions of every measurement; the table shows medians (RSS: max)
#   BENCH_ONLY=abcdeg  which workloads to run (e.g. BENCH_ONLY=de for HEAD and POST only;
#                      g: memory and startup per stored upload, index_bench);
#                      the table leaves the others empty
#   BENCH_TMPDIR=/var/tmp  where upload directories and the dd file go (must be the disk
#                      you want measured, not tmpfs)
#   QTUSD=path         use this qtusd instead of building build-bench/server/qtusd
#   BENCH_KEEP=1       keep the work directory (logs, raw results) for inspection
#   BENCH_NICE=-10     as root, the harness, the servers and the client run at this nice
#                      level (and best-effort I/O priority 0), so other jobs on the machine
#                      disturb both servers less; 0 leaves priorities alone
# Exit status: 0 when everything ran and every verification passed (whatever the numbers),
# 1 when something broke or a verification failed. Targets missed are reported, not fatal.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="$repo_root/tests/bench"
scale="${BENCH_SCALE:-1}"
runs="${BENCH_RUNS:-3}"
only="${BENCH_ONLY:-abcdeg}"
tmp_base="${BENCH_TMPDIR:-/var/tmp}"
# A variant runs qtusd with one feature on next to plain qtusd (both --fsync never) for (a),
# (c) and (d), and prints the two side by side instead of the table against @tus/server:
#   admin: an admin API client subscribed to /api/v1/events and scraping /metrics every second
#   hooks: post-receive over --hooks-http to a local hook service (tests/bench/hook-sink.mjs),
#          at the default --hooks-progress-interval (1s); BENCH_HOOK_INTERVAL overrides it
#   tls:   HTTPS (--tls-cert/--tls-key, an RSA 2048 certificate made here by openssl); the
#          clients (client.mjs, loadgen -t) trust its CA and speak TLS, the plain rows do not
variant="${BENCH_VARIANT:-}"

die() { echo "bench.sh: $*" >&2; exit 1; }
log() { echo "bench.sh: $*" >&2; }

[[ "$scale" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v s="$scale" 'BEGIN { exit !(s > 0 && s <= 1) }' \
    || die "BENCH_SCALE must be a number in (0, 1], got '$scale'"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, got '$runs'"
[[ "$only" =~ ^[a-eg]+$ ]] || die "BENCH_ONLY must be workload letters from a-e and g, got '$only'"
[[ -z "$variant" || "$variant" =~ ^(admin|hooks|tls)$ ]] || die "BENCH_VARIANT must be empty, admin, hooks or tls, got '$variant'"
hook_interval="${BENCH_HOOK_INTERVAL:-1s}"

nice_level="${BENCH_NICE:--10}"
[[ "$nice_level" =~ ^-?[0-9]+$ ]] || die "BENCH_NICE must be an integer, got '$nice_level'"

# ---------------------------------------------------------------- dependencies
sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
"$repo_root/scripts/install-deps.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# @tus/server 2.x declares node >= 20.19.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "node $(node --version) is too old: @tus/server 2.x needs Node.js >= 20.19"
if [[ ! -d "$bench_dir/node_modules" || "$bench_dir/package-lock.json" -nt "$bench_dir/node_modules" ]]; then
    log "npm ci in tests/bench"
    (cd "$bench_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
    touch "$bench_dir/node_modules"
fi

# ---------------------------------------------------------------- build
if [[ -n "${QTUSD:-}" ]]; then
    qtusd="$QTUSD"
else
    build_dir="$repo_root/build-bench"
    if [[ ! -f "$build_dir/build.ninja" ]]; then
        log "configuring $build_dir (Release)"
        cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DQTUS_BUILD_GUI=OFF -DQTUS_BUILD_TESTS=ON >/dev/null
    fi
    log "building qtusd and index_bench"
    cmake --build "$build_dir" --target qtusd index_bench >/dev/null
    qtusd="$build_dir/server/qtusd"
    index_bench="$build_dir/tests/bench/index_bench"
fi
[[ -x "$qtusd" ]] || die "no qtusd at $qtusd"

mkdir -p "$tmp_base"
work="$(mktemp -d "$tmp_base/qtus-bench.XXXXXX")"
loadgen="$work/loadgen"
sink="$work/sink"
cc -O2 -o "$loadgen" "$bench_dir/loadgen.c" -lssl -lcrypto || die "cannot compile tests/bench/loadgen.c"
# The tls variant's certificate: a CA and a server certificate for 127.0.0.1 signed by it.
if [[ "$variant" = tls ]]; then
    (
        cd "$work"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=qtus bench CA" -addext basicConstraints=critical,CA:TRUE
        openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj "/CN=127.0.0.1"
        printf 'subjectAltName=IP:127.0.0.1\n' >tls.ext
        openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 -extfile tls.ext -out tls.pem
    ) >"$work/openssl.log" 2>&1 || die "openssl could not make the bench certificate: $(tail -n 3 "$work/openssl.log")"
    export NODE_EXTRA_CA_CERTS="$work/ca.pem"
fi
cc -O2 -o "$sink" "$bench_dir/sink.c" || die "cannot compile tests/bench/sink.c"

# ---------------------------------------------------------------- sizes
MiB=1048576
mib_scaled() { awk -v m="$1" -v s="$scale" 'BEGIN { v = int(m * s); if (v < 1) v = 1; print v * 1048576 }'; }
secs_scaled() { awk -v d="$1" -v s="$scale" -v min="$2" 'BEGIN { v = d * s; if (v < min) v = min; print v }'; }
big_size=$(mib_scaled 1024)            # (a), (b)
chunk_size=$((8 * MiB))                # (b)
conc_count=32                          # (c)
conc_size=$(awk -v s="$scale" 'BEGIN { v = int(16 * 1048576 * s / 65536); if (v < 1) v = 1; print v * 65536 }')
head_conns=32                          # (d)
head_secs=$(secs_scaled 10 2)
post_conns=32                          # (e)
post_secs=$(secs_scaled 5 2)
dd_count=$(awk -v s="$scale" 'BEGIN { v = int(128 * s); if (v < 1) v = 1; print v }')

results="$work/results.tsv"   # run <TAB> server <TAB> metric <TAB> value
: >"$results"
record() { printf '%s\t%s\t%s\t%s\n' "$run" "$1" "$2" "$3" >>"$results"; }

# ---------------------------------------------------------------- servers
server_pid=""
server_url=""
server_port=""
server_dir=""
server_log=""

cleanup() {
    stop_server || true
    if [[ "${BENCH_KEEP:-0}" = 1 ]]; then
        log "kept $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server KIND: qtusd-never | qtusd-always | tus | sink
start_server() {
    local kind="$1" n
    server_dir="$work/data-$kind"
    rm -rf "$server_dir"
    mkdir -p "$server_dir"
    server_log="$work/$kind.log"
    case "$kind" in
        qtusd-never)  "$qtusd" --host 127.0.0.1 --port 0 --dir "$server_dir" --fsync never >"$work/url" 2>"$server_log" & ;;
        qtusd-always) "$qtusd" --host 127.0.0.1 --port 0 --dir "$server_dir" --fsync always >"$work/url" 2>"$server_log" & ;;
        tus)          node "$bench_dir/tus-node-server.mjs" --host 127.0.0.1 --port 0 --dir "$server_dir" >"$work/url" 2>"$server_log" & ;;
        sink)         "$sink" -a 127.0.0.1 -p 0 >"$work/url" 2>"$server_log" & ;;
        qtusd-admin)  "$qtusd" --host 127.0.0.1 --port 0 --dir "$server_dir" --fsync never \
                          --admin-listen 127.0.0.1:0 --admin-token-file "$work/admin-token" >"$work/url" 2>"$server_log" & ;;
        qtusd-tls)    "$qtusd" --host 127.0.0.1 --port 0 --dir "$server_dir" --fsync never \
                          --tls-cert "$work/tls.pem" --tls-key "$work/tls.key" >"$work/url" 2>"$server_log" & ;;
        qtusd-hooks)  start_hook_sink
                      "$qtusd" --host 127.0.0.1 --port 0 --dir "$server_dir" --fsync never \
                          --hooks-http "$hook_url" --hooks-enabled-events post-receive \
                          --hooks-progress-interval "$hook_interval" >"$work/url" 2>"$server_log" & ;;
    esac
    server_pid=$!
    server_url=""
    for n in $(seq 1 300); do
        if [[ "$(head -n 1 "$work/url" 2>/dev/null)" =~ listening\ on\ (https?://127\.0\.0\.1:([0-9]+)/files/)$ ]]; then
            server_url="${BASH_REMATCH[1]}"
            server_port="${BASH_REMATCH[2]}"
            [[ "$kind" = qtusd-admin ]] && start_admin_watchers
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    tail -n 20 "$server_log" >&2 || true
    die "$kind did not announce its URL"
}

# The admin variant's watcher: subscribed to the event stream and scraping /metrics every
# second for as long as the server runs, as a dashboard and an open qtus-admin would.
watcher_pids=()
start_admin_watchers() {
    local n admin=""
    for n in $(seq 1 100); do
        admin="$(sed -n 's/^qtusd admin on \(http:[^ ]*\)$/\1/p' "$work/url")"
        [[ -n "$admin" ]] && break
        sleep 0.05
    done
    [[ -n "$admin" ]] || die "qtusd-admin did not announce its admin URL"
    local token
    token="$(cat "$work/admin-token")"
    curl -sN -H "Authorization: Bearer $token" "${admin}api/v1/events" >/dev/null 2>&1 &
    watcher_pids+=($!)
    (while :; do curl -s "${admin}metrics" >/dev/null 2>&1; sleep 1; done) &
    watcher_pids+=($!)
}
# The hooks variant's hook service, for as long as the server runs.
start_hook_sink() {
    local n
    : >"$work/hook-sink.out"
    node "$bench_dir/hook-sink.mjs" >"$work/hook-sink.out" 2>>"$work/hook-sink.log" &
    watcher_pids+=($!)
    hook_url=""
    for n in $(seq 1 100); do
        hook_url="$(sed -n 's/^hook sink on \(http:[^ ]*\)$/\1/p' "$work/hook-sink.out")"
        [[ -n "$hook_url" ]] && return 0
        sleep 0.05
    done
    die "the hook sink did not start"
}
stop_watchers() {
    local p
    for p in "${watcher_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    watcher_pids=()
}

# Peak resident set of the running server, in KiB.
server_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status"; }

# stop_server [keep]: with "keep", the upload directory is moved aside and removed with the
# work directory at the end instead of now (see post_workload).
stop_server() {
    [[ -n "$server_pid" ]] || return 0
    stop_watchers
    local pid="$server_pid" n keep="${1:-}"
    server_pid=""
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for n in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    if [[ "$keep" = keep ]]; then
        mv "$server_dir" "$(mktemp -u "$work/kept.XXXXXX")"
    else
        rm -rf "$server_dir"
    fi
}

# Fails the run when the server died during a workload.
check_alive() {
    kill -0 "$server_pid" 2>/dev/null && return 0
    tail -n 20 "$server_log" >&2 || true
    die "$1 died during $2"
}

json_field() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$1" "$2"; }
kv_field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# Settles the page cache so the previous workload's dirty pages are not written during the next.
settle() { sync; }

# upload_workload LETTER KIND ARGS...: one server, one client run, verified.
upload_workload() {
    local letter="$1" kind="$2" out dirargs=()
    shift 2
    settle
    start_server "$kind"
    [[ "$kind" = sink ]] || dirargs=(--dir "$server_dir")
    if ! out="$(node "$bench_dir/client.mjs" upload --url "$server_url" "$@" "${dirargs[@]}")"; then
        tail -n 20 "$server_log" >&2 || true
        die "($letter) against $kind: an upload or its verification failed"
    fi
    check_alive "$kind" "($letter)"
    record "$kind" "${letter}_mibps" "$(json_field "$out" mibps)"
    record "$kind" "rss_$letter" "$(server_hwm)"
    stop_server
    log "run $run ($letter) $kind: $(json_field "$out" mibps | cut -c1-7) MiB/s, $(json_field "$out" verified) uploads verified"
}

head_workload() {
    local kind="$1" out
    settle
    start_server "$kind"
    node "$bench_dir/client.mjs" prepare --url "$server_url" --count "$head_conns" --size $((4 * MiB)) \
        --sent $((256 * 1024)) --out "$work/paths" --dir "$server_dir" >/dev/null \
        || die "(d) against $kind: preparing the uploads failed"
    local tls=()
    [[ "$server_url" = https:* ]] && tls=(-t "$work/ca.pem")
    out="$("$loadgen" -p "$server_port" -c "$head_conns" -d "$head_secs" -w 1 -m HEAD -s 200 \
        -H 'Tus-Resumable: 1.0.0' -f "$work/paths" "${tls[@]}")" || die "(d) against $kind: loadgen failed: $out"
    check_alive "$kind" "(d)"
    [[ "$(kv_field "$out" bad_status)" = 0 && "$(kv_field "$out" errors)" = 0 ]] \
        || die "(d) against $kind: HEAD answers were not all 200 on intact connections: $out"
    sed 's#^#'"${server_url%%/files/}"'#' "$work/paths" >"$work/locs"
    node "$bench_dir/client.mjs" verify --locations "$work/locs" --size $((4 * MiB)) --offset $((256 * 1024)) \
        --dir "$server_dir" >/dev/null || die "(d) against $kind: uploads changed under HEAD load"
    record "$kind" d_rps "$(kv_field "$out" rps)"
    record "$kind" d_p99 "$(kv_field "$out" p99_ms)"
    record "$kind" rss_d "$(server_hwm)"
    stop_server
    log "run $run (d) $kind: $(kv_field "$out" rps) HEAD/s, p99 $(kv_field "$out" p99_ms) ms"
}

post_workload() {
    local kind="$1" out ok stored
    settle
    start_server "$kind"
    out="$("$loadgen" -p "$server_port" -c "$post_conns" -d "$post_secs" -w 1 -m POST -s 201 \
        -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: 1024' -u /files/ -L "$work/locs")" \
        || die "(e) against $kind: loadgen failed: $out"
    check_alive "$kind" "(e)"
    ok="$(kv_field "$out" ok)"
    [[ "$(kv_field "$out" bad_status)" = 0 && "$(kv_field "$out" errors)" = 0 ]] \
        || die "(e) against $kind: POST answers were not all 201 on intact connections: $out"
    [[ "$(wc -l <"$work/locs")" -eq "$ok" ]] || die "(e) against $kind: $ok answers but $(wc -l <"$work/locs") Locations"
    # Every counted creation (and the warm-up ones) left an upload named by its id: a data file,
    # or for qtusd, which makes the data file with the first byte, at least its <id>.info.
    stored="$(find "$server_dir" -maxdepth 1 -type f -regextype posix-extended -regex '.*/[0-9a-f]{32}(\.info)?' \
        -printf '%f\n' | cut -c1-32 | sort -u | wc -l)"
    [[ "$stored" -ge "$ok" ]] || die "(e) against $kind: $ok uploads created but $stored stored"
    node "$bench_dir/client.mjs" verify --locations "$work/locs" --size 1024 --offset 0 --sample 200 \
        --dir "$server_dir" >/dev/null || die "(e) against $kind: created uploads do not check out"
    record "$kind" e_rps "$(kv_field "$out" rps)"
    record "$kind" rss_e "$(server_hwm)"
    # Tens of thousands of files: deleting them now (this disk is mounted with discard) keeps
    # the file system busy for a while and slowed the next server's creations tenfold (the
    # same Python loop creating files measured 0.2 ms each before, 1.3 ms after). They go with
    # the work directory at the end.
    stop_server keep
    log "run $run (e) $kind: $(kv_field "$out" rps) POST/s, $stored uploads stored"
}

dd_rate() {
    local out secs bytes
    settle
    out="$(LC_ALL=C dd if=/dev/zero of="$work/ddtest" bs=8M count="$dd_count" conv=fdatasync 2>&1)" \
        || die "dd failed: $out"
    rm -f "$work/ddtest"
    # "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 2.5 s, 430 MB/s"
    bytes="$(awk '/copied/ { print $1 }' <<<"$out")"
    secs="$(awk -F', ' '/copied/ { split($(NF-1), a, " "); print a[1] }' <<<"$out")"
    record dd dd_mibps "$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1048576 / s }')"
    log "run $run dd conv=fdatasync: $(tail -n 1 <<<"$out")"
}

# ---------------------------------------------------------------- run
priority="default"
if [[ "$nice_level" != 0 && "$(id -u)" -eq 0 ]]; then
    # Everything started from here on (servers, client, loadgen, dd) inherits both.
    renice -n "$nice_level" -p $$ >/dev/null && ionice -c 2 -n 0 -p $$ && priority="nice $nice_level, ionice best-effort 0"
fi
# How busy the machine is without us: CPU time not idle over one second, before any workload.
cpu_busy_pct() {
    local a b
    a=($(head -n 1 /proc/stat)); sleep 1; b=($(head -n 1 /proc/stat))
    awk -v u="$(( b[1] + b[2] + b[3] + b[6] + b[7] + b[8] - a[1] - a[2] - a[3] - a[6] - a[7] - a[8] ))" \
        -v i="$(( b[4] + b[5] - a[4] - a[5] ))" 'BEGIN { printf "%.0f", (u + i) ? 100 * u / (u + i) : 0 }'
}
idle_check="$(cpu_busy_pct)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
fs_type="$(findmnt -n -o FSTYPE -T "$work" 2>/dev/null || stat -f -c %T "$work")"
started=$(date +%s)
log "scale $scale, $runs run(s), work dir $work ($fs_type), CPU ${idle_check}% busy before start, load average $load_start"
wants() { [[ "$only" == *"$1"* ]]; }
if [[ -n "$variant" ]]; then
    command -v curl >/dev/null || die "curl is needed for BENCH_VARIANT=$variant"
    # Plain and with the feature, alternating within every run so drift hits both alike.
    for run in $(seq 1 "$runs"); do
        for kind in qtusd-never "qtusd-$variant"; do
            if wants a; then upload_workload a "$kind" --size "$big_size"; fi
            if wants c; then upload_workload c "$kind" --size "$conc_size" --count "$conc_count"; fi
            if wants d; then head_workload "$kind"; fi
        done
    done
    node "$bench_dir/compare.mjs" "$results" qtusd-never "qtusd-$variant" "$variant"
    exit 0
fi
for run in $(seq 1 "$runs"); do
    if wants a || wants b || wants c; then dd_rate; fi
    # Servers alternate within each workload, so drift in the machine hits them alike.
    if wants a; then
        for kind in qtusd-never tus qtusd-always sink; do
            upload_workload a "$kind" --size "$big_size"
        done
    fi
    if wants b; then
        for kind in qtusd-never tus qtusd-always sink; do
            upload_workload b "$kind" --size "$big_size" --chunk "$chunk_size"
        done
    fi
    if wants c; then
        for kind in qtusd-never tus qtusd-always sink; do
            upload_workload c "$kind" --size "$conc_size" --count "$conc_count"
        done
    fi
    if wants d; then for kind in qtusd-never tus; do head_workload "$kind"; done; fi
    if wants e; then for kind in qtusd-never tus; do post_workload "$kind"; done; fi
done
elapsed=$(( $(date +%s) - started ))

# (g) memory and startup per stored upload: 100,000 uploads with 8 KiB of metadata each (scaled)
if wants g; then
    if [[ -x "${index_bench:-}" ]]; then
        "$index_bench" --uploads "$(awk -v s="$scale" 'BEGIN { printf "%d", 100000 * s }')" --metadata 8192 --dir "$work" \
            > "$work/index.txt" 2>&1 || die "index_bench failed: $(tail -n 3 "$work/index.txt")"
    else
        echo "(g) skipped: QTUSD was given, so index_bench was not built" > "$work/index.txt"
    fi
fi

node "$bench_dir/report.mjs" "$results" \
    scale="$scale" runs="$runs" elapsed="$elapsed" load_start="$load_start" busy_pct="$idle_check" \
    load_end="$(cut -d' ' -f1-3 /proc/loadavg)" fs="$fs_type" tmp_base="$tmp_base" \
    qtusd="$("$qtusd" --version 2>/dev/null | head -n 1)" priority="$priority" \
    big="$big_size" chunk="$chunk_size" conc_count="$conc_count" conc_size="$conc_size" \
    head_conns="$head_conns" head_secs="$head_secs" post_conns="$post_conns" post_secs="$post_secs" \
    dd_bytes=$((dd_count * 8 * MiB))
if wants g; then
    echo
    echo "(g) stored uploads, memory and startup (tests/bench/index_bench; target: at most 256 bytes an upload, 100,000 in under 2 s):"
    sed 's/^/    /' "$work/index.txt"
fi

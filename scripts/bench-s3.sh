#!/usr/bin/env bash
# qtusd's S3 store next to boto3 on the same throw-away Ceph RGW (bluestore), side by side in
# one run, RUNS times alternating (default 3), medians printed with ratios:
#   (a) one upload of SIZE_MIB (default 256): qtusd (POST + one PATCH streamed by curl) vs one
#       boto3 multipart upload (scripts/s3-baseline.py, 8 MiB parts)
#   (c) PARALLEL (default 8) uploads of SIZE_MIB/PARALLEL each at once, both ways
#   (d) one download of (a)'s upload: qtusd's GET (curl, streamed from the object) vs one
#       boto3 GetObject of the same object, one stream each; no target, for the record
#   peak RSS of qtusd (VmHWM) over the whole run; target 64 MiB
#   HEAD/s against the S3 store (tests/bench/loadgen.c, 8 connections, 5 s): every HEAD reads
#       the .info from S3
# Target: qtusd reaches at least 80 % of boto3's MiB/s. Usage: make bench-s3 [QTUSD=path].
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
qtusd="${QTUSD:-$root/build/server/qtusd}"
size_mib="${SIZE_MIB:-256}"
parallel="${PARALLEL:-8}"
runs="${RUNS:-3}"
port="${BENCH_S3_PORT:-18300}"
work="$(mktemp -d /var/tmp/qtus-bench-s3.XXXXXX)"
die() { echo "bench-s3.sh: $*" >&2; exit 1; }
[ -x "$qtusd" ] || die "no qtusd at $qtusd (make build)"

cleanup() {
    [ -n "${qtusd_pid:-}" ] && kill "$qtusd_pid" 2>/dev/null && wait "$qtusd_pid" 2>/dev/null
    "$root/scripts/rgw.sh" stop "$work/rgw" --purge >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

OBJECTSTORE=bluestore "$root/scripts/rgw.sh" start "$work/rgw" $((port + 2)) >/dev/null
set -a; . "$work/rgw/env"; set +a
cc -O2 -o "$work/loadgen" "$root/tests/bench/loadgen.c" -lssl -lcrypto

"$qtusd" --host 127.0.0.1 --port "$port" --dir "$work/qtusd" --fsync never --access-log off --log-level warning \
    --s3-endpoint "$QTUS_S3_ENDPOINT" --s3-bucket "$QTUS_S3_BUCKET" --s3-path-style --s3-prefix bench/ \
    >"$work/qtusd.log" 2>&1 &
qtusd_pid=$!
until curl -fsS -o /dev/null -X OPTIONS "http://127.0.0.1:$port/files/" 2>/dev/null; do
    kill -0 "$qtusd_pid" 2>/dev/null || die "qtusd did not start: $(tail -3 "$work/qtusd.log")"
    sleep 0.05
done

head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/big"
piece=$((size_mib / parallel))
head -c $((piece * 1024 * 1024)) /dev/urandom >"$work/piece"

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }
tus_upload() {  # FILE: POST + one PATCH; prints the seconds it took
    local file=$1 length location start
    length=$(stat -c %s "$file")
    start=$(date +%s.%N)
    location=$(curl -sS -i -X POST -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $length" "http://127.0.0.1:$port/files/" |
        tr -d '\r' | awk -F': ' 'tolower($1)=="location"{print $2}')
    [ "$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
        -H 'Content-Type: application/offset+octet-stream' --data-binary @"$file" "$location")" = 204 ] || die "a PATCH failed"
    echo "$location" >>"$work/locations"
    elapsed "$start"
}
boto3_upload() {  # MIB: prints the seconds it took
    /usr/bin/python3 "$root/scripts/s3-baseline.py" --env "$work/rgw/env" --size-mib "$1" --part-mib 8 |
        sed -n 's/.* in \([0-9.]*\) s = .*/\1/p'
}
tus_download() {  # URL: prints the seconds a GET took (all SIZE_MIB arrived)
    local got
    got=$(curl -sS -o /dev/null -w '%{size_download} %{time_total}' -H 'Tus-Resumable: 1.0.0' "$1")
    [ "${got% *}" = $((size_mib * 1024 * 1024)) ] || die "a GET gave ${got% *} bytes"
    echo "${got#* }"
}
boto3_download() {  # KEY: prints the seconds a GetObject took
    /usr/bin/python3 "$root/scripts/s3-baseline.py" --env "$work/rgw/env" --download "$1" |
        sed -n 's/.* in \([0-9.]*\) s = .*/\1/p'
}
parallel_run() {  # COMMAND...: PARALLEL copies at once; prints the wall seconds
    local start pids=()
    start=$(date +%s.%N)
    for _ in $(seq "$parallel"); do "$@" >/dev/null & pids+=($!); done
    for p in "${pids[@]}"; do wait "$p" || die "a parallel upload failed"; done
    elapsed "$start"
}
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

for run in $(seq "$runs"); do
    q_a=$(tus_upload "$work/big"); b_a=$(boto3_upload "$size_mib")
    big_url=$(tail -1 "$work/locations")
    q_d=$(tus_download "$big_url"); b_d=$(boto3_download "bench/${big_url##*/}")
    q_c=$(parallel_run tus_upload "$work/piece"); b_c=$(parallel_run boto3_upload "$piece")
    echo "run $run: (a) qtusd $(rate "$size_mib" "$q_a") MiB/s, boto3 $(rate "$size_mib" "$b_a") MiB/s;" \
        "(c) qtusd $(rate $((piece * parallel)) "$q_c") MiB/s, boto3 $(rate $((piece * parallel)) "$b_c") MiB/s;" \
        "(d) qtusd $(rate "$size_mib" "$q_d") MiB/s, boto3 $(rate "$size_mib" "$b_d") MiB/s" >&2
    echo "$(rate "$size_mib" "$q_a") $(rate "$size_mib" "$b_a") $(rate $((piece * parallel)) "$q_c") $(rate $((piece * parallel)) "$b_c")" \
        "$(rate "$size_mib" "$q_d") $(rate "$size_mib" "$b_d")" >>"$work/rates"
done
path="/files/$(tail -1 "$work/locations" | sed 's|.*/files/||')"
heads=$("$work/loadgen" -p "$port" -u "$path" -m HEAD -c 8 -d 5 -w 1 -H 'Tus-Resumable: 1.0.0' | sed -n 's/.*rps=\([0-9.]*\).*/\1/p')
rss_kib=$(awk '/VmHWM/ {print $2}' "/proc/$qtusd_pid/status")

qa=$(cut -d' ' -f1 "$work/rates" | median); ba=$(cut -d' ' -f2 "$work/rates" | median)
qc=$(cut -d' ' -f3 "$work/rates" | median); bc_=$(cut -d' ' -f4 "$work/rates" | median)
qd=$(cut -d' ' -f5 "$work/rates" | median); bd=$(cut -d' ' -f6 "$work/rates" | median)
echo
echo "S3 store on a local Ceph RGW (bluestore), medians of $runs runs, $size_mib MiB:"
printf '%-44s %10s %10s %8s\n' "" "qtusd" "boto3" "ratio"
printf '%-44s %10s %10s %8s\n' "(a) one upload, MiB/s" "$qa" "$ba" "$(awk -v a="$qa" -v b="$ba" 'BEGIN { printf "%.3f", a / b }')"
printf '%-44s %10s %10s %8s\n' "(c) $parallel uploads at once, MiB/s" "$qc" "$bc_" "$(awk -v a="$qc" -v b="$bc_" 'BEGIN { printf "%.3f", a / b }')"
printf '%-44s %10s %10s %8s\n' "(d) one download of (a), MiB/s" "$qd" "$bd" "$(awk -v a="$qd" -v b="$bd" 'BEGIN { printf "%.3f", a / b }')"
printf '%-44s %10s\n' "peak RSS of qtusd, MiB (target <= 64)" "$((rss_kib / 1024))"
printf '%-44s %10s\n' "HEAD/s against the S3 store (8 connections)" "$heads"

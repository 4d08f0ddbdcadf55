#!/usr/bin/env bash
# Smoke check of the scale-out test services: starts scripts/rgw.sh and scripts/redis.sh in a
# temporary directory on free ports, puts and gets one object with curl (SigV4), pings Redis,
# stops both. Exits 0 when all of it worked; prints how long each step took.
# Runs beside other copies of itself: each takes its own directory and ports.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
work=$(mktemp -d "${TMPDIR:-/tmp}/qtus-scale-smoke.XXXXXX")
ok=0
cleanup() {
    "$here/rgw.sh" stop "$work/rgw" || true
    "$here/redis.sh" stop "$work/redis" || true
    if [ "$ok" = 1 ]; then
        rm -rf -- "$work"
    else
        echo "scale-smoke: FAILED; logs in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port N: the first of N free ports in a row, drawn at random from 20000-29999 (below the
# kernel's ephemeral range, so no outgoing connection holds it)
free_port() {
    local p i tries
    for ((tries = 0; tries < 50; tries++)); do
        p=$((20000 + RANDOM % 10000))
        for ((i = 0; i < $1; i++)); do port_taken $((p + i)) && continue 2; done
        echo "$p"
        return 0
    done
    echo "scale-smoke: no free port found" >&2
    return 1
}
now() { echo "${EPOCHREALTIME/./}"; }               # microseconds
took() { printf '%d.%02d s' $((($(now) - $1) / 1000000)) $((($(now) - $1) / 10000 % 100)); }

t0=$(now)
rgw_port=$(free_port 2)                             # radosgw and its monitor
t=$(now); rgw_env=$("$here/rgw.sh" start "$work/rgw" "$rgw_port")
echo "scale-smoke: rgw on 127.0.0.1:$rgw_port started in $(took "$t")"
redis_port=$(free_port 1)
t=$(now); redis_env=$("$here/redis.sh" start "$work/redis" "$redis_port")
echo "scale-smoke: redis on 127.0.0.1:$redis_port started in $(took "$t")"

set -a
# shellcheck source=/dev/null
. "$rgw_env"
# shellcheck source=/dev/null
. "$redis_env"
set +a

t=$(now)
# curl 7.88 signs no payload hash unless it is given one, and RGW refuses the signature then
s3=(curl -sS -f --aws-sigv4 "aws:amz:$QTUS_S3_REGION:s3"
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
url=$QTUS_S3_ENDPOINT/$QTUS_S3_BUCKET/scale-smoke-$$
head -c 1048576 /dev/urandom >"$work/object"
"${s3[@]}" -X PUT --data-binary "@$work/object" "$url" >/dev/null
"${s3[@]}" -o "$work/object.back" "$url"
cmp -s "$work/object" "$work/object.back" || { echo "scale-smoke: GET returned other bytes" >&2; exit 1; }
"${s3[@]}" -X DELETE "$url" >/dev/null
pong=$(redis-cli -u "$QTUS_REDIS_URL" ping)
[ "$pong" = PONG ] || { echo "scale-smoke: redis answered '$pong' to PING" >&2; exit 1; }
echo "scale-smoke: S3 PUT/GET/DELETE of 1 MiB and redis PING in $(took "$t")"

t=$(now)
"$here/rgw.sh" stop "$work/rgw" --purge
echo "scale-smoke: rgw stopped in $(took "$t")"
t=$(now)
"$here/redis.sh" stop "$work/redis" --purge
echo "scale-smoke: redis stopped in $(took "$t")"
ok=1
echo "scale-smoke: passed in $(took "$t0")"

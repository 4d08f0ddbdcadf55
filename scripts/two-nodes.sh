#!/usr/bin/env bash
# The documented scale-out deployment on one machine (docs/scale-out.md): a throw-away Ceph
# RGW (scripts/rgw.sh), a Redis (scripts/redis.sh), two qtusd on the same bucket with their
# locks in that Redis, and nginx in front, round robin, no sticky sessions.
#   scripts/two-nodes.sh start DIR BASEPORT [QTUSD]   nginx on BASEPORT, the nodes on +1 and +2,
#                                                    Redis on +3, RGW on +4 (its monitor +5),
#                                                    the nodes' admin APIs on +6 and +7;
#                                                    prints the path of DIR/env
#   scripts/two-nodes.sh stop DIR [--purge]
# QTUSD defaults to build/server/qtusd. Extra qtusd flags: NODE_FLAGS (e.g. --redis-lock-ttl 3s;
# not QTUSD_*, which qtusd itself reads as options).
# DIR/env: QTUS_URL (nginx), QTUS_NODE1_URL, QTUS_NODE2_URL, QTUS_NODE1_PID, QTUS_NODE2_PID,
# QTUS_NODE1_ADMIN, QTUS_NODE2_ADMIN (the admin APIs), QTUS_ADMIN_TOKEN_FILE (one token for
# both) and the RGW's variables; each node logs to DIR/nodeN.log.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "two-nodes.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DIR BASEPORT [QTUSD] | stop DIR [--purge]" >&2; exit 2; }

stop() {
    local dir=$1 pid
    for f in "$dir"/node1.pid "$dir"/node2.pid "$dir"/nginx.pid; do
        [ -f "$f" ] || continue
        pid=$(<"$f")
        [[ $pid =~ ^[0-9]+$ ]] && kill -TERM "$pid" 2>/dev/null || true
        rm -f "$f"
    done
    [ -d "$dir/redis" ] && "$here/redis.sh" stop "$dir/redis" >/dev/null 2>&1 || true
    [ -d "$dir/rgw" ] && "$here/rgw.sh" stop "$dir/rgw" >/dev/null 2>&1 || true
    if [ "${2:-}" = --purge ]; then
        [ -f "$dir/.two-nodes" ] || die "$dir was not made by two-nodes.sh start: not removing it"
        "$here/rgw.sh" stop "$dir/rgw" --purge >/dev/null 2>&1 || true
        rm -rf "$dir"
    fi
}

wait_http() {  # URL: until qtusd answers OPTIONS (or 30 s)
    local deadline=$((SECONDS + 30))
    until curl -fsS -o /dev/null -X OPTIONS "$1" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

start() {
    local dir=$1 base=$2 qtusd=${3:-$here/../build/server/qtusd}
    [[ $base =~ ^[0-9]+$ ]] || usage
    [ -x "$qtusd" ] || die "no qtusd at $qtusd (make build)"
    mkdir -p "$dir" && dir="$(cd "$dir" && pwd)" && touch "$dir/.two-nodes"
    trap 'echo "two-nodes.sh: start failed; stopping what started" >&2; stop "$dir"' ERR
    "$here/rgw.sh" start "$dir/rgw" $((base + 4)) >/dev/null
    "$here/redis.sh" start "$dir/redis" $((base + 3)) >/dev/null
    set -a; . "$dir/rgw/env"; . "$dir/redis/env"; set +a
    # one admin token for both nodes, made here: two nodes making it at once would race
    (umask 077 && head -c 24 /dev/urandom | base64 >"$dir/admin-token")
    for n in 1 2; do
        # shellcheck disable=SC2086  # NODE_FLAGS is a list of flags
        env -u NODE_FLAGS "$qtusd" --host 127.0.0.1 --port $((base + n)) --dir "$dir/node$n" --behind-proxy \
            --s3-endpoint "$QTUS_S3_ENDPOINT" --s3-bucket "$QTUS_S3_BUCKET" --s3-path-style \
            --s3-prefix uploads/ --redis "$QTUS_REDIS_URL" \
            --admin-listen 127.0.0.1:$((base + 5 + n)) --admin-token-file "$dir/admin-token" \
            ${NODE_FLAGS:-} >"$dir/node$n.log" 2>&1 &
        echo $! >"$dir/node$n.pid"
    done
    mkdir -p "$dir/nginx"
    cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 256; }
http {
    access_log $dir/nginx/access.log;
    client_body_temp_path $dir/nginx/body;
    proxy_temp_path $dir/nginx/proxy;
    fastcgi_temp_path $dir/nginx/fastcgi;
    uwsgi_temp_path $dir/nginx/uwsgi;
    scgi_temp_path $dir/nginx/scgi;
    upstream qtus {
        server 127.0.0.1:$((base + 1));
        server 127.0.0.1:$((base + 2));
    }
    server {
        listen 127.0.0.1:$base;
        client_max_body_size 0;
        location / {
            proxy_pass http://qtus;
            proxy_http_version 1.1;
            proxy_request_buffering off;
            proxy_buffering off;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_read_timeout 300s;
            proxy_send_timeout 300s;
        }
    }
}
CONF
    nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" -g 'daemon on;' 2>>"$dir/nginx/error.log"
    wait_http "http://127.0.0.1:$((base + 1))/files/" || die "node 1 did not start: $(tail -5 "$dir/node1.log")"
    wait_http "http://127.0.0.1:$((base + 2))/files/" || die "node 2 did not start: $(tail -5 "$dir/node2.log")"
    wait_http "http://127.0.0.1:$base/files/" || die "nginx did not start: $(tail -5 "$dir/nginx/error.log")"
    trap - ERR
    {
        cat "$dir/rgw/env" "$dir/redis/env"
        echo "QTUS_URL=http://127.0.0.1:$base/files/"
        echo "QTUS_NODE1_URL=http://127.0.0.1:$((base + 1))/files/"
        echo "QTUS_NODE2_URL=http://127.0.0.1:$((base + 2))/files/"
        echo "QTUS_NODE1_PID=$(<"$dir/node1.pid")"
        echo "QTUS_NODE2_PID=$(<"$dir/node2.pid")"
        echo "QTUS_NODE1_ADMIN=http://127.0.0.1:$((base + 6))/"
        echo "QTUS_NODE2_ADMIN=http://127.0.0.1:$((base + 7))/"
        echo "QTUS_ADMIN_TOKEN_FILE=$dir/admin-token"
    } >"$dir/env"
    echo "$dir/env"
}

case "${1:-}" in
    start) [ $# -ge 3 ] || usage; start "$2" "$3" "${4:-}" ;;
    stop) [ $# -ge 2 ] || usage; stop "$2" "${3:-}" ;;
    *) usage ;;
esac

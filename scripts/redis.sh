#!/usr/bin/env bash
# A private, throw-away Redis for the scale-out tests, run as the current user with every file
# under DIR and nothing saved to disk.
#   scripts/redis.sh start DIR PORT    Redis on 127.0.0.1:PORT and DIR/redis.sock; prints the
#                                      path of DIR/env once it answers PING
#   scripts/redis.sh stop DIR [--purge]
# Its own port and config: a system redis-server that the package started does not matter.
# Needs Debian 12's redis-server (redis-server and redis-cli).
set -euo pipefail

die() { echo "redis.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DIR PORT | stop DIR [--purge]" >&2; exit 2; }

# a zombie counts as gone: an orphaned daemon may never be reaped in a container
alive() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) } && st=${st%% *} && [ "$st" != Z ] && [ "$st" != X ]
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {  # stop DIR [--purge]: by the pid file
    local dir=$1 purge=${2:-} pf=$1/redis.pid pid deadline
    if [ -f "$pf" ]; then
        pid=$(<"$pf")
        # only a redis-server working in this DIR (its --dir) is ours to end: it rewrites its
        # command line to "redis-server 127.0.0.1:PORT"
        if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
            [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$dir" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 10))
            while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
            if alive "$pid"; then
                echo "redis.sh: redis-server (pid $pid) ignored SIGTERM for 10 s; SIGKILL" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$pf"
    fi
    [ "$purge" = --purge ] && [ -e "$dir" ] || return 0
    [ -f "$dir/.qtus-redis" ] || die "$dir was not made by redis.sh start; not removing it"
    rm -rf -- "$dir"
}

on_exit() {
    local rc=$? log=$dir/redis.log
    trap - EXIT
    if [ "$rc" -ne 0 ]; then
        echo "redis.sh: start failed; last lines of $log:" >&2
        tail -n 15 "$log" >&2 2>/dev/null || true
        stop "$dir"
        echo "redis.sh: stopped it; the log stays in $dir" >&2
    fi
    exit "$rc"
}

start() {
    dir=$1    # global, for on_exit
    local port=$2 timeout=${REDIS_TIMEOUT:-20} c deadline
    [[ $port =~ ^[0-9]+$ ]] || usage
    for c in redis-server redis-cli; do
        command -v "$c" >/dev/null || die "$c not found: QTUS_TEST_DEPS=1 scripts/install-deps.sh"
    done
    port_taken "$port" && die "127.0.0.1:$port is already in use"
    [ ! -e "$dir" ] || [ -z "$(ls -A -- "$dir")" ] || die "$dir exists and is not empty"
    mkdir -p "$dir"
    touch "$dir/.qtus-redis"                        # stop --purge removes only such a DIR
    local log=$dir/redis.log

    trap on_exit EXIT
    trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP

    # --dir: where a stray SAVE or BGREWRITEAOF would write, never the caller's directory.
    # Its own errors before it forks and the log after both go to $log, appended.
    # shellcheck disable=SC2094
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$dir/redis.pid" --unixsocket "$dir/redis.sock" \
        --unixsocketperm 700 --dir "$dir" --logfile "$log" </dev/null >>"$log" 2>&1 ||
        die "redis-server did not start"
    deadline=$((SECONDS + timeout))
    until [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; do
        # the daemon writes its pid file only after it has forked: allow a moment before
        # taking a missing one for a dead server
        if [ -f "$dir/redis.pid" ]; then
            alive "$(<"$dir/redis.pid")" || die "redis-server exited"
        elif grep -q '# Failed\|# Could not\|FATAL' "$log" 2>/dev/null; then
            die "redis-server exited"
        fi
        [ "$SECONDS" -lt "$deadline" ] || die "no PONG on 127.0.0.1:$port after ${timeout}s"
        sleep 0.02
    done
    # a PONG from someone else's server that took the port meanwhile would not be ours
    [ "$(redis-cli -s "$dir/redis.sock" ping 2>/dev/null)" = PONG ] || die "no PONG on $dir/redis.sock"

    printf '%s\n' "QTUS_REDIS_URL=redis://127.0.0.1:$port/0" >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    echo "$dir/env"
}

[ $# -ge 2 ] || usage
dir=$(realpath -m -- "$2")
case $1 in
    start) [ $# -eq 3 ] || usage; start "$dir" "$3" ;;
    stop) [ $# -eq 2 ] || [ "${3:-}" = --purge ] || usage; stop "$dir" "${3:-}" ;;
    *) usage ;;
esac

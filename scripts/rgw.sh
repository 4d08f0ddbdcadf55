#!/usr/bin/env bash
# A throw-away single-node Ceph RGW (S3) for tests and benchmarks, run as the current user with
# every file under DIR: one monitor, one OSD (memstore: objects in its RAM), one radosgw.
#   scripts/rgw.sh start DIR PORT      S3 on 127.0.0.1:PORT, the monitor on RGW_MON_PORT
#                                      (PORT+1); prints DIR/env once a bucket round trip works
#   scripts/rgw.sh stop DIR [--purge]
#   scripts/rgw.sh gateway-down DIR    SIGKILLs the radosgw only: S3 is unreachable (connection
#                                      refused) while the monitor and the OSD keep the objects
#   scripts/rgw.sh gateway-up DIR      starts the radosgw again; returns once S3 answers
# Knobs: OBJECTSTORE=memstore|bluestore (a sparse file DIR/osd.0/block), RGW_STORE_BYTES (the
# OSD's size, 4 GiB), RGW_BUCKET (qtus), RGW_TIMEOUT (seconds for each wait, 60).
# Needs Debian 12's ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
die() { echo "rgw.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 start DIR PORT | stop DIR [--purge] | gateway-down DIR | gateway-up DIR" >&2; exit 2; }

# a zombie counts as gone: an orphaned daemon may never be reaped in a container. No fork here:
# stop polls it.
alive() {
    local st
    { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
    st=${st##*) } && st=${st%% *} && [ "$st" != Z ] && [ "$st" != X ]
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {  # stop DIR [--purge]: by the pid files, one at a time and users first: a radosgw
    # whose OSD is gone hangs in its shutdown, an OSD whose monitor is gone waits 5 s for it
    local dir=$1 purge=${2:-} name pf pid deadline
    for name in rgw osd.0 mon.a; do
        pf=$dir/run/$name.pid
        [ -f "$pf" ] || continue
        pid=$(<"$pf")
        # only a process whose command line names this DIR's ceph.conf is ours to end
        if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
            tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/ceph.conf"; then
            kill -TERM "$pid" 2>/dev/null || true
            deadline=$((SECONDS + 10))
            while alive "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.02; done
            if alive "$pid"; then
                echo "rgw.sh: $name (pid $pid) ignored SIGTERM for 10 s; SIGKILL" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$pf"
    done
    [ "$purge" = --purge ] && [ -e "$dir" ] || return 0
    [ -f "$dir/.qtus-rgw" ] || die "$dir was not made by rgw.sh start; not removing it"
    rm -rf -- "$dir"
}

on_exit() {
    local rc=$?
    trap - EXIT
    if [ "$rc" -ne 0 ]; then
        echo "rgw.sh: start failed at: $step; last lines of $steplog:" >&2
        tail -n 25 "$steplog" >&2 2>/dev/null || true
        stop "$dir"   # then the helpers; the python one is no job of this shell
        # shellcheck disable=SC2046 # one word per pid
        kill $(jobs -p) ${helper_pid:+"$helper_pid"} 2>/dev/null || true
        echo "rgw.sh: stopped what had started; the logs stay in $dir/log" >&2
    fi
    exit "$rc"
}

start() {
    dir=$1 port=$2 helper_pid=    # globals, for on_exit
    [[ $port =~ ^[0-9]+$ ]] || usage
    local mon_port=${RGW_MON_PORT:-$((port + 1))} store=${OBJECTSTORE:-memstore}
    local bytes=${RGW_STORE_BYTES:-4294967296} bucket=${RGW_BUCKET:-qtus} timeout=${RGW_TIMEOUT:-60}
    local region=us-east-1 p c
    [[ $mon_port =~ ^[0-9]+$ ]] || usage
    case $store in memstore | bluestore) ;; *) die "OBJECTSTORE must be memstore or bluestore" ;; esac
    for c in ceph-mon ceph-osd radosgw radosgw-admin monmaptool uuidgen curl /usr/bin/python3; do
        command -v "$c" >/dev/null || die "$c not found: QTUS_TEST_DEPS=1 scripts/install-deps.sh"
    done
    # radosgw takes 9 s to report that its port is taken
    for p in "$port" "$mon_port"; do port_taken "$p" && die "127.0.0.1:$p is already in use"; done
    [ ! -e "$dir" ] || [ -z "$(ls -A -- "$dir")" ] || die "$dir exists and is not empty"
    mkdir -p "$dir"/{mon.a,osd.0,log,run,tmp}
    touch "$dir/.qtus-rgw"                          # stop --purge removes only such a DIR
    local conf=$dir/ceph.conf log=$dir/log/start.log
    : >"$log"

    # on any failure: say where, show the log of that step, leave nothing running
    step="set-up" steplog=$log
    trap on_exit EXIT
    trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP
    say() {
        step=$1 steplog=${2:-$log}
        printf '%(%T)T.%s %s\n' "${EPOCHREALTIME%.*}" "${EPOCHREALTIME: -6:3}" "$step" >>"$log"
    }
    # run NAME CMD...: a daemon in the foreground of a background job, so its pid is known at
    # once (ceph's own daemonizing writes its pid file a while after it has returned)
    run() {
        local name=$1; shift
        "$@" -c "$conf" -f </dev/null >>"$dir/log/$name.out" 2>&1 &
        echo $! >"$dir/run/$name.pid"
    }
    # wait_for CMD...: poll CMD; fail as soon as a started daemon is gone, or after $timeout s
    wait_for() {
        local deadline=$((SECONDS + timeout)) pf name
        until "$@" >>"$log" 2>&1; do
            for pf in "$dir"/run/*.pid; do
                alive "$(<"$pf")" && continue
                name=$(basename "$pf" .pid) steplog=$dir/log/$name.out
                [ -s "$steplog" ] || steplog=$dir/log/$name.log
                die "$name exited"
            done
            [ "$SECONDS" -lt "$deadline" ] || die "timed out after ${timeout}s"
            sleep 0.1
        done
    }
    jobs_done() { local p; for p; do ! kill -0 "$p" 2>/dev/null || return 1; done; }

    say "configuration"
    local fsid osd_uuid ak sk
    fsid=$(uuidgen) osd_uuid=$(uuidgen)
    read -r ak sk < <(/usr/bin/python3 "$here/rgw-cluster.py" files "$dir" "$port" "$mon_port" \
        "$store" "$bytes" "$fsid") || true
    [ -n "$sk" ] || die "could not write ceph.conf and the keys (/usr/bin/python3 $here/rgw-cluster.py)"
    # both stores are made before any daemon runs; the OSD's needs no monitor. The monitor's
    # takes every key of the keyring, with its caps, into the cluster.
    ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" --no-mon-config >>"$log" 2>&1 &
    local osd_mkfs=$!
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >>"$log" 2>&1
    ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >>"$log" 2>&1
    wait "$osd_mkfs"
    # an unknown objectstore name silently becomes bluestore
    [ "$(<"$dir/osd.0/type")" = "$store" ] || die "the OSD is $(<"$dir/osd.0/type"), not $store"

    say "monitor" "$dir/log/mon.a.log"
    run mon.a ceph-mon -i a
    local helper line
    exec {helper}< <(/usr/bin/python3 "$here/rgw-cluster.py" join "$conf" "$osd_uuid" \
        "$(<"$dir/run/mon.a.pid")" "$timeout" 2>>"$log")
    helper_pid=$!
    read -r -t "$timeout" -u "$helper" line || true
    [ "$line" = osd ] || { steplog=$log; die "could not put the OSD into the cluster map"; }

    say "OSD ($store), radosgw on 127.0.0.1:$port, S3 user" "$dir/log/osd.0.log"
    # each would first ask the (busy) monitor for its configuration, and it is all in the file
    # ("no mon config" there does not count: it takes the command line)
    run osd.0 ceph-osd -i 0 --no-mon-config
    run rgw radosgw -n client.rgw --no-mon-config
    # radosgw-admin and radosgw may both make the default zone: the loser of that race takes
    # the winner's ("we raced with another ... creation")
    radosgw-admin -c "$conf" --no-mon-config user create --uid=qtus --display-name=qtus \
        --access-key="$ak" --secret-key="$sk" >>"$log" 2>&1 &
    local user=$!
    wait_for jobs_done "$helper_pid" "$user"
    steplog=$log
    wait "$helper_pid" || die "could not make the pools"
    exec {helper}<&-
    wait "$user" || die "radosgw-admin user create failed"
    steplog=$dir/log/rgw.log
    wait_for curl -sf -o /dev/null "http://127.0.0.1:$port/"

    say "bucket $bucket and a round trip"
    # curl 7.88 signs no payload hash, and RGW then refuses the signature: name one
    local s3=(curl -sS -f --aws-sigv4 "aws:amz:$region:s3" --user "$ak:$sk"
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
    local url=http://127.0.0.1:$port/$bucket probe=rgw-sh-probe-$RANDOM
    "${s3[@]}" -X PUT "$url" >>"$log" 2>&1
    "${s3[@]}" -X PUT --data-binary "$probe" "$url/$probe" >>"$log" 2>&1
    [ "$("${s3[@]}" "$url/$probe" 2>>"$log")" = "$probe" ] || die "GET did not return what PUT stored"
    "${s3[@]}" -X DELETE "$url/$probe" >>"$log" 2>&1

    # plain NAME=value lines: for sh, systemd's EnvironmentFile and python alike
    printf '%s\n' "QTUS_S3_ENDPOINT=http://127.0.0.1:$port" "QTUS_S3_BUCKET=$bucket" \
        "QTUS_S3_REGION=$region" "AWS_ACCESS_KEY_ID=$ak" "AWS_SECRET_ACCESS_KEY=$sk" >"$dir/env.tmp"
    mv "$dir/env.tmp" "$dir/env"
    say "ready"
    echo "$dir/env"
}

gateway_down() {  # DIR: the S3 endpoint goes, as in a crash; what it stored stays in the OSD
    local dir=$1 pid deadline
    [ -f "$dir/run/rgw.pid" ] || die "no radosgw was started in $dir"
    pid=$(<"$dir/run/rgw.pid")
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || die "the radosgw of $dir is not running"
    kill -KILL "$pid"
    deadline=$((SECONDS + 10))
    while alive "$pid"; do
        [ "$SECONDS" -lt "$deadline" ] || die "radosgw (pid $pid) is still there 10 s after SIGKILL"
        sleep 0.02
    done
}

gateway_up() {  # DIR: the radosgw again, on the port of DIR/env
    local dir=$1 port deadline pid
    port=$(sed -n 's|^QTUS_S3_ENDPOINT=http://127.0.0.1:\([0-9]*\)$|\1|p' "$dir/env" 2>/dev/null)
    [[ $port =~ ^[0-9]+$ ]] || die "$dir/env names no endpoint: was it started with rgw.sh start?"
    if [ -f "$dir/run/rgw.pid" ] && alive "$(<"$dir/run/rgw.pid")"; then
        die "the radosgw of $dir is running"
    fi
    radosgw -n client.rgw --no-mon-config -c "$dir/ceph.conf" -f </dev/null >>"$dir/log/rgw.out" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/run/rgw.pid"
    deadline=$((SECONDS + ${RGW_TIMEOUT:-60}))
    until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do
        alive "$pid" || die "radosgw exited (see $dir/log/rgw.log)"
        [ "$SECONDS" -lt "$deadline" ] || die "radosgw did not answer within ${RGW_TIMEOUT:-60} s"
        sleep 0.05
    done
}

[ $# -ge 2 ] || usage
dir=$(realpath -m -- "$2")
case $1 in
    start) [ $# -eq 3 ] || usage; start "$dir" "$3" ;;
    stop) [ $# -eq 2 ] || [ "${3:-}" = --purge ] || usage; stop "$dir" "${3:-}" ;;
    gateway-down) [ $# -eq 2 ] || usage; gateway_down "$dir" ;;
    gateway-up) [ $# -eq 2 ] || usage; gateway_up "$dir" ;;
    *) usage ;;
esac

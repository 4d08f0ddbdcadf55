#!/usr/bin/env bash
# Tests the Debian packages as an operator meets them (docs/service.md):
#   1. make deb: qtus and qtus-admin, Release, as $BUILD_DIR/qtus_*.deb, qtus-admin_*.deb
#   2. lintian on both: any error fails (warnings are printed; docs/service.md lists them)
#   3. dpkg -I: qtus depends on no Qt GUI/Widgets, X11 or OpenGL library
#   4. the unit as packaged: systemd-analyze security --offline=yes at an overall exposure
#      of 2.0 or lower (systemd-analyze verify runs in step 5, once it is installed)
#   5. a clean Debian 12 root (debootstrap, built once and cached in $QTUS_CI_CACHE),
#      used through an overlay so every run starts clean: apt-get install ./qtus_*.deb
#      ./qtus-admin_*.deb (the dependencies from Debian), then, as the qtus user, the unit's
#      ExecStart with the packaged config and an upload with curl (POST, PATCH, HEAD);
#      qtus-admin starts on the offscreen platform; man -l renders both pages.
# Root only (debootstrap, chroot, mounts). Prints the time of each step.
#   scripts/package-test.sh          (make package-test)
set -euo pipefail
root_dir="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root_dir"
build_dir="${BUILD_DIR:-build}"
cache="${QTUS_CI_CACHE:-/var/cache/qtus-ci}"
mirror="${QTUS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (debootstrap, chroot, mount)" >&2; exit 1; }

start=$SECONDS
step_start=$SECONDS
step() {
    echo "package-test: $1 ($((SECONDS - step_start)) s)"
    step_start=$SECONDS
}
fail() {
    echo "package-test: FAIL: $*" >&2
    exit 1
}

QTUS_TEST_DEPS=1 scripts/install-deps.sh
work="$(mktemp -d /tmp/qtus-package-test.XXXXXX)"
chroot_dir="$work/root"
qtusd_pid=""
cleanup() {
    [ -n "$qtusd_pid" ] && kill "$qtusd_pid" 2>/dev/null || true
    for m in "$chroot_dir/var/cache/apt/archives" "$chroot_dir/dev" "$chroot_dir/proc" "$chroot_dir"; do
        mountpoint -q "$m" 2>/dev/null && umount -l "$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT

# --- 1. the packages ----------------------------------------------------------------------
rm -f "$build_dir"/qtus_*.deb "$build_dir"/qtus-admin_*.deb
make --no-print-directory deb BUILD_DIR="$build_dir" >"$work/deb.log" 2>&1 || { tail -n 30 "$work/deb.log"; fail "make deb"; }
server_deb="$(ls "$build_dir"/qtus_*.deb)"
admin_deb="$(ls "$build_dir"/qtus-admin_*.deb)"
step "built $(basename "$server_deb") and $(basename "$admin_deb")"

# --- 2. lintian ---------------------------------------------------------------------------
lintian --fail-on error --display-level '>=warning' "$server_deb" "$admin_deb" | tee "$work/lintian.txt" \
    || fail "lintian reports errors"
step "lintian: no errors, $(grep -c '^W:' "$work/lintian.txt" || true) warnings"

# --- 3. what qtus depends on --------------------------------------------------------------
depends="$(dpkg-deb -f "$server_deb" Depends)"
echo "package-test: qtus Depends: $depends"
if grep -Eq 'libqt6(gui|widgets|opengl)|libx11|libxcb|libgl|libegl' <<<"$depends"; then
    fail "qtus depends on a GUI library"
fi
grep -q 'libqt6network6' <<<"$depends" || fail "qtus's dependencies were not computed (no libqt6network6)"
step "qtus depends on no GUI library"

# --- 4. the unit's rating ------------------------------------------------------------------
# On the unit as the package has it; systemd-analyze verify follows in step 5, where the
# package is installed (verify wants qtusd, systemd's own units and man qtusd in place).
install_root="$work/install"
dpkg-deb -x "$server_deb" "$install_root"
[ -f "$install_root/lib/systemd/system/qtusd.service" ] || fail "no unit at /lib/systemd/system/qtusd.service"
systemd-analyze security --offline=yes --root="$install_root" qtusd.service >"$work/security.txt" 2>&1 || true
exposure="$(sed -n 's/.*Overall exposure level for qtusd.service: \([0-9.]*\).*/\1/p' "$work/security.txt")"
[ -n "$exposure" ] || { cat "$work/security.txt"; fail "no exposure level from systemd-analyze security"; }
grep -F 'Overall exposure' "$work/security.txt"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || { grep '✗' "$work/security.txt"; fail "exposure $exposure is above 2.0"; }
step "systemd-analyze security: exposure $exposure"

# --- 5. a clean Debian 12 root ------------------------------------------------------------
base="$cache/bookworm"
if [ ! -f "$base/.qtus-ready" ]; then
    rm -rf "$base" && mkdir -p "$cache"
    # systemd as on a server (the postinst then makes the user with systemd-sysusers), curl
    # for the upload, man-db for man -l.
    debootstrap --variant=minbase --include=systemd,curl,man-db bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 20 "$work/debootstrap.log"; fail "debootstrap"; }
    # The same suites as a Debian 12 server: the point release plus its updates.
    cat >"$base/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
    chroot "$base" apt-get update -qq >/dev/null
    chroot "$base" apt-get clean
    touch "$base/.qtus-ready"
    step "debootstrap: a clean Debian 12 root in $base"
fi
mkdir -p "$work/upper" "$work/overlay-work" "$chroot_dir" "$cache/archives"
if ! mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/overlay-work" "$chroot_dir" 2>/dev/null; then
    cp -a "$base/." "$chroot_dir/"  # no overlayfs here: a copy, slower
fi
mount -t proc proc "$chroot_dir/proc"
mount --bind /dev "$chroot_dir/dev"
# Downloaded dependencies are kept between runs (only the .debs, never what was installed).
mount --bind "$cache/archives" "$chroot_dir/var/cache/apt/archives"
mkdir -p "$chroot_dir/tmp/debs"
cp "$server_deb" "$admin_deb" "$chroot_dir/tmp/debs/"
root_env=(chroot "$chroot_dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)
in_root() { "${root_env[@]}" "$@"; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "/tmp/debs/$(basename "$server_deb")" "/tmp/debs/$(basename "$admin_deb")" >"$work/apt.log" 2>&1 \
    || { tail -n 30 "$work/apt.log"; fail "apt-get install of the packages"; }
in_root getent passwd qtus >/dev/null || fail "the qtus user was not created"
# Owners by name inside the root: its qtus has some uid that means someone else out here.
[ "$(in_root stat -c %U:%a /var/lib/qtus/uploads)" = qtus:750 ] || fail "/var/lib/qtus/uploads is not qtus's (0750)"
[ -f "$chroot_dir/etc/qtus/qtusd.conf" ] || fail "no /etc/qtus/qtusd.conf"
in_root dpkg-query -W -f='${Conffiles}\n' qtus | grep -q /etc/qtus/qtusd.conf || fail "qtusd.conf is not a conffile"
step "installed into a clean Debian 12 root with apt-get"

# The installed unit: any output of verify (an unknown directive, a missing binary or man
# page, a bad ExecStart) fails.
in_root systemd-analyze verify qtusd.service >"$work/verify.txt" 2>&1 || true
[ -s "$work/verify.txt" ] && { cat "$work/verify.txt"; fail "systemd-analyze verify qtusd.service has something to say"; }
step "systemd-analyze verify passes on the installed unit"

# The unit's ExecStart as it is (qtusd --config /etc/qtus/qtusd.conf), as the qtus user, on a
# free port.
unit="$chroot_dir/lib/systemd/system/qtusd.service"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
working_dir="$(sed -n 's/^WorkingDirectory=//p' "$unit")"
read -r -a command <<<"$exec_start"
command+=(--port 0)
echo "package-test: running ${command[*]} as qtus"
# As systemd would: the unit's user, its working directory (made by StateDirectory=qtus).
# Started without a function or subshell in between, so that $! is qtusd itself (each step execs).
"${root_env[@]}" setpriv --reuid=qtus --regid=qtus --init-groups -- sh -c 'cd "$1" && shift && exec "$@"' _ \
    "$working_dir" "${command[@]}" >"$work/qtusd.out" 2>"$work/qtusd.err" &
qtusd_pid=$!
timeout 20 sh -c 'tail -n +1 -f "$1" | grep -q -m1 "listening on"' _ "$work/qtusd.out" \
    || { cat "$work/qtusd.err"; fail "qtusd did not start as qtus"; }
url="$(sed -n 's/^qtusd listening on //p' "$work/qtusd.out")"
headers="$work/root/tmp/headers"
in_root curl -sS -o /dev/null -D /tmp/headers -X POST -H 'Tus-Resumable: 1.0.0' -H 'Upload-Length: 11' "$url" \
    || fail "POST"
grep -q '^HTTP/1.1 201' "$headers" || { cat "$headers"; fail "POST did not create an upload"; }
location="$(sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$headers")"
in_root curl -sS -o /dev/null -D /tmp/headers -X PATCH -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' \
    -H 'Content-Type: application/offset+octet-stream' --data-binary 'hello world' "$location" || fail "PATCH"
grep -q '^HTTP/1.1 204' "$headers" || { cat "$headers"; fail "PATCH was not accepted"; }
in_root curl -sS -o /dev/null -D /tmp/headers -I -H 'Tus-Resumable: 1.0.0' "$location" || fail "HEAD"
grep -qi '^Upload-Offset: 11' "$headers" || { cat "$headers"; fail "HEAD does not report the 11 bytes"; }
stored="/var/lib/qtus/uploads/${location##*/}"
[ "$(cat "$chroot_dir$stored")" = "hello world" ] && [ "$(in_root stat -c %U "$stored")" = qtus ] \
    || fail "the upload is not in /var/lib/qtus/uploads, qtus's"
kill -TERM "$qtusd_pid"
wait "$qtusd_pid" || fail "qtusd did not stop cleanly on SIGTERM"
qtusd_pid=""
step "qtusd as qtus with the packaged config: POST, PATCH, HEAD with curl"

# qtus-admin: its dependencies are complete enough to start (the offscreen platform).
"${root_env[@]}" QT_QPA_PLATFORM=offscreen HOME=/tmp qtus-admin --port 0 --dir /tmp/admin-uploads >"$work/admin.out" 2>"$work/admin.err" &
qtusd_pid=$!
timeout 20 sh -c 'tail -n +1 -f "$1" | grep -q -m1 "listening on"' _ "$work/admin.out" \
    || { cat "$work/admin.err"; fail "qtus-admin did not start"; }
kill -TERM "$qtusd_pid"
wait "$qtusd_pid" || fail "qtus-admin did not stop cleanly on SIGTERM"
qtusd_pid=""

for page in qtusd qtus-admin; do
    in_root env MANWIDTH=80 man --warnings -l "/usr/share/man/man1/$page.1.gz" >"$work/man.txt" 2>"$work/man.err" \
        || { cat "$work/man.err"; fail "man -l $page.1.gz"; }
    [ -s "$work/man.txt" ] && [ ! -s "$work/man.err" ] || { cat "$work/man.err"; fail "man -l $page.1.gz warns or is empty"; }
    grep -q "^NAME" "$work/man.txt" || fail "$page.1.gz has no NAME section"
done
step "qtus-admin starts; man -l renders qtusd(1) and qtus-admin(1)"

echo "package-test: all passed in $((SECONDS - start)) s"

#!/usr/bin/env bash
# Installs what qtus needs to build and test on Debian 12. Idempotent: when every package is
# already installed it does nothing (no apt-get update, no network).
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev
    libgl-dev                                           # Qt6Gui's CMake package wants OpenGL headers
    libsimdjson-dev                                     # reading .info files at startup (uploadinfoscan.h)
    libsystemd-dev                                      # sd_notify for the unit's Type=notify (server/service)
    file                                                # make deb: CPack finds the ELF files for dpkg-shlibdeps
    libhiredis-dev                                      # the Redis client behind the scale-out lock
)
if [ "${QTUS_TEST_DEPS:-0}" = 1 ]; then
    packages+=(curl python3 python3-tuspy)
    packages+=(chromium)                   # Uppy in a real browser (tests/interop/browser.mjs)
    packages+=(openssl)                    # certificates made at test time (tests/shared/testcertificates.h)
    packages+=(jq)                         # the shell hook of docs/examples/pre-create-token (tests/interop/hooks.mjs)
    packages+=(prometheus)                 # promtool checks GET /metrics (tests/process/tst_adminapi.cpp)
    packages+=(clang libclang-rt-14-dev)   # libFuzzer and the sanitizer runtimes (scripts/fuzz.sh)
    # make package-test (scripts/package-test.sh): lintian on the packages, systemd-analyze on
    # the unit, a clean Debian 12 root to install them into
    packages+=(lintian systemd debootstrap)
    # S3 tests on a throw-away single-node Ceph RGW (scripts/rgw.sh); uuidgen for its fsid
    packages+=(ceph-mon ceph-osd radosgw ceph-common uuid-runtime)
    packages+=(python3-boto3)              # the S3 baseline qtus is compared with (scripts/s3-baseline.py)
    packages+=(redis-server)               # a private Redis for scale-out tests (scripts/redis.sh)
    packages+=(nginx)                      # two qtus nodes behind one proxy in the two-node tests
    command -v node >/dev/null 2>&1 || packages+=(nodejs)
    command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
# another apt run on the machine (a second worktree's install) holds dpkg's lock: wait for it
# instead of failing at once
lock=(-o DPkg::Lock::Timeout=600)
"${sudo_cmd[@]}" apt-get "${lock[@]}" update -qq
"${sudo_cmd[@]}" apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

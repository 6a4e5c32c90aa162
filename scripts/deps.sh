#!/bin/sh
# Installs the Debian packages xenmode builds and tests with. Idempotent:
# when everything is present it does nothing (no apt-get update, no root).
#
#   scripts/deps.sh                  the build and `make test` packages
#   scripts/deps.sh --only PKG...    just those (other suites' extra needs)
set -eu

if [ "${1:-}" = "--only" ]; then
    shift
    PACKAGES="$*"
    ONLY=1
else
    ONLY=""
fi

[ -n "$ONLY" ] || PACKAGES="build-essential pkg-config git
libxen-dev xenstore-utils libjansson-dev libcmocka-dev
libmicrohttpd-dev libyaml-dev libcrypt-dev zlib1g-dev gnutls-bin libsystemd-dev libcap-ng-dev
collectd-core collectd-dev collectd-utils prometheus
valgrind scdoc curl openssl jq clang libclang-rt-14-dev
libprotobuf-c1 python3 python3-yaml prometheus-node-exporter"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
# Node.js may come from elsewhere than Debian; only install it when absent.
[ -n "$ONLY" ] || command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
log=$(mktemp)
if ! $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing </dev/null >"$log" 2>&1; then
    tail -20 "$log" >&2; rm -f "$log"; echo "deps: apt-get install failed" >&2; exit 1
fi
rm -f "$log"

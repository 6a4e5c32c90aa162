#!/bin/sh
# Installs the Debian packages xenmode needs, one list per purpose. Idempotent:
# when everything is present it does nothing (no apt-get update, no root).
#
#   scripts/deps.sh [PURPOSE...]     install the lists named (default: build)
#   scripts/deps.sh --list PURPOSE   print a list, one name a line, no install
#   scripts/deps.sh --only PKG...    just those packages (other suites' extras)
#
# Purposes:
#   build    what `make` and `make install` build from: the Build-Depends of
#            debian/control (read from there, so the two cannot drift), less
#            debhelper, plus the compiler
#   test     what `make test` runs on top of build: cmocka, the real collectd
#            and Prometheus daemons, valgrind, the fuzzer's clang runtime,
#            Node.js for the dashboards' type check, ...
#   package  what `make deb` and the packaging checks use: debhelper,
#            lintian, piuparts, debootstrap, systemd-analyze
#
# A name that differs between Debian 12 and Debian 13 is written A|B: the
# first one the configured archive has is taken (an installed one first).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Build-Depends of debian/control, without version constraints;
# debhelper-compat is only for dpkg-buildpackage (in the package list).
build_depends() {
    awk '/^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") }
         on && /^[A-Za-z-]+:/ && !/^Build-Depends:/ { on = 0 }
         on { print }' "$ROOT/debian/control" |
        tr ',' '\n' | sed -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/[[:space:]]//g' |
        grep -v -e '^$' -e '^debhelper-compat$'
}

list() {
    case "$1" in
    build)   echo build-essential; build_depends ;;
    test)    echo git libcmocka-dev xenstore-utils gnutls-bin curl openssl jq systemd \
                  collectd-core collectd-utils libprotobuf-c1 prometheus \
                  prometheus-node-exporter valgrind python3 python3-yaml python3-prometheus-client \
                  clang 'libclang-rt-19-dev|libclang-rt-14-dev' ;;
    package) echo debhelper dpkg-dev fakeroot lintian piuparts debootstrap systemd ;;
    *) echo "deps: unknown purpose '$1' (build, test or package)" >&2; exit 2 ;;
    esac | tr ' ' '\n' | grep -v '^$'
}

installed() {
    dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}
available() {
    [ -n "$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)')" ]
}

case "${1:-}" in
--list) [ $# = 2 ] || { echo "usage: scripts/deps.sh --list PURPOSE" >&2; exit 2; }
        list "$2"; exit 0 ;;
--only) shift; WANT=$(echo "$*" | tr ' ' '\n'); NODE="" ;;
*)      [ $# -gt 0 ] || set -- build
        WANT=$(for p in "$@"; do list "$p"; done)
        NODE=""; for p in "$@"; do [ "$p" = test ] && NODE=1; done ;;
esac

# First pass without apt: what is missing, alternatives with none installed.
missing="" choose=""
for p in $WANT; do
    case "$p" in
    *'|'*) hit=""
           for a in $(echo "$p" | tr '|' ' '); do installed "$a" && hit=1; done
           [ -n "$hit" ] || choose="$choose $p" ;;
    *)     installed "$p" || missing="$missing $p" ;;
    esac
done
# Node.js may come from elsewhere than Debian (npm comes with it there);
# only install Debian's when absent. The dashboards' type check runs npm ci.
if [ -n "$NODE" ] && ! command -v npm >/dev/null 2>&1; then missing="$missing nodejs npm"; fi
[ -z "$missing$choose" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install:$missing$choose" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
for p in $choose; do
    pick=""
    for a in $(echo "$p" | tr '|' ' '); do available "$a" && { pick=$a; break; }; done
    [ -n "$pick" ] || { echo "deps: none of $p is in the configured archive" >&2; exit 1; }
    missing="$missing $pick"
done
echo "deps: installing:$missing"
log=$(mktemp)
if ! $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing </dev/null >"$log" 2>&1; then
    tail -20 "$log" >&2; rm -f "$log"; echo "deps: apt-get install failed" >&2; exit 1
fi
rm -f "$log"

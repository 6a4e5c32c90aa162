#!/bin/bash
# `make run`: starts xenmode_exporter. Where Xen runs (a privcmd device
# exists) it serves the real domains; elsewhere it runs on the demo fake
# host (tests/fixtures/mixed.json: dom0 and one guest of each mode) and says
# so. Extra flags come from `make run ARGS="..."`.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BIN="$BUILD/xenmode_exporter"
FIXTURE=tests/fixtures/mixed.json

# The address to show: the last --web.listen-address given, else the default.
listen=":9717"
for a in "$@"; do
    case $a in --web.listen-address=*) listen=${a#*=} ;; esac
done
path=/metrics
for a in "$@"; do
    case $a in --web.telemetry-path=*) path=${a#*=} ;; esac
done
hostport=$listen
case $hostport in :*) hostport="localhost$hostport" ;; esac
url="http://$hostport$path"

if [ -e /dev/xen/privcmd ] || [ -e /proc/xen/privcmd ]; then
    echo "xenmode_exporter: Xen is running here; serving this host's domains at $url"
    exec "$BIN" "$@"
fi

cat <<BANNER
====================================================================
  xenmode_exporter on a DEMO FAKE HOST: Xen is not running here.
  The domains are made up ($FIXTURE: dom0 and one
  guest in each mode: pv, pvh, hvm, pvhvm, pv_in_pvh), served by the
  test suite's fake libxl and xenstore server; their xl configurations
  are tests/fixtures/configs/mixed/.

  Metrics:  $url
  Stop:     Ctrl-C
====================================================================
BANNER
# The demo's xl configurations (one per guest) give the configured modes.
exec tests/fake-host/run "$FIXTURE" -- "$BIN" --xen.config-dir=tests/fixtures/configs/mixed "$@"

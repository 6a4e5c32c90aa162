#!/bin/sh
# Installs the host packages the real-Xen suite needs, beside the project's
# own (scripts/deps.sh). Idempotent: when everything is present it does
# nothing (no apt-get update, no root needed).
#
#   xen-hypervisor-4.17-amd64  the hypervisor QEMU boots (/boot/xen-4.17-amd64.gz)
#   qemu-system-x86            QEMU, software emulation (TCG)
#   debootstrap                builds dom0's root file system
#   busybox-static             the guests' userland
#   cpio zstd kmod             packing the initramfs images, module dependencies
#   prometheus                 promtool, run on the scraped text
#   jq curl perl               the host side of the report
set -eu

PACKAGES="xen-hypervisor-4.17-amd64 qemu-system-x86 debootstrap busybox-static
cpio zstd kmod prometheus jq curl perl"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "xen-qemu deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "xen-qemu deps: need root or sudo to install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
log=$(mktemp)
# shellcheck disable=SC2086 # $missing is a list of words
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing </dev/null >"$log" 2>&1; then
    tail -20 "$log" >&2; rm -f "$log"; echo "xen-qemu deps: apt-get install failed" >&2; exit 1
fi
rm -f "$log"

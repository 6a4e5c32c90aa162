#!/bin/sh
# Installs the host packages the real-Xen suite needs, beside the project's
# own, through scripts/deps.sh (idempotent: nothing to do, nothing done).
#
#   xen-hypervisor-4.17-amd64  the hypervisor QEMU boots (/boot/xen-4.17-amd64.gz)
#   qemu-system-x86            QEMU, software emulation (TCG)
#   debootstrap                builds dom0's root file system
#   busybox-static             the guests' userland
#   cpio zstd kmod             packing the initramfs images, module dependencies
#   prometheus                 promtool, run on the scraped text
#   jq curl perl               the host side of the report
set -eu
exec "$(dirname "$0")/../../scripts/deps.sh" --only xen-hypervisor-4.17-amd64 qemu-system-x86 \
    debootstrap busybox-static cpio zstd kmod prometheus jq curl perl

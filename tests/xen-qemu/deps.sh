#!/bin/sh
# Installs the host packages the real-Xen suite needs, beside the project's
# own, through scripts/deps.sh (idempotent: nothing to do, nothing done).
# The hypervisors, kernels and dom0 packages come from each release's
# archive (images.sh), not from the host.
#
#   qemu-system-x86            QEMU, software emulation (TCG)
#   debootstrap                builds dom0's root file system (and the trixie chroot)
#   busybox-static             the guests' userland
#   cpio zstd xz-utils kmod    packing the initramfs images, (de)compressing and
#                              resolving kernel modules
#   prometheus                 promtool, run on the scraped text
#   jq curl perl               the host side of the report
set -eu
exec "$(dirname "$0")/../../scripts/deps.sh" --only qemu-system-x86 \
    debootstrap busybox-static cpio zstd xz-utils kmod prometheus jq curl perl

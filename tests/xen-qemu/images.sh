#!/bin/bash
# Builds, or finds in the cache, the images the real-Xen suite boots:
#
#   xen              the host's Debian hypervisor, uncompressed (QEMU's
#                    multiboot loader cannot read the .gz)
#   vmlinuz          Debian's linux-image-amd64 kernel, for dom0 and guests
#   dom0.cpio.zst    dom0's root: debootstrapped bookworm with the toolstack
#                    (xen-utils-4.17 at exactly the hypervisor's version),
#                    the runtime libraries of the project's binaries, curl,
#                    collectd, and the kernel modules dom0 needs. It has no
#                    /init and nothing of the project: run.sh appends those.
#   guest-base.cpio  the guests' root: busybox-static and the PV front-end
#                    modules (uncompressed; run.sh adds the guest /init)
#   manifest         what went in: the key's inputs, then dom0's packages
#
# The cache directory is ${XM_XEN_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu}.
# Images live in a subdirectory named after a key: a hash of this script and
# of the versions of every package they are made from (the installed
# hypervisor and busybox, the archive's candidates for the kernel and dom0's
# packages). A second run with the same versions rebuilds nothing; a new
# package version or a change here builds a new set and removes the others.
#
# Usage: images.sh   prints the image directory on stdout, progress on stderr.
# Needs root (debootstrap, chroot) and the Debian archive through apt.
set -euo pipefail

CACHE=${XM_XEN_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu}
HYPERVISOR_PKG=xen-hypervisor-4.17-amd64
HYPERVISOR_GZ=/boot/xen-4.17-amd64.gz
# dom0's packages. The toolstack (xen-utils-4.17 with xenstored, xl and
# libxenlight; qemu-system-xen is the HVM device model), what dom0's /init
# and the scenario run, and the runtime libraries of the project's binaries
# (ldd build/xenmode build/xenmode_exporter: libjansson, libmicrohttpd,
# libyaml, zlib, libcrypt; the Xen libraries come with xen-utils).
DOM0_PACKAGES="xen-utils-4.17 xenstore-utils qemu-system-xen kmod iproute2 procps busybox
util-linux libc-bin libjansson4 libmicrohttpd12 libyaml-0-2 zlib1g libcrypt1 curl
collectd-core"
# Kernel modules (with their dependencies): dom0 needs the Xen device
# interfaces and backends, loop for file-backed disks, bridge for the vifs,
# tun for an HVM guest's emulated NIC, and 9p over virtio for the results
# share. The guests need the PV front ends.
DOM0_MODULES="xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback
loop bridge tun 9p 9pnet_virtio virtio_pci"
GUEST_MODULES="xen-blkfront xen-netfront"
GUEST_APPLETS="sh mount cat echo sleep grep sed ls tr insmod readlink head awk dmesg"

log() { echo "xen-qemu images: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot)"

# The archive URI serving SUITE, from the host's apt configuration (deb822
# stanzas or one-line entries), so the build reaches the same archive or
# proxy as apt on this machine.
mirror_for() {
    local suite=$1 uri
    uri=$(awk -v s="$suite" 'BEGIN { RS = "" }
        { u = ""; ok = 0; n = split($0, L, "\n")
          for (i = 1; i <= n; i++) {
              if (L[i] ~ /^URIs:/) { split(L[i], a, /[ \t]+/); u = a[2] }
              if (L[i] ~ /^Suites:/) { m = split(L[i], a, /[ \t]+/); for (j = 2; j <= m; j++) if (a[j] == s) ok = 1 }
          }
          if (ok && u != "") { print u; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i + 1) == s) { print $i; exit } break } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    echo "$uri"
}

installed_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }

# Candidate versions from the host's package lists, one "name version" a line.
candidates() {
    apt-cache policy "$@" 2>/dev/null | awk '/^[^ ].*:$/ { p = substr($1, 1, length($1) - 1) }
                                             /^  Candidate:/ { print p, $2 }'
}

kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# --- the key ---------------------------------------------------------------
HV=$(installed_version "$HYPERVISOR_PKG")
[ -n "$HV" ] && [ -r "$HYPERVISOR_GZ" ] || die "$HYPERVISOR_PKG is not installed (run tests/xen-qemu/deps.sh)"
KPKG=$(kernel_package)
if [ -z "$KPKG" ]; then
    log "no package lists for linux-image-amd64: apt-get update"
    apt-get update -qq
    KPKG=$(kernel_package)
    [ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 to a kernel package"
fi
# shellcheck disable=SC2086
key_inputs=$(
    echo "recipe $(sha256sum "$0" | cut -d' ' -f1)"
    echo "$HYPERVISOR_PKG $HV"
    echo "busybox-static $(installed_version busybox-static)"
    candidates "$KPKG" $DOM0_PACKAGES
)
KEY=$(sha256sum <<<"$key_inputs" | cut -c1-16)
OUT=$CACHE/$KEY

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9     # one build at a time; a second caller then finds the images
if [ -f "$OUT/manifest" ]; then
    log "cached: $OUT"
    echo "$OUT"
    exit 0
fi

# --- the build -------------------------------------------------------------
log "building images (key $KEY) into $OUT"
MIRROR=$(mirror_for bookworm)
SECMIRROR=$(mirror_for bookworm-security)
[ -n "$MIRROR" ] && [ -n "$SECMIRROR" ] ||
    die "cannot find the bookworm and bookworm-security archives in the apt configuration"

B=$CACHE/.build-$$
rm -rf "$B"
cleanup() { rm -rf "$B"; }
trap cleanup EXIT
mkdir -p "$B/img" "$B/kernel"
t0=$(date +%s)
step() { log "$1 (+$(( $(date +%s) - t0 ))s)"; }

zcat "$HYPERVISOR_GZ" >"$B/img/xen"

KV=${KPKG#linux-image-}
(cd "$B/kernel" && apt-get download -q -o APT::Sandbox::User=root "$KPKG" >/dev/null) || die "apt-get download $KPKG failed"
dpkg-deb -x "$B/kernel/${KPKG}"_*.deb "$B/kernel/x"
cp "$B/kernel/x/boot/vmlinuz-$KV" "$B/img/vmlinuz"
KMOD=$B/kernel/x/lib/modules/$KV
step "kernel $KPKG"

# dom0: minbase, then the toolstack and the rest from bookworm and its
# updates and security suites at once, so each package is fetched once, at
# its newest version. No service may start inside the chroot.
R=$B/root
debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$B/debootstrap.log" 2>&1 ||
    { tail -20 "$B/debootstrap.log" >&2; die "debootstrap failed"; }
step "debootstrap"
printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
    "$MIRROR" "$MIRROR" "$SECMIRROR" >"$R/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
in_root() { DEBIAN_FRONTEND=noninteractive chroot "$R" "$@" </dev/null >>"$B/apt.log" 2>&1; }
# shellcheck disable=SC2086
{ in_root apt-get update -q &&
  in_root apt-get -y -q upgrade &&
  in_root apt-get -y -q install --no-install-recommends $DOM0_PACKAGES; } ||
    { tail -30 "$B/apt.log" >&2; die "installing dom0's packages failed"; }
rm -f "$R/usr/sbin/policy-rc.d"
TV=$(chroot "$R" dpkg-query -W -f='${Version}' xen-utils-4.17)
[ "$TV" = "$HV" ] ||
    die "version skew: hypervisor $HV, dom0's xen-utils-4.17 $TV (upgrade the host's $HYPERVISOR_PKG)"
step "dom0 packages (xen-utils-4.17 $TV)"

# Module closure: prints the modules' paths relative to the module tree,
# dependencies first (the order insmod needs in the guests).
declare -A seen=()
mod_closure() {
    local m f d
    for m in "$@"; do
        [ -n "${seen[$m]:-}" ] && continue
        seen[$m]=1
        f=$(find "$KMOD/kernel" \( -name "$m.ko" -o -name "${m//_/-}.ko" -o -name "${m//-/_}.ko" \) | head -1)
        [ -n "$f" ] || die "kernel $KV has no module $m"
        for d in $(modinfo -F depends "$f" | tr , ' '); do mod_closure "$d"; done
        echo "${f#"$KMOD"/}"
    done
}
copy_modules() { # DEST_ROOT LIST_FILE
    local rel
    while read -r rel; do
        mkdir -p "$1/$(dirname "$rel")"
        cp "$KMOD/$rel" "$1/$rel"
    done <"$2"
}

seen=()
# shellcheck disable=SC2086
mod_closure $DOM0_MODULES >"$B/dom0-modules"
mkdir -p "$R/lib/modules/$KV"
cp "$KMOD"/modules.order "$KMOD"/modules.builtin "$KMOD"/modules.builtin.modinfo "$R/lib/modules/$KV/"
copy_modules "$R/lib/modules/$KV" "$B/dom0-modules"
chroot "$R" depmod -a "$KV"
step "dom0 modules: $(xargs -n1 basename <"$B/dom0-modules" | tr '\n' ' ')"

# Guests: busybox, the front ends in load order (lib/modules/load-order).
G=$B/guest
mkdir -p "$G/bin" "$G/dev" "$G/proc" "$G/sys" "$G/lib/modules"
cp /bin/busybox "$G/bin/busybox"
for a in $GUEST_APPLETS; do ln -s busybox "$G/bin/$a"; done
seen=()
# shellcheck disable=SC2086
mod_closure $GUEST_MODULES >"$B/guest-modules"
while read -r rel; do
    cp "$KMOD/$rel" "$G/lib/modules/"
    basename "$rel" >>"$G/lib/modules/load-order"
done <"$B/guest-modules"
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$B/img/guest-base.cpio"
step "guest root: busybox, $(tr '\n' ' ' <"$G/lib/modules/load-order")"

# dom0's initramfs: the guests' kernel goes in as /img/vmlinuz. What only
# documents or caches is left out.
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* \
       "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/locale/* "$R"/usr/share/info/*
mkdir -p "$R/img"
cp "$B/img/vmlinuz" "$R/img/vmlinuz"
(cd "$R" && find . -xdev | LC_ALL=C sort | cpio -o -H newc --quiet) |
    zstd -T0 -3 -q -o "$B/img/dom0.cpio.zst"
step "dom0 initramfs"

{
    echo "# key $KEY"
    echo "$key_inputs"
    echo "# dom0 xen-utils-4.17 $TV"
    echo "# dom0 packages"
    chroot "$R" dpkg-query -W -f='${Package} ${Version}\n'
} >"$B/img/manifest"

# Publish: the new set appears whole (rename), older keys go.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name "$KEY" -exec rm -rf {} +
rm -rf "$OUT"
mv "$B/img" "$OUT"
step "done: $(du -sh "$OUT" | cut -f1) in $OUT"
echo "$OUT"

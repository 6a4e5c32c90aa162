#!/bin/bash
# Builds, or finds in the cache, the images the real-Xen suite boots for one
# Debian release (bookworm: Xen 4.17, trixie: Xen 4.20):
#
#   xen              the release's Debian hypervisor, uncompressed (QEMU's
#                    multiboot loader cannot read the .gz)
#   vmlinuz          the release's linux-image-amd64 kernel, for dom0 and guests
#   dom0.cpio.zst    dom0's root: the release debootstrapped with the
#                    toolstack (xen-utils-X.Y at exactly the hypervisor's
#                    version), what dom0's /init and the scenario run, every
#                    package the project's .deb files depend on (so that
#                    `dpkg -i` of them succeeds in dom0), and the kernel
#                    modules dom0 needs. It has no /init and nothing of the
#                    project: run.sh appends those, with the .deb files.
#   guest-base.cpio  the guests' root: busybox-static and the PV front-end
#                    modules (uncompressed; run.sh adds the guest /init)
#   manifest         what went in: the key's inputs, then dom0's packages
#
# Package versions come from the release's own archive, read with a private
# apt state (sources, lists, cache) under the cache directory, so the host's
# apt configuration is neither used for the release nor changed; the host
# only provides debootstrap, busybox-static, cpio, zstd, kmod and xz-utils.
#
# The cache directory is ${XM_XEN_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu}/RELEASE.
# Images live in a subdirectory named after a key: a hash of this script, of
# the host's busybox-static version and of the archive's candidate versions
# of every package they are made from (hypervisor, kernel, dom0's packages,
# including the .deb files' dependencies). A second run with the same
# versions rebuilds nothing; a new package version or a change here builds
# a new set and removes the release's others.
#
# Usage: images.sh RELEASE DEB_DIR   prints the image directory on stdout,
# progress on stderr. Needs root (debootstrap, chroot) and the archive.
set -euo pipefail

RELEASE=${1:?usage: images.sh RELEASE DEB_DIR}
DEB_DIR=${2:?usage: images.sh RELEASE DEB_DIR}
case $RELEASE in
    bookworm) XV=4.17 ;;
    trixie)   XV=4.20 ;;
    *) echo "xen-qemu images: unknown release $RELEASE (bookworm or trixie)" >&2; exit 2 ;;
esac
CACHE=${XM_XEN_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu}/$RELEASE
HYPERVISOR_PKG=xen-hypervisor-$XV-amd64
# dom0's packages. The toolstack (xen-utils-X.Y with xenstored, xl and
# libxenlight; qemu-system-xen is the HVM device model), what dom0's /init
# and the scenario run, and init-system-helpers, whose deb-systemd-helper
# the exporter package's postinst uses to enable its unit; grub-xen-bin for
# its 32-bit PV GRUB image, the suite's 32-bit PV guest. The .deb files'
# own dependencies are added below.
DOM0_PACKAGES="xen-utils-$XV xenstore-utils qemu-system-xen kmod iproute2 procps busybox
util-linux libc-bin curl collectd-core init-system-helpers grub-xen-bin"
# Kernel modules (with their dependencies): dom0 needs the Xen device
# interfaces and backends, loop for file-backed disks, bridge for the vifs,
# tun for an HVM guest's emulated NIC, and 9p over virtio for the results
# share. The guests need the PV front ends. Modules the kernel has built in
# are skipped.
DOM0_MODULES="xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-blkback xen-netback
loop bridge tun 9p 9pnet_virtio virtio_pci"
GUEST_MODULES="xen-blkfront xen-netfront"
GUEST_APPLETS="sh mount cat echo sleep grep sed ls tr insmod readlink head awk dmesg"

log() { echo "xen-qemu images ($RELEASE): $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot)"
ls "$DEB_DIR"/*.deb >/dev/null 2>&1 || die "no .deb files in $DEB_DIR (make deb)"

# The archive URI serving SUITE (a regular expression on suite names), from
# the host's apt configuration (deb822 stanzas or one-line entries), so the
# build reaches the same archive or proxy as apt on this machine. Every
# release lives at the same URIs as the host's.
mirror_for() {
    local suite=$1 uri
    uri=$(awk -v s="$suite" 'BEGIN { RS = "" }
        { u = ""; ok = 0; n = split($0, L, "\n")
          for (i = 1; i <= n; i++) {
              if (L[i] ~ /^URIs:/) { split(L[i], a, /[ \t]+/); u = a[2] }
              if (L[i] ~ /^Suites:/) { m = split(L[i], a, /[ \t]+/); for (j = 2; j <= m; j++) if (a[j] ~ s) ok = 1 }
          }
          if (ok && u != "") { print u; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i + 1) ~ s) { print $i; exit } break } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    echo "$uri"
}
MIRROR=$(mirror_for '^[a-z]+(-updates)?$')
SECMIRROR=$(mirror_for '-security$')
[ -n "$MIRROR" ] && [ -n "$SECMIRROR" ] ||
    die "cannot find the Debian and Debian security archives in the apt configuration"
SOURCES=$(printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$MIRROR" "$RELEASE" "$MIRROR" "$RELEASE" "$SECMIRROR" "$RELEASE")

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9     # one build at a time; a second caller then finds the images

# --- the release's archive, through a private apt state ----------------------
A=$CACHE/.apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial"
echo "$SOURCES" >"$A/sources.list"
: >"$A/status"
APT=(-o "Dir::Etc::SourceList=$A/sources.list" -o "Dir::Etc::SourceParts=$A/none"
     -o "Dir::State::Lists=$A/lists" -o "Dir::State::Status=$A/status"
     -o "Dir::Cache=$A/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
apt-get "${APT[@]}" -q update >"$A/update.log" 2>&1 ||
    { tail -20 "$A/update.log" >&2; die "apt-get update of $RELEASE's package lists failed"; }

# Candidate versions, one "name version" a line.
candidates() {
    apt-cache "${APT[@]}" policy "$@" 2>/dev/null |
        awk '/^[^ ].*:$/ { p = substr($1, 1, length($1) - 1) } /^  Candidate:/ { print p, $2 }'
}
KPKG=$(apt-cache "${APT[@]}" depends linux-image-amd64 2>/dev/null |
       awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64 to a kernel package"
# The packages the .deb files depend on (first of each alternative), less
# the project's own.
OWN=$(for d in "$DEB_DIR"/*.deb; do dpkg-deb -f "$d" Package; done | sort -u)
DEB_DEPENDS=$(for d in "$DEB_DIR"/*.deb; do dpkg-deb -f "$d" Depends; echo; done |
    tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' | sort -u |
    grep -vxF -f <(echo "$OWN") || true)
# shellcheck disable=SC2086
key_inputs=$(
    echo "recipe $(sha256sum "$0" | cut -d' ' -f1)"
    echo "release $RELEASE"
    echo "host busybox-static $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null)"
    candidates "$HYPERVISOR_PKG" "$KPKG" $DOM0_PACKAGES $DEB_DEPENDS
)
[ "$(candidates "$HYPERVISOR_PKG" | awk '{ print $2 }')" != "(none)" ] ||
    die "$RELEASE's archive has no $HYPERVISOR_PKG"
KEY=$(sha256sum <<<"$key_inputs" | cut -c1-16)
OUT=$CACHE/$KEY

if [ -f "$OUT/manifest" ]; then
    log "cached: $OUT"
    echo "$OUT"
    exit 0
fi

# --- the build -------------------------------------------------------------
log "building images (key $KEY) into $OUT"
B=$CACHE/.build-$$
rm -rf "$B"
cleanup() { rm -rf "$B"; }
trap cleanup EXIT
mkdir -p "$B/img" "$B/dl"
t0=$(date +%s)
step() { log "$1 (+$(( $(date +%s) - t0 ))s)"; }

# Hypervisor and kernel, unpacked outside any root: installing them would
# pull boot loader hooks that have no use here.
(cd "$B/dl" && apt-get "${APT[@]}" download -q "$HYPERVISOR_PKG" "$KPKG" >/dev/null) ||
    die "apt-get download $HYPERVISOR_PKG $KPKG failed"
HV=$(dpkg-deb -f "$B"/dl/"$HYPERVISOR_PKG"_*.deb Version)
dpkg-deb -x "$B"/dl/"$HYPERVISOR_PKG"_*.deb "$B/hv"
zcat "$B/hv/boot/xen-$XV-amd64.gz" >"$B/img/xen"
KV=${KPKG#linux-image-}
dpkg-deb -x "$B/dl/${KPKG}"_*.deb "$B/kernel"
cp "$B/kernel/boot/vmlinuz-$KV" "$B/img/vmlinuz"
# bookworm's kernel package has lib/modules, trixie's (merged /usr) usr/lib/modules.
KMOD=$B/kernel/lib/modules/$KV
[ -d "$KMOD" ] || KMOD=$B/kernel/usr/lib/modules/$KV
[ -d "$KMOD" ] || die "$KPKG has no module tree for $KV"
step "hypervisor $HV, kernel $KPKG"

# dom0: minbase, then the toolstack and the rest from the release and its
# updates and security suites at once, so each package is fetched once, at
# its newest version. No service may start inside the chroot.
R=$B/root
debootstrap --variant=minbase "$RELEASE" "$R" "$MIRROR" >"$B/debootstrap.log" 2>&1 ||
    { tail -20 "$B/debootstrap.log" >&2; die "debootstrap failed"; }
step "debootstrap"
echo "$SOURCES" >"$R/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
chmod 755 "$R/usr/sbin/policy-rc.d"
in_root() { DEBIAN_FRONTEND=noninteractive chroot "$R" "$@" </dev/null >>"$B/apt.log" 2>&1; }
# shellcheck disable=SC2086
{ in_root apt-get update -q &&
  in_root apt-get -y -q upgrade &&
  in_root apt-get -y -q install --no-install-recommends $DOM0_PACKAGES $DEB_DEPENDS; } ||
    { tail -30 "$B/apt.log" >&2; die "installing dom0's packages failed"; }
rm -f "$R/usr/sbin/policy-rc.d"
TV=$(chroot "$R" dpkg-query -W -f='${Version}' "xen-utils-$XV")
[ "$TV" = "$HV" ] || die "version skew: hypervisor $HV, dom0's xen-utils-$XV $TV"
step "dom0 packages (xen-utils-$XV $TV)"

# Module closure: prints the modules' paths relative to the module tree,
# dependencies first (the order insmod needs in the guests). Modules may be
# compressed (trixie: .ko.xz); built-in ones are left out.
declare -A seen=()
mod_closure() {
    local m f d
    for m in "$@"; do
        [ -n "${seen[$m]:-}" ] && continue
        seen[$m]=1
        grep -qE "/(${m}|${m//_/-}|${m//-/_})\.ko$" "$KMOD/modules.builtin" && continue
        f=$(find "$KMOD/kernel" \( -name "$m.ko*" -o -name "${m//_/-}.ko*" -o -name "${m//-/_}.ko*" \) | head -1)
        [ -n "$f" ] || die "kernel $KV has no module $m"
        for d in $(modinfo -F depends "$f" | tr , ' '); do mod_closure "$d"; done
        echo "${f#"$KMOD"/}"
    done
}
# Copies a module uncompressed (busybox insmod in the guests reads no xz).
copy_module() { # REL DEST_FILE.ko
    mkdir -p "$(dirname "$2")"
    case $1 in
        *.ko.xz)  xz -dc "$KMOD/$1" >"$2" ;;
        *.ko.zst) zstd -dcq "$KMOD/$1" >"$2" ;;
        *)        cp "$KMOD/$1" "$2" ;;
    esac
}
uncompressed() { sed 's/\.ko\..*$/.ko/' <<<"$1"; }

seen=()
# shellcheck disable=SC2086
mod_closure $DOM0_MODULES >"$B/dom0-modules"
rm -rf "$R/lib/modules/$KV"
mkdir -p "$R/lib/modules/$KV"
cp "$KMOD"/modules.order "$KMOD"/modules.builtin "$KMOD"/modules.builtin.modinfo "$R/lib/modules/$KV/"
while read -r rel; do copy_module "$rel" "$R/lib/modules/$KV/$(uncompressed "$rel")"; done <"$B/dom0-modules"
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
: >"$G/lib/modules/load-order"
while read -r rel; do
    b=$(basename "$(uncompressed "$rel")")
    copy_module "$rel" "$G/lib/modules/$b"
    echo "$b" >>"$G/lib/modules/load-order"
done <"$B/guest-modules"
# xenstore-write from dom0's xenstore-utils, for a guest that writes agent
# keys into its own xenstore tree as guest agents do (through
# /dev/xen/xenbus): /xs/bin with exactly the libraries ldd names and the
# loader in /xs/lib, run through that loader (busybox has no glibc).
mkdir -p "$G/xs/bin" "$G/xs/lib"
cp -L "$R/usr/bin/xenstore-write" "$G/xs/bin/xenstore-write"
chroot "$R" ldd /usr/bin/xenstore-write >"$B/xenstore-write.ldd" 2>&1 ||
    { cat "$B/xenstore-write.ldd" >&2; die "ldd xenstore-write failed in dom0's root"; }
awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$B/xenstore-write.ldd" |
    while read -r lib; do cp -L "$R/$lib" "$G/xs/lib/"; done
[ -e "$G/xs/lib/ld-linux-x86-64.so.2" ] || die "ldd xenstore-write named no ld-linux-x86-64.so.2"
(cd "$G" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$B/img/guest-base.cpio"
step "guest root: busybox, xenstore-write, $(tr '\n' ' ' <"$G/lib/modules/load-order")"

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
    echo "# hypervisor $HYPERVISOR_PKG $HV, dom0 xen-utils-$XV $TV"
    echo "# dom0 packages"
    chroot "$R" dpkg-query -W -f='${Package} ${Version}\n'
} >"$B/img/manifest"
echo "$XV" >"$B/img/xen-version"

# Publish: the new set appears whole (rename), the release's older keys go.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name "$KEY" -exec rm -rf {} +
rm -rf "$OUT"
mv "$B/img" "$OUT"
step "done: $(du -sh "$OUT" | cut -f1) in $OUT"
echo "$OUT"

#!/bin/bash
# The real-Xen suite for one Debian release (`make test-xen` runs it for
# each): boots the release's Xen under QEMU software emulation with a dom0
# running the real toolstack, installs the project's .deb files in dom0,
# creates a guest of every mode, and checks what xenmode, the exporter and
# the collectd plugin report for each against the toolstack's own record.
# See docs/testing.md.
#
#   1. images.sh builds the release's images, or finds them in the cache;
#   2. the .deb files, dom0's /init, the scenario, the guest configs and the
#      guests' initramfs are packed into a cpio appended to dom0's
#      initramfs (nothing of the project is in the cached images);
#   3. QEMU boots Xen; dom0 installs the packages, runs scenario.sh and
#      writes its evidence into a 9p share, RUN/results; the console is
#      timestamped into RUN/serial.log;
#   4. check.sh compares the evidence and prints TAP, one line per check.
#
# Ends with "RELEASE: N passed, N failed"; exit status 0 when nothing failed.
#
# Environment:
#   XM_XEN_RELEASE        bookworm (Xen 4.17, the default) or trixie (Xen 4.20)
#   XM_DEB_DIR            the .deb files to test, built for that release
#                         (default build/deb, build/deb-trixie)
#   XM_XEN_QEMU_DOM0      pv (default) or pvh: dom0's own mode (pvh: trixie only)
#   XM_XEN_QEMU_CACHE     image cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu)
#   XM_XEN_QEMU_RUN       run directory (default build/xen-qemu/RELEASE, or RELEASE-pvh-dom0)
#   XM_XEN_QEMU_SLOWDOWN  factor for every deadline, in dom0 and here, on a
#                         loaded machine (default 1; e.g. 1.5)
#   XM_XEN_QEMU_TIMEOUT   seconds QEMU may run (default 1500 for bookworm,
#                         2400 for trixie, times the slowdown factor)
#   XM_XEN_QEMU_GUESTS    for development only: the guest configs to run, by
#                         file name without .cfg (e.g. "30-pv 40-pvh"); the
#                         checks that need a guest left out are skipped
#                         (TAP "# SKIP"), never counted as passed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
RELEASE=${XM_XEN_RELEASE:-bookworm}
DOM0=${XM_XEN_QEMU_DOM0:-pv}
SLOWDOWN=${XM_XEN_QEMU_SLOWDOWN:-1}
case $RELEASE in
    bookworm) XV=4.17 DEFAULT_DEB_DIR=$root/build/deb TIMEOUT_BASE=1500 ;;
    trixie)   XV=4.20 DEFAULT_DEB_DIR=$root/build/deb-trixie TIMEOUT_BASE=2400 ;;
    *) echo "xen-qemu: XM_XEN_RELEASE must be bookworm or trixie, not \"$RELEASE\"" >&2; exit 2 ;;
esac
case $DOM0 in
    pv) RUN_NAME=$RELEASE ;;
    pvh) [ "$RELEASE" = trixie ] || { echo "xen-qemu: a PVH dom0 is tested on trixie only" >&2; exit 2; }
         RUN_NAME=$RELEASE-pvh-dom0 ;;
    *) echo "xen-qemu: XM_XEN_QEMU_DOM0 must be pv or pvh, not \"$DOM0\"" >&2; exit 2 ;;
esac
awk -v f="$SLOWDOWN" 'BEGIN { exit !(f + 0 >= 1) }' ||
    { echo "xen-qemu: XM_XEN_QEMU_SLOWDOWN must be a number >= 1, not \"$SLOWDOWN\"" >&2; exit 2; }
DEB_DIR=$(cd "${XM_DEB_DIR:-$DEFAULT_DEB_DIR}" 2>/dev/null && pwd) ||
    { echo "xen-qemu: no ${XM_DEB_DIR:-$DEFAULT_DEB_DIR}: build the $RELEASE packages first" >&2; exit 1; }
export RUN_NAME
RUN=${XM_XEN_QEMU_RUN:-$root/build/xen-qemu/$RUN_NAME}
TIMEOUT=${XM_XEN_QEMU_TIMEOUT:-$(awk -v s="$TIMEOUT_BASE" -v f="$SLOWDOWN" 'BEGIN { printf "%d", s * f }')}
# +npt is required: Debian's Xen has no shadow paging, so PVH and HVM guests
# need HAP, which TCG's SVM provides only with NPT. -cpu max does not work.
CPU=qemu64,+svm,+npt
# A PVH dom0 needs an IOMMU (Xen refuses one without), with interrupt
# remapping: QEMU's intel-iommu exists on q35 only.
# Results come back through a virtio-9p share (dom0 mounts it), except
# with a PVH dom0: its kernel hung probing the virtio-9p PCI device behind
# the IOMMU, right after enabling its interrupt link, with and without
# iommu_platform=on (two runs, 3 December 2026). There dom0 prints them on
# the console (XM_RESULTS=console, dom0-init.sh), checked by their SHA-256:
# Xen drops console characters only when its buffer fills, and QEMU's UART
# takes each one at once.
# A PVH dom0 runs under Debian 13's QEMU (10.0), from the trixie chroot
# (scripts/chroot.sh), with one vCPU. Under Debian 12's QEMU 7.2 dom0
# triple-faulted as soon as an HVM guest's device model ran (6 runs of 6 on
# 3 December 2026, the reference probe's own scripts included), once with
# a Xen address as its saved RIP: the emulated SVM world switch, not dom0.
# QEMU 10.0 brought every guest up; with two dom0 vCPUs it still
# triple-faulted once, after the guests were up (d0v1, the same Xen
# address); with dom0_max_vcpus=1 the whole run passed.
# QEMU_RUN is the command QEMU runs under (none: the host's QEMU).
QEMU_RUN=()
if [ "$DOM0" = pvh ]; then
    MACHINE=q35 QEMU_IOMMU=(-device intel-iommu,intremap=on) XEN_DOM0="dom0=pvh iommu=verbose dom0_max_vcpus=1"
    RESULTS_BY=console SHARE=()
    case $RUN in "$root"/*) ;; *) echo "xen-qemu: a PVH dom0 run must be inside the source tree (XM_XEN_QEMU_RUN=$RUN)" >&2; exit 2 ;; esac
    QEMU_RUN=("$root/scripts/chroot.sh" trixie run)
else
    MACHINE=pc QEMU_IOMMU=() XEN_DOM0=""
    RESULTS_BY=share
    SHARE=(-virtfs "local,path=$RUN/results,mount_tag=xmresults,security_model=none,id=xmresults")
fi

log() { echo "xen-qemu ($RUN_NAME): $*"; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }'; }
t_start=$(date +%s.%N)

DEBS=()
for d in "$DEB_DIR"/*.deb; do
    case $d in *-dbgsym_*) continue ;; esac
    DEBS+=("$d")
done
[ "${#DEBS[@]}" -gt 0 ] || { log "no .deb files in $DEB_DIR"; exit 1; }
XENMODE_DEB=$(ls "$DEB_DIR"/xenmode_*.deb 2>/dev/null | head -1)
[ -n "$XENMODE_DEB" ] || { log "no xenmode_*.deb in $DEB_DIR"; exit 1; }

t=$(date +%s.%N)
IMG=$("$here/images.sh" "$RELEASE" "$DEB_DIR")
t_images=$(secs "$t")
log "images: $IMG (${t_images}s)"

rm -rf "$RUN"
mkdir -p "$RUN/payload/xm/bin" "$RUN/payload/xm/debs" "$RUN/payload/xm/guests" "$RUN/results" \
         "$RUN/guest-init" "$RUN/deb-xenmode"
P=$RUN/payload
install -m 755 "$here/dom0-init.sh" "$P/init"
install -m 755 "$here/scenario.sh" "$P/xm/scenario.sh"
cp "${DEBS[@]}" "$P/xm/debs/"
# Guests a dom0 of this kind does not run ("# xm-skip-dom0: pvh").
for cfg in "$here"/guests/*.cfg; do
    grep -q "^# xm-skip-dom0:.* $DOM0\b" "$cfg" && continue
    if [ -n "${XM_XEN_QEMU_GUESTS:-}" ]; then
        b=${cfg##*/}
        [[ " $XM_XEN_QEMU_GUESTS " == *" ${b%.cfg} "* ]] || continue
    fi
    cp "$cfg" "$P/xm/guests/"
done
ls "$P"/xm/guests/*.cfg >/dev/null 2>&1 || { log "no guest config selected"; exit 2; }
# The keep-alive client for the figures: static, so it runs on either release.
if [ -n "${XM_LOAD:-}" ] && [ -x "$XM_LOAD" ]; then cp "$XM_LOAD" "$P/xm/bin/xm-load"
else log "no xm-load (XM_LOAD): the keep-alive figures are left out"; fi
[ -z "${XM_XEN_QEMU_GUESTS:-}" ] || log "only the guests $XM_XEN_QEMU_GUESTS (XM_XEN_QEMU_GUESTS): not a full run"
cat >"$P/xm/env" <<EOF
XM_RELEASE=$RELEASE
XM_XEN_VERSION=$XV
XM_SLOWDOWN=$SLOWDOWN
XM_DOM0=$DOM0
XM_GUESTS_SELECTED="${XM_XEN_QEMU_GUESTS:-}"
XM_RESULTS=$RESULTS_BY
EOF
cp "$P/xm/env" "$RUN/env"

# The guests' initramfs: the cached root (busybox, front ends), /init, and
# the packaged CLI for `xenmode self` inside each guest: /xm/bin/xenmode
# from the xenmode .deb, with exactly the libraries `ldd` lists and the
# dynamic loader in /xm/lib, run through that loader (the cached root has no
# glibc of its own). The libraries are the release's: the host's when it is
# that release, else those of the release's chroot (scripts/chroot.sh).
install -m 755 "$here/guest-init.sh" "$RUN/guest-init/init"
mkdir -p "$RUN/guest-init/xm/bin" "$RUN/guest-init/xm/lib"
dpkg-deb -x "$XENMODE_DEB" "$RUN/deb-xenmode"
cp "$RUN/deb-xenmode/usr/bin/xenmode" "$RUN/guest-init/xm/bin/xenmode"
SYSROOT=/
[ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = "$RELEASE" ] ||
    SYSROOT=$("$root/scripts/chroot.sh" "$RELEASE" path)
probe=$SYSROOT/tmp/xm-ldd-$$
cp "$RUN/deb-xenmode/usr/bin/xenmode" "$probe"
chroot "$SYSROOT" ldd "/tmp/${probe##*/}" >"$RUN/guest-ldd.txt" 2>&1 || true
rm -f "$probe"
awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' "$RUN/guest-ldd.txt" |
    while read -r lib; do cp -L "$SYSROOT/$lib" "$RUN/guest-init/xm/lib/"; done
[ -e "$RUN/guest-init/xm/lib/ld-linux-x86-64.so.2" ] ||
    { log "ldd named no ld-linux-x86-64.so.2 (see $RUN/guest-ldd.txt)"; exit 1; }
{ cat "$IMG/guest-base.cpio"
  (cd "$RUN/guest-init" && find init xm | LC_ALL=C sort | cpio -o -H newc --quiet); } |
    gzip -1 >"$P/xm/guest.cpio.gz"
(cd "$P" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$RUN/payload.cpio"
# After a compressed archive the next one must start on a 4-byte boundary,
# or the kernel ignores it.
base_size=$(stat -c %s "$IMG/dom0.cpio.zst")
{ cat "$IMG/dom0.cpio.zst"; head -c $(( (4 - base_size % 4) % 4 )) /dev/zero; cat "$RUN/payload.cpio"; } \
    >"$RUN/dom0.cpio"
cp "$IMG/manifest" "$RUN/images-manifest.txt"
# The files QEMU boots, named as QEMU sees them. The chroot sees only the
# source tree (at /src), so a chrooted QEMU boots copies in the run directory.
XEN_IMG=$IMG/xen DOM0_KERNEL=$IMG/vmlinuz DOM0_CPIO=$RUN/dom0.cpio
if [ "${#QEMU_RUN[@]}" -gt 0 ]; then
    cp "$IMG/xen" "$IMG/vmlinuz" "$RUN/"
    in_tree=/src/${RUN#"$root"/}
    XEN_IMG=$in_tree/xen DOM0_KERNEL=$in_tree/vmlinuz DOM0_CPIO=$in_tree/dom0.cpio
    "${QEMU_RUN[@]}" scripts/deps.sh --only qemu-system-x86 >"$RUN/qemu-install.log" 2>&1 ||
        { log "cannot install QEMU in the trixie chroot (see $RUN/qemu-install.log)"; exit 1; }
fi
QEMU_VERSION=$("${QEMU_RUN[@]}" qemu-system-x86_64 --version | head -1)

# Console lines are timestamped with the seconds since QEMU started; the
# XM-EVENT lines (dom0's progress) are shown as they come.
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all${XEN_DOM0:+ $XEN_DOM0}"
echo "qemu=[$QEMU_VERSION] machine=$MACHINE cpu=$CPU iommu=[${QEMU_IOMMU[*]}] share=[${SHARE[*]}] xen=[$XEN_ARGS] timeout=$TIMEOUT" >"$RUN/qemu-args.txt"
log "booting Xen $XV under $QEMU_VERSION (TCG, $CPU, $MACHINE, dom0 $DOM0, slowdown $SLOWDOWN); console in $RUN/serial.log"
t_qemu=$(date +%s.%N)
# The host's load beside the run: what slows a boot most (docs/testing.md).
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
# -no-reboot: a Xen panic or reboot ends the run instead of looping. A comma
# inside a multiboot module's arguments (-initrd) would have to be ",,".
nice -n 10 "${QEMU_RUN[@]}" timeout "$TIMEOUT" qemu-system-x86_64 -machine "$MACHINE" -cpu "$CPU" -m 4096 -smp 2 \
    "${QEMU_IOMMU[@]}" -nographic -no-reboot -nic none \
    -kernel "$XEN_IMG" \
    -append "$XEN_ARGS" \
    -initrd "$DOM0_KERNEL console=hvc0,$DOM0_CPIO" \
    "${SHARE[@]}" \
    </dev/null 2>&1 |
    perl -MTime::HiRes=time -e '
        $| = 1; $t0 = time;
        open(my $log, ">", $ARGV[0]) or die "$ARGV[0]: $!"; $log->autoflush(1);
        while (<STDIN>) {
            s/\r//g;
            my $line = sprintf("[%7.2f] %s", time - $t0, $_);
            print $log $line;
            print "xen-qemu ($ENV{RUN_NAME}): $line" if /XM-EVENT|XM-NOTE|XM-DOM0-ERROR|Panic|panic on CPU/;
        }' "$RUN/serial.log"
qemu_rc=${PIPESTATUS[0]}
set -e
t_boot=$(secs "$t_qemu")
echo "$qemu_rc" >"$RUN/qemu.rc"
# Results printed on the console: unpacked when whole (its SHA-256 holds);
# otherwise the report says the results did not come back.
if [ "$RESULTS_BY" = console ]; then
    sed -n 's/^\[ *[0-9.]*\] XM-R //p' "$RUN/serial.log" | base64 -d >"$RUN/results.tgz" 2>/dev/null
    want=$(sed -n 's/^\[ *[0-9.]*\] XM-RESULTS-END sha256=\([0-9a-f]*\).*/\1/p' "$RUN/serial.log" | tail -1)
    got=$(sha256sum "$RUN/results.tgz" | cut -d' ' -f1)
    if [ -n "$want" ] && [ "$want" = "$got" ]; then
        tar -xzf "$RUN/results.tgz" -C "$RUN/results" && log "results unpacked from the console ($(stat -c %s "$RUN/results.tgz") bytes)"
    else
        log "the results on the console are missing or damaged (sha256 ${want:-none} printed, $got read)"
    fi
fi
log "QEMU exited with status $qemu_rc after ${t_boot}s"
printf 'images_s %s\nqemu_s %s\nhost_load_start %s\nhost_load_end %s\nhost_cpus %s\n' "$t_images" "$t_boot" \
    "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" >"$RUN/host-timings.txt"

set +e
"$here/check.sh" "$RUN" | tee "$RUN/report.tap"
set -e
printf 'total_s %s\n' "$(secs "$t_start")" >>"$RUN/host-timings.txt"
# A skipped check (only in a partial run) is neither passed nor failed.
skipped=$(grep -cE '^ok .*# SKIP' "$RUN/report.tap" || true)
passed=$(( $(grep -cE '^ok( |$)' "$RUN/report.tap" || true) - skipped ))
failed=$(grep -cE '^not ok( |$)' "$RUN/report.tap" || true)
log "wall time: $(secs "$t_start")s (images ${t_images}s, QEMU ${t_boot}s); report in $RUN/report.tap"
[ "$skipped" = 0 ] || log "$skipped skipped: their guests are not in this run (XM_XEN_QEMU_GUESTS)"
echo "$RUN_NAME: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

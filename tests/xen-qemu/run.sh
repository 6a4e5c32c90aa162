#!/bin/bash
# The real-Xen suite (`make test-xen`): boots Debian's Xen 4.17 under QEMU
# software emulation with a dom0 running the real toolstack, creates a guest
# of every mode, and checks what xenmode, xenmode_exporter and the collectd
# plugin report for each against the toolstack's own record. See
# docs/testing.md.
#
#   1. images.sh builds the images, or finds them in the cache;
#   2. the freshly built binaries, dom0's /init, the scenario, the guest
#      configs and the guests' initramfs are packed into a cpio appended to
#      dom0's initramfs (nothing of the project is in the cached images);
#   3. QEMU boots Xen; dom0 runs scenario.sh and writes its evidence into a
#      9p share, RUN/results; the console is timestamped into RUN/serial.log;
#   4. check.sh compares the evidence and prints TAP, one line per check.
#
# Ends with "N passed, N failed"; exit status 0 when nothing failed.
#
# Environment:
#   XM_BUILD              the build to test (default: build/ of this tree)
#   XM_XEN_QEMU_CACHE     image cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/xen-qemu)
#   XM_XEN_QEMU_RUN       run directory (default $XM_BUILD/xen-qemu)
#   XM_XEN_QEMU_TIMEOUT   seconds QEMU may run (default 1500)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BUILD_DIR=$(cd "${XM_BUILD:-$root/build}" && pwd)
RUN=${XM_XEN_QEMU_RUN:-$BUILD_DIR/xen-qemu}
TIMEOUT=${XM_XEN_QEMU_TIMEOUT:-1500}
# +npt is required: Debian's Xen has no shadow paging, so PVH and HVM guests
# need HAP, which TCG's SVM provides only with NPT. -cpu max does not work.
CPU=qemu64,+svm,+npt
# Binaries delivered into dom0; the CLI is required, the others are checked
# when built.
BINARIES="xenmode xenmode_exporter xenmode.so"

log() { echo "xen-qemu: $*"; }
secs() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }'; }
t_start=$(date +%s.%N)

[ -x "$BUILD_DIR/xenmode" ] || { log "no $BUILD_DIR/xenmode: run make first"; exit 1; }

t=$(date +%s.%N)
IMG=$("$here/images.sh")
t_images=$(secs "$t")
log "images: $IMG (${t_images}s)"

rm -rf "$RUN"
mkdir -p "$RUN/payload/xm/bin" "$RUN/payload/xm/guests" "$RUN/results" "$RUN/guest-init"
P=$RUN/payload
install -m 755 "$here/dom0-init.sh" "$P/init"
install -m 755 "$here/scenario.sh" "$P/xm/scenario.sh"
cp "$here"/guests/*.cfg "$P/xm/guests/"
for b in $BINARIES; do
    if [ -e "$BUILD_DIR/$b" ]; then
        cp "$BUILD_DIR/$b" "$P/xm/bin/$b"
    else
        log "$b is not built: its checks are skipped"
    fi
done
# The guests' initramfs: the cached root (busybox, front ends), /init, and
# the freshly built CLI for `xenmode self` inside each guest: /xm/bin/xenmode
# with exactly the libraries `ldd` lists and the dynamic loader in /xm/lib,
# run through that loader (the cached root has no glibc of its own).
install -m 755 "$here/guest-init.sh" "$RUN/guest-init/init"
mkdir -p "$RUN/guest-init/xm/bin" "$RUN/guest-init/xm/lib"
cp "$BUILD_DIR/xenmode" "$RUN/guest-init/xm/bin/xenmode"
ldd "$BUILD_DIR/xenmode" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r lib; do cp -L "$lib" "$RUN/guest-init/xm/lib/"; done
[ -e "$RUN/guest-init/xm/lib/ld-linux-x86-64.so.2" ] || { log "ldd named no ld-linux-x86-64.so.2"; exit 1; }
{ cat "$IMG/guest-base.cpio"
  (cd "$RUN/guest-init" && find init xm | LC_ALL=C sort | cpio -o -H newc --quiet); } |
    gzip -1 >"$P/xm/guest.cpio.gz"
(cd "$P" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$RUN/payload.cpio"
# After a compressed archive the next one must start on a 4-byte boundary,
# or the kernel ignores it.
base_size=$(stat -c %s "$IMG/dom0.cpio.zst")
{ cat "$IMG/dom0.cpio.zst"; head -c $(( (4 - base_size % 4) % 4 )) /dev/zero; cat "$RUN/payload.cpio"; } \
    >"$RUN/dom0.cpio"

# Console lines are timestamped with the seconds since QEMU started; the
# XM-EVENT lines (dom0's progress) are shown as they come.
log "booting Xen under QEMU (TCG, $CPU); console in $RUN/serial.log"
t_qemu=$(date +%s.%N)
set +e
# -no-reboot: a Xen panic or reboot ends the run instead of looping. A comma
# inside a multiboot module's arguments (-initrd) would have to be ",,".
nice -n 10 timeout "$TIMEOUT" qemu-system-x86_64 -machine pc -cpu "$CPU" -m 4096 -smp 2 \
    -nographic -no-reboot -nic none \
    -kernel "$IMG/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all" \
    -initrd "$IMG/vmlinuz console=hvc0,$RUN/dom0.cpio" \
    -virtfs "local,path=$RUN/results,mount_tag=xmresults,security_model=none,id=xmresults" \
    </dev/null 2>&1 |
    perl -MTime::HiRes=time -e '
        $| = 1; $t0 = time;
        open(my $log, ">", $ARGV[0]) or die "$ARGV[0]: $!"; $log->autoflush(1);
        while (<STDIN>) {
            s/\r//g;
            my $line = sprintf("[%7.2f] %s", time - $t0, $_);
            print $log $line;
            print "xen-qemu: $line" if /XM-EVENT|XM-NOTE|XM-DOM0-ERROR|Panic|panic on CPU/;
        }' "$RUN/serial.log"
qemu_rc=${PIPESTATUS[0]}
set -e
t_boot=$(secs "$t_qemu")
echo "$qemu_rc" >"$RUN/qemu.rc"
log "QEMU exited with status $qemu_rc after ${t_boot}s"
printf 'images_s %s\nqemu_s %s\n' "$t_images" "$t_boot" >"$RUN/host-timings.txt"

set +e
"$here/check.sh" "$RUN" | tee "$RUN/report.tap"
set -e
printf 'total_s %s\n' "$(secs "$t_start")" >>"$RUN/host-timings.txt"
passed=$(grep -cE '^ok( |$)' "$RUN/report.tap" || true)
failed=$(grep -cE '^not ok( |$)' "$RUN/report.tap" || true)
log "wall time: $(secs "$t_start")s (images ${t_images}s, QEMU ${t_boot}s); report in $RUN/report.tap"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

#!/bin/bash
# dom0's /init. There is no systemd in the image: bring the toolstack up by
# hand in xencommons order (modules, xenfs, xenstored, xen-init-dom0,
# xenconsoled), mount the results share, run /xm/scenario.sh, power off.
#
# No `set -e`: if /init exits, dom0 panics and the run ends without its
# results; each step that fails says so on the console instead, and the
# scenario's checks then fail with the cause.
#
# The versioned tools directory (4.17 on bookworm, 4.20 on trixie: /xm/env,
# written by run.sh) comes first: the daemons and xl are called directly,
# not through Debian's wrappers, which pick a version from sysfs.
# shellcheck source=/dev/null
. /xm/env
export PATH=/usr/lib/xen-$XM_XEN_VERSION/bin:/usr/sbin:/usr/bin:/sbin:/bin
uptime_s() { local a _; read -r a _ </proc/uptime; echo "$a"; }
event() { echo "XM-EVENT $* dom0_uptime=$(uptime_s)"; }
fail() { echo "XM-DOM0-ERROR $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts      # xenconsoled allocates ptys
mount -t tmpfs tmpfs /dev/shm
# devtmpfs lacks the links udev makes. Without /dev/stdin the lock loop of
# /etc/xen/scripts/block spins until libxl kills the hotplug script (40 s).
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /run/xen /run/xenstored /var/log/xen/console /var/lib/xen /results
event "dom0-init release=$XM_RELEASE xen=$XM_XEN_VERSION"

# Backends and what they rely on: loop for file-backed disks, bridge for
# the vifs, tun for an HVM guest's emulated NIC; 9p for the results share.
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback \
         loop tun bridge virtio_pci 9pnet_virtio 9p; do
    modprobe "$m" || fail "modprobe $m failed"
done
mount -t xenfs xenfs /proc/xen || fail "cannot mount xenfs"
event "dom0-guest-type $(cat /sys/hypervisor/guest_type 2>/dev/null)"

# Results go back to the host through a 9p share (mount tag xmresults).
# Without it they stay in dom0's memory and are lost; the host says so.
# A PVH dom0 has no share (XM_RESULTS=console, run.sh): they are collected
# in memory and printed on the console at the end.
if [ "${XM_RESULTS:-share}" = console ]; then
    mount -t tmpfs tmpfs /results
else
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 xmresults /results ||
        fail "cannot mount the 9p results share"
fi

# Loopback: the exporter is scraped over 127.0.0.1.
ip link set lo up || fail "cannot bring up lo"
# The vifs name bridge=xenbr0; vif-bridge only attaches to an existing
# bridge. It needs no uplink: the backends only have to connect.
{ ip link add xenbr0 type bridge && ip link set xenbr0 up; } || fail "cannot create bridge xenbr0"

# xen-init-dom0 needs xenstored, which creates its socket asynchronously.
xenstored --pid-file /run/xenstored.pid || fail "xenstored did not start"
for _ in $(seq 1 100); do [ -S /run/xenstored/socket ] && break; sleep 0.1; done
[ -S /run/xenstored/socket ] || fail "xenstored created no socket within 10 s"
xen-init-dom0 || fail "xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
    fail "xenconsoled did not start"
xl list >/dev/null || fail "xl list failed"
event toolstack-up

if [ -x /xm/scenario.sh ]; then
    /xm/scenario.sh /results
else
    fail "no /xm/scenario.sh: the run's payload is missing"
fi

# On the console: the results as a gzipped tar in base64, each line
# prefixed (kernel messages are silenced first, Xen's own lines carry their
# own prefix), then its SHA-256, which run.sh checks before unpacking.
if [ "${XM_RESULTS:-share}" = console ]; then
    dmesg -n 1
    tar -C /results -czf /tmp/results.tgz .
    echo "XM-RESULTS-BEGIN bytes=$(stat -c %s /tmp/results.tgz)"
    base64 -w 76 /tmp/results.tgz | sed 's/^/XM-R /'
    echo "XM-RESULTS-END sha256=$(sha256sum /tmp/results.tgz | cut -d' ' -f1)"
fi
event dom0-poweroff
sync
umount /results 2>/dev/null
# minbase has no poweroff command of its own (no systemd-sysv). Xen then
# enters ACPI S5 and QEMU exits 0.
busybox poweroff -f

#!/bin/sh
# The guests' /init (busybox). Loads the PV front ends where the kernel has
# Xen support, says what the guest sees, prints the marker dom0 waits for:
#
#   XM-GUEST-READY name=NAME guest_type=TYPE frontends=N
#
# and idles. NAME comes from xm.name= on the kernel command line; TYPE is
# /sys/hypervisor/guest_type (PV, PVH, HVM), or none for an HVM guest booted
# with nopv, whose kernel turns its Xen support off; N counts the xen-bus
# devices bound to a driver. No `set -e`: if /init exits, the guest panics.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
name=$(sed -n 's/.*xm\.name=\([^ ]*\).*/\1/p' /proc/cmdline)
gt=$(cat /sys/hypervisor/guest_type 2>/dev/null)

# Loading a front end waits, within a kernel limit, for its devices to
# connect. Under nopv there is no xenstore and the modules refuse to load:
# expected, so only complain when the guest is on Xen.
if [ -n "$gt" ]; then
    for ko in $(cat /lib/modules/load-order); do
        err=$(insmod "/lib/modules/$ko" 2>&1) || echo "XM-GUEST-INFO name=$name insmod $ko failed: $err"
    done
fi
bound=0
for d in /sys/bus/xen/devices/*; do
    [ -e "$d" ] || continue
    drv=$(readlink "$d/driver")
    echo "XM-GUEST-INFO name=$name xendev=${d##*/} state=$(cat "$d/state" 2>/dev/null) driver=${drv##*/}"
    [ -n "$drv" ] && bound=$((bound + 1))
done
echo "XM-GUEST-INFO name=$name block=$(ls /sys/block | tr '\n' ' ') net=$(ls /sys/class/net | tr '\n' ' ')"
# Where the boot was slow: kernel log lines more than 3 s after the previous.
dmesg | awk -v n="$name" '{ t = substr($0, 2, 12) + 0
                             if (t - p > 3) printf "XM-GUEST-GAP name=%s after %.1f s: %s\n", n, t - p, $0
                             p = t }'
# `xenmode self` as the guest sees itself, each line of its JSON prefixed
# so that dom0 can take it from the console even among kernel messages:
#
#   XM-SELF-BEGIN name=NAME
#   XM-SELF name=NAME <a line of the JSON>      (stderr: XM-SELF-ERR)
#   XM-SELF-END name=NAME rc=STATUS
if [ -x /xm/bin/xenmode ]; then
    mkdir -p /tmp
    /xm/lib/ld-linux-x86-64.so.2 --library-path /xm/lib /xm/bin/xenmode self --format json \
        >/tmp/self.json 2>/tmp/self.err
    rc=$?
    echo "XM-SELF-BEGIN name=$name"
    sed "s/^/XM-SELF name=$name /" /tmp/self.json
    sed "s/^/XM-SELF-ERR name=$name /" /tmp/self.err
    echo "XM-SELF-END name=$name rc=$rc"
fi
# A guest booted with xm.agent=1 writes what guest agents and Windows PV
# drivers write into their own xenstore tree (relative paths are below
# /local/domain/DOMID), one value hostile (quotes and a newline): check.sh
# expects exactly these, cleaned, in the exporter's agent series.
if grep -q 'xm\.agent=1' /proc/cmdline; then
    xsw() { /xs/lib/ld-linux-x86-64.so.2 --library-path /xs/lib /xs/bin/xenstore-write "$@"; }
    nl='
'
    if xsw attr/PVAddons/MajorVersion 9 attr/PVAddons/MinorVersion 4 \
           attr/PVAddons/MicroVersion 2 attr/PVAddons/BuildVersion 77 \
           data/os_distro debian "data/os_name" "Debian \"xm\"${nl}guest" \
           data/os_majorver 13 data/os_minorver 2 \
           drivers/0 "XenServer XENVIF 9.1.0.12 (release)" drivers/1 "XenServer XENVBD 9.1.0.5"
    then echo "XM-GUEST-INFO name=$name agent keys written"
    else echo "XM-GUEST-INFO name=$name writing the agent keys failed: status $?"; fi
fi
echo "XM-GUEST-READY name=$name guest_type=${gt:-none} frontends=$bound"
while :; do sleep 3600; done

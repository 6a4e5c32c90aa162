#!/bin/bash
# `make test-xen`: the real-Xen suite for each release named, one after the
# other (the default: bookworm, Xen 4.17, then trixie, Xen 4.20). For each:
# the release's .deb files are built (on the host when it runs that release,
# else in the release's chroot, scripts/chroot.sh), then run.sh boots them.
# A failing release does not stop the next one; the summary names each.
#
#   releases.sh [RELEASE...]      XM_XEN_QEMU_DOM0=pvh: the PVH dom0 run (trixie)
#
# XM_LOAD (the keep-alive client for the figures) and the variables of
# run.sh are passed through.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
[ $# -gt 0 ] || set -- bookworm trixie
host_release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

deb_dir() { case $1 in bookworm) echo build/deb ;; *) echo "build/deb-$1" ;; esac; }
secs() { echo $(( $(date +%s) - $1 )); }

SUMMARY=()
status=0
for rel in "$@"; do
    case $rel in bookworm|trixie) ;; *) echo "test-xen: unknown release $rel (bookworm, trixie)" >&2; exit 2 ;; esac
    t0=$(date +%s)
    dir=$(deb_dir "$rel")
    echo "test-xen: $rel: building its packages into $dir"
    if [ "$rel" = "$host_release" ]; then
        make --no-print-directory deb DEB_DIR="$dir" >"$root/build/test-xen-deb-$rel.log" 2>&1
    else
        mkdir -p build
        scripts/chroot.sh "$rel" run make --no-print-directory deb DEB_DIR="$dir" \
            >"$root/build/test-xen-deb-$rel.log" 2>&1
    fi
    rc=$?
    t_deb=$(secs "$t0")
    if [ "$rc" != 0 ]; then
        tail -20 "$root/build/test-xen-deb-$rel.log"
        SUMMARY+=("$rel: the packages did not build (build/test-xen-deb-$rel.log), ${t_deb}s")
        status=1
        continue
    fi
    t1=$(date +%s)
    XM_XEN_RELEASE=$rel XM_DEB_DIR=$dir "$here/run.sh" | tee "$root/build/test-xen-$rel.log"
    rc=${PIPESTATUS[0]}
    [ "$rc" = 0 ] || status=1
    SUMMARY+=("$(tail -1 "$root/build/test-xen-$rel.log") (packages ${t_deb}s, suite $(secs "$t1")s, total $(secs "$t0")s)")
done
echo "test-xen summary:"
printf '  %s\n' "${SUMMARY[@]}"
exit "$status"

#!/bin/sh
# `make deb`: builds the Debian packages of this tree with
# `dpkg-buildpackage -us -uc -b` in a scratch copy of the source (the files
# git tracks or would track, so neither build/ nor node_modules go in; the
# same by exclusion where git cannot read the tree), and
# moves the .deb, .ddeb, .buildinfo and .changes files into OUT.
#
#   scripts/make-deb.sh [OUT]        default build/deb
#
# The packages are for the Debian release this runs on; for another one run
# it inside that release (scripts/chroot.sh RELEASE run make deb
# DEB_DIR=build/deb-RELEASE), see docs/packaging.md.
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-build/deb}
VERSION=$(dpkg-parsechangelog -SVersion)
WORK=$OUT.src
SRC=$WORK/xenmode-$VERSION

rm -rf "$WORK"
mkdir -p "$SRC" "$OUT"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -xf - -C "$SRC"
else
    # No git here (a chroot of a worktree, a tarball): the same by exclusion.
    tar --exclude-vcs --exclude='./build*' --exclude='./node_modules' \
        --exclude='./dashboards/node_modules' --exclude='*.o' --exclude='*.d' -cf - . |
        tar -xf - -C "$SRC"
fi
[ -f "$SRC/debian/changelog" ] || { echo "deb: copying the source tree to $SRC failed" >&2; exit 1; }
# The copy has no .git: the build records the commit through REVISION.
log=$WORK/build.log
echo "deb: dpkg-buildpackage -us -uc -b in $SRC (log: $log)"
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "deb: dpkg-buildpackage failed (log: $log)" >&2
    exit 1
fi
rm -f "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.buildinfo "$OUT"/*.changes
for f in "$WORK"/*.deb "$WORK"/*.ddeb "$WORK"/*.buildinfo "$WORK"/*.changes; do
    [ -e "$f" ] && mv "$f" "$OUT/"
done
rm -rf "$SRC"
ls -1 "$OUT"

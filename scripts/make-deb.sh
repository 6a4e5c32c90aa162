#!/bin/sh
# `make deb`: builds the Debian packages of this tree with
# `dpkg-buildpackage -us -uc -b` in a scratch copy of the source
# (scripts/source-tree.sh: no build/, no node_modules), and
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
mkdir -p "$OUT"
scripts/source-tree.sh "$SRC"
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

#!/bin/sh
# Copies the project's source to DEST: the files git tracks or would track
# (so neither build/ nor node_modules go in), or, where git cannot read the
# tree (a worktree seen from inside a chroot, a tarball), the same by
# exclusion. Used by `make deb` and by the packaging tests.
#
#   scripts/source-tree.sh DEST
set -eu
DEST=${1:?usage: scripts/source-tree.sh DEST}
cd "$(dirname "$0")/.."
mkdir -p "$DEST"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf - | tar -xf - -C "$DEST"
else
    tar --exclude-vcs --exclude='./build*' --exclude='./node_modules' \
        --exclude='./dashboards/node_modules' --exclude='*.o' --exclude='*.d' -cf - . |
        tar -xf - -C "$DEST"
fi
[ -f "$DEST/debian/changelog" ] || { echo "source-tree: copying the source tree to $DEST failed" >&2; exit 1; }

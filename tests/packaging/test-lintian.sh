#!/bin/bash
# lintian on the .changes of the built packages (every .deb in it and the
# .changes itself): no error, no warning. Every override in debian/ says why
# in a comment line above it. XM_DEB_DIR: tests/packaging/pkglib.sh.
source "$(dirname "$0")/pkglib.sh"
tl_tmpdir

check "there is a .changes file in $XM_DEB_DIR" test -n "$CHANGES"
command -v lintian >/dev/null || { not_ok "lintian is installed (scripts/deps.sh package)"; finish; exit; }
diag "lintian $(lintian --version | awk '{ print $2 }') on $(basename "$CHANGES")"
lintian --info --no-tag-display-limit "$CHANGES" >"$TL_TMP/lintian.txt" 2>&1
rc=$?
grep -E '^[EWIPO]:' "$TL_TMP/lintian.txt" | sed 's/^/#   /'
assert_eq "lintian: errors" 0 "$(grep -c '^E:' "$TL_TMP/lintian.txt")"
assert_eq "lintian: warnings" 0 "$(grep -c '^W:' "$TL_TMP/lintian.txt")"
check "lintian exits 0 (status $rc)" test "$rc" = 0

# Overrides: each non-comment line has a comment right above it.
for f in "$XM_ROOT"/debian/*lintian-overrides "$XM_ROOT"/debian/source/lintian-overrides; do
    [ -e "$f" ] || continue
    check "$(basename "$f"): every override has a comment above it" awk '
        /^[[:space:]]*$/ { prev = ""; next }
        /^#/ { prev = "#"; next }
        { if (prev != "#") bad = 1; prev = "o" }
        END { exit bad }' "$f"
done
finish

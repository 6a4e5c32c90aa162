#!/bin/bash
# piuparts (Debian's installation tester) on the built packages of one
# release, in a chroot it makes from a cached base tarball: the packages
# install, remove and purge cleanly, leaving no file behind and no error.
# XM_DEB_DIR, XM_RELEASE: tests/packaging/pkglib.sh.
source "$(dirname "$0")/pkglib.sh"
tl_tmpdir

check "there is a .changes file in $XM_DEB_DIR" test -n "$CHANGES"
command -v piuparts >/dev/null || { not_ok "piuparts is installed (scripts/deps.sh package)"; finish; exit; }
t0=$SECONDS
if base=$(pkg_base_tgz); then
    ok "base chroot of $XM_RELEASE: $(basename "$base") ($((SECONDS - t0)) s)"
else
    not_ok "piuparts makes a base chroot of $XM_RELEASE"; finish; exit
fi

# piuparts <args>: the release's archive, our packages, no upgrade test
# (they are not in the archive to upgrade from).
run_piuparts() {
    piuparts -d "$XM_RELEASE" -m "$XM_MIRROR main" \
        --extra-repo="deb $XM_MIRROR $XM_RELEASE-updates main" \
        --extra-repo="deb $XM_SECURITY_MIRROR $XM_RELEASE-security main" \
        -b "$base" --no-upgrade-test -t "$TL_TMP" "$@"
}

# All the binary packages together, as an operator installs them: install,
# remove, purge (no file left, none modified), each step without error.
# (Reinstalling over an edited conffile and purging again: test-install.sh.)
t0=$SECONDS
if run_piuparts "${DEBS[@]}" >"$TL_TMP/piuparts.log" 2>&1; then
    ok "piuparts on $XM_RELEASE: $(basename -a "${DEBS[@]}" | tr '\n' ' ')($((SECONDS - t0)) s)"
else
    not_ok "piuparts on $XM_RELEASE ($((SECONDS - t0)) s)"
    grep -E '(ERROR|FAIL)' "$TL_TMP/piuparts.log" | head -20 | sed 's/^/# /'
    tail -30 "$TL_TMP/piuparts.log" | sed 's/^/# /'
fi
check "piuparts says PASS: All tests" grep -q 'PASS: All tests' "$TL_TMP/piuparts.log"
finish

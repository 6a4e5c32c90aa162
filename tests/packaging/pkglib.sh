# Shared by the packaging tests (tests/packaging/, docs/packaging.md):
# where the built packages are, for which release, and the cached base
# chroot tarball of that release.
#
#   XM_DEB_DIR   the .deb files and the .changes (default: build/deb)
#   XM_RELEASE   the Debian release they were built for (default: this
#                machine's, from /etc/os-release)
#   XM_MIRROR    the Debian archive (default: http://deb.debian.org/debian)
source "$(dirname "${BASH_SOURCE[0]}")/../lib/testlib.sh"

XM_DEB_DIR=$(cd "$XM_ROOT" && cd "${XM_DEB_DIR:-build/deb}" 2>/dev/null && pwd) ||
    { echo "not ok 1 - no package directory ${XM_DEB_DIR:-build/deb}: run make deb"; exit 1; }
: "${XM_RELEASE:=$(. /etc/os-release && echo "$VERSION_CODENAME")}"
: "${XM_MIRROR:=http://deb.debian.org/debian}"
XM_SECURITY_MIRROR=${XM_MIRROR%/debian}/debian-security
PKG_CACHE=${XM_PKG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/packaging}

CHANGES=$(ls "$XM_DEB_DIR"/xenmode_*.changes 2>/dev/null | head -1)
# The binary packages (not the -dbgsym ones).
DEBS=()
for f in "$XM_DEB_DIR"/*.deb; do
    case $f in *-dbgsym_*) ;; *) [ -e "$f" ] && DEBS+=("$f") ;; esac
done

# The apt sources of the release: main, updates and security, as built.
pkg_sources() {
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
        "$XM_MIRROR" "$XM_RELEASE" "$XM_MIRROR" "$XM_RELEASE" "$XM_SECURITY_MIRROR" "$XM_RELEASE"
}

# pkg_base_tgz: prints the path of piuparts' base chroot tarball of the
# release, creating it (piuparts -s) when absent. Its name is keyed by what
# it is made from (release, archive, piuparts' version, PKG_BASE_RECIPE),
# not by date: a new one is made only when one of them changes; older ones
# are removed. One maker at a time (flock); the others wait and reuse it.
PKG_BASE_RECIPE="minbase via piuparts -s, apt sources of pkg_sources, v1"
pkg_base_tgz() {
    local key tgz log
    key=$({ echo "$XM_RELEASE $XM_MIRROR $PKG_BASE_RECIPE"; pkg_sources; piuparts --version 2>/dev/null; } |
        sha256sum | cut -c1-16)
    tgz=$PKG_CACHE/piuparts-$XM_RELEASE-$key.tgz
    log=$PKG_CACHE/piuparts-$XM_RELEASE.log
    mkdir -p "$PKG_CACHE"
    (
        flock 9
        [ -s "$tgz" ] && exit 0
        find "$PKG_CACHE" -maxdepth 1 -name "piuparts-$XM_RELEASE-*.tgz*" -delete
        # piuparts needs a package to set up its chroot; the tarball is
        # saved before any package is installed.
        piuparts -d "$XM_RELEASE" -m "$XM_MIRROR main" \
            --extra-repo="deb $XM_MIRROR $XM_RELEASE-updates main" \
            --extra-repo="deb $XM_SECURITY_MIRROR $XM_RELEASE-security main" \
            -s "$tgz.new" -a --no-upgrade-test hostname >"$log" 2>&1 &&
            mv "$tgz.new" "$tgz" ||
            { tail -20 "$log" >&2; rm -f "$tgz.new"; exit 1; }
    ) 9>"$PKG_CACHE/.lock-$XM_RELEASE" || return 1
    echo "$tgz"
}

# pkg_root DIR: a chroot of the release in DIR, from the base tarball, with
# the release's apt sources and no service started by package scripts
# (policy-rc.d). Reports not ok and fails when there is no base tarball.
pkg_root() {
    local base
    ROOT=$1
    base=$(pkg_base_tgz) || { not_ok "a base chroot of $XM_RELEASE"; return 1; }
    # piuparts 1.6 (trixie) saves it uncompressed despite the name: let tar tell.
    mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$base"
    pkg_sources >"$ROOT/etc/apt/sources.list"
    printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"; chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
    return 0
}

# in_root CMD...: CMD inside the chroot pkg_root made, /proc and /dev
# mounted in a private mount namespace that ends with it (nothing stays
# mounted). Inside another chroot (scripts/chroot.sh, whose namespace is
# already private) / is no mount point and cannot be made private: there,
# unchanged.
PROPAGATION=private
unshare --mount --propagation private true 2>/dev/null || PROPAGATION=unchanged
in_root() {
    unshare --mount --propagation "$PROPAGATION" -- /bin/sh -c '
        r=$1; shift
        mount -t proc proc "$r/proc" && mount --rbind /dev "$r/dev" &&
        exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"' sh "$ROOT" "$@"
}

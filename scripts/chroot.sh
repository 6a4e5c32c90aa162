#!/bin/bash
# A Debian chroot per release, for building and testing on a release other
# than the host's (CI builds and tests on Debian 13 from a Debian 12 host).
#
#   scripts/chroot.sh RELEASE path          print the chroot's path, building it if needed
#   scripts/chroot.sh RELEASE run CMD...    run CMD inside, in /src (this source tree)
#
# The chroot is debootstrapped (minbase) from the archive the host's apt
# configuration names, with RELEASE, RELEASE-updates and RELEASE-security,
# then gets what `scripts/deps.sh` installs on that release. It is cached in
# ${XM_CHROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/chroot}/RELEASE-KEY,
# KEY being a hash of the functions below that build it and of
# scripts/deps.sh, so a change of either builds a new one (older ones of the
# release are removed); package updates are picked up by `scripts/deps.sh`
# itself, which installs what is missing. `run` also mounts the packaging
# tests' cache (piuparts' base tarballs) from outside the chroot.
#
# `run` mounts /proc, /sys, /dev, /dev/pts and the source tree in a private
# mount namespace (unshare), so nothing stays mounted when CMD ends, however
# it ends. Needs root.
set -euo pipefail

die() { echo "chroot.sh: $*" >&2; exit 1; }
usage() { die "usage: chroot.sh RELEASE path | chroot.sh RELEASE run CMD..."; }

[ $# -ge 2 ] || usage
RELEASE=$1 VERB=$2
shift 2
case $RELEASE in *[!a-z]*|'') die "release must be a Debian codename such as trixie: \"$RELEASE\"";; esac
case $VERB in path) [ $# -eq 0 ] || usage;; run) [ $# -ge 1 ] || usage;; *) usage;; esac
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${XM_CHROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/chroot}

# The archive URIs of the host's apt configuration (deb822 or one-line
# format); trixie lives at the same URIs as bookworm.
mirror_for() {
    local suite=$1 uri
    uri=$(awk -v s="$suite" 'BEGIN { RS = "" }
        { u = ""; ok = 0; n = split($0, L, "\n")
          for (i = 1; i <= n; i++) {
              if (L[i] ~ /^URIs:/) { split(L[i], a, /[ \t]+/); u = a[2] }
              if (L[i] ~ /^Suites:/) { m = split(L[i], a, /[ \t]+/); for (j = 2; j <= m; j++) if (a[j] ~ s) ok = 1 }
          }
          if (ok && u != "") { print u; exit } }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i + 1) ~ s) { print $i; exit } break } }' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
    echo "$uri"
}

# The cache key: what the chroot's contents are made from (the release, the
# functions that build it, scripts/deps.sh), not how it is entered, so a
# change to the mounts of `run` does not rebuild it.
key() {
    { echo "$RELEASE"; declare -f mirror_for build; sha256sum "$SRC/scripts/deps.sh" | cut -d' ' -f1; } |
        sha256sum | cut -c1-16
}

build() {
    local out=$1 b=$1.build mirror secmirror
    command -v debootstrap >/dev/null || "$SRC/scripts/deps.sh" --only debootstrap
    mirror=$(mirror_for '^[a-z]+(-updates)?$')
    secmirror=$(mirror_for '-security$')
    [ -n "$mirror" ] && [ -n "$secmirror" ] ||
        die "cannot find the Debian and Debian security archives in the apt configuration"
    rm -rf "$b"
    echo "chroot.sh: building the $RELEASE chroot in $out" >&2
    local t0=$SECONDS
    debootstrap --variant=minbase "$RELEASE" "$b" "$mirror" >"$out.log" 2>&1 ||
        { tail -20 "$out.log" >&2; die "debootstrap $RELEASE failed (log: $out.log)"; }
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
        "$mirror" "$RELEASE" "$mirror" "$RELEASE" "$secmirror" "$RELEASE" >"$b/etc/apt/sources.list"
    # No service may start inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$b/usr/sbin/policy-rc.d"
    chmod 755 "$b/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\n' >"$b/etc/apt/apt.conf.d/90xenmode"
    cp /etc/resolv.conf "$b/etc/resolv.conf" 2>/dev/null || true
    in_chroot "$b" sh -c 'apt-get -q update && apt-get -y -q upgrade && scripts/deps.sh' >>"$out.log" 2>&1 ||
        { tail -30 "$out.log" >&2; die "installing the packages in the $RELEASE chroot failed (log: $out.log)"; }
    mv "$b" "$out"
    echo "chroot.sh: $RELEASE chroot built in $((SECONDS - t0)) s" >&2
}

# The packaging tests' cache (piuparts' base tarballs, tests/packaging/
# pkglib.sh) lives outside the chroot, so that a rebuilt chroot keeps it.
PKG_CACHE=${XM_PKG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenmode/packaging}

# in_chroot ROOT CMD...: CMD as root inside ROOT, cwd /src, in a private
# mount namespace that dies with it.
in_chroot() {
    local root=$1
    shift
    mkdir -p "$root/src" "$root/var/cache/xenmode-packaging" "$PKG_CACHE"
    unshare --mount --propagation private -- /bin/sh -c '
        set -e
        r=$1 src=$2 pkgcache=$3
        shift 3
        mount -t proc proc "$r/proc"
        mount --rbind /sys "$r/sys"
        mount --rbind /dev "$r/dev"
        mount --bind "$src" "$r/src"
        mount --bind "$pkgcache" "$r/var/cache/xenmode-packaging"
        mount -t tmpfs tmpfs "$r/tmp"
        # The host'"'"'s trust store: where the npm registry is reached through
        # a TLS-inspecting proxy, its CA is trusted there and must be here
        # too. A copy in the private /tmp, given to Node.js as extra CAs:
        # the chroot'"'"'s own /etc/ssl/certs stays its own (ca-certificates
        # must be able to update it).
        if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
            cp /etc/ssl/certs/ca-certificates.crt "$r/tmp/host-ca-certificates.crt"
        fi
        exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb \
            XM_PKG_CACHE=/var/cache/xenmode-packaging \
            NODE_EXTRA_CA_CERTS=/tmp/host-ca-certificates.crt \
            /bin/sh -c "cd /src && exec \"\$@\"" sh "$@"' sh "$root" "$SRC" "$PKG_CACHE" "$@"
}

mkdir -p "$CACHE"
OUT=$CACHE/$RELEASE-$(key)
(
    flock 9 # one build at a time; a second caller then finds it
    if [ ! -d "$OUT" ]; then
        build "$OUT"
        find "$CACHE" -mindepth 1 -maxdepth 1 -name "$RELEASE-*" ! -name "$(basename "$OUT")*" -exec rm -rf {} +
    fi
) 9>"$CACHE/.lock-$RELEASE"

case $VERB in
path) echo "$OUT" ;;
run) in_chroot "$OUT" "$@" ;;
esac

#!/bin/bash
# `make` needs only the Build-Depends: in a clean chroot of the release
# (piuparts' cached base), `apt-get build-dep` of the source tree installs
# debian/control's Build-Depends and nothing else; with no npm, cmocka,
# valgrind or Prometheus there, `make` builds every binary, the
# collectd plugin and the man pages.
# XM_RELEASE: tests/packaging/pkglib.sh.
source "$(dirname "$0")/pkglib.sh"
tl_tmpdir

ROOT=$TL_TMP/root
pkg_root "$ROOT" || { finish; exit; }
"$XM_ROOT/scripts/source-tree.sh" "$ROOT/src" || not_ok "copy the source tree into the chroot"
check "the tree in the chroot has no build output" test ! -e "$ROOT/src/build"

t0=$SECONDS
if in_root sh -c 'apt-get -q update && apt-get -y -q --no-install-recommends build-dep /src' \
        >"$TL_TMP/build-dep.log" 2>&1; then
    ok "apt-get build-dep /src ($((SECONDS - t0)) s)"
else
    not_ok "apt-get build-dep /src"; tail -20 "$TL_TMP/build-dep.log" | sed 's/^/# /'
fi
check "no npm on PATH" in_root sh -c '! command -v npm && ! command -v node'
# (collectd's daemon is there: Debian's collectd-dev, which has the plugin
# headers, depends on collectd-core. Nothing of it is run by make.)
for p in libcmocka-dev prometheus prometheus-node-exporter valgrind; do
    check "test tool $p is not installed" in_root sh -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q 'install ok installed'"
done

t0=$SECONDS
if in_root make -C /src -j2 >"$TL_TMP/make.log" 2>&1; then
    ok "make with the Build-Depends alone ($((SECONDS - t0)) s)"
else
    not_ok "make with the Build-Depends alone"; tail -20 "$TL_TMP/make.log" | sed 's/^/# /'
fi
for f in build/xenmode build/xenmode_exporter build/man/xenmode.1 build/man/xenmode_exporter.8; do
    check "make built $f" test -s "$ROOT/src/$f"
done
plugin=$(cd "$ROOT/src" && find build -name xenmode.so | head -1)
check "make built the collectd plugin (${plugin:-none})" test -n "$plugin"
mans=$(cd "$ROOT/src" && find build/man -type f 2>/dev/null | wc -l)
check "make built both man pages ($mans)" test "$mans" -ge 2
check "the binaries run: xenmode --version" in_root /src/build/xenmode --version
finish

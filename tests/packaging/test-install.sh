#!/bin/bash
# The built packages installed, as an operator would with apt, into a
# chroot of their release that has no Xen (piuparts' cached base chroot,
# plus systemd): everything installs and configures, nothing is left
# half-configured or failed, `xenmode --version` works, the exporter's unit
# is enabled but its conditions are not met here (so it would not start),
# and the collectd example is in collectd.conf.d, every line commented.
# Then purge: nothing the packages created is left.
# XM_DEB_DIR, XM_RELEASE: tests/packaging/pkglib.sh.
source "$(dirname "$0")/pkglib.sh"
tl_tmpdir

check "the packages are built (${#DEBS[@]} in $XM_DEB_DIR)" test "${#DEBS[@]}" -ge 4
ROOT=$TL_TMP/root
pkg_root "$ROOT" || { finish; exit; }
mkdir -p "$ROOT/debs" && cp "${DEBS[@]}" "$ROOT/debs/"

check "no /proc/xen in the chroot (this is a machine without Xen)" in_root sh -c '! test -e /proc/xen/capabilities'
t0=$SECONDS
if in_root sh -c 'apt-get -q update && apt-get -y -q --no-install-recommends install systemd /debs/*.deb' \
        >"$TL_TMP/install.log" 2>&1; then
    ok "apt-get install systemd and ${#DEBS[@]} packages ($((SECONDS - t0)) s)"
else
    not_ok "apt-get install systemd and the packages"; tail -20 "$TL_TMP/install.log" | sed 's/^/# /'
fi
assert_eq "dpkg --audit: nothing half-installed or unconfigured" "" "$(in_root dpkg --audit 2>&1)"
for deb in "${DEBS[@]}"; do
    p=$(dpkg-deb -f "$deb" Package)
    assert_eq "$p is installed (ii)" "install ok installed" "$(in_root dpkg-query -W -f='${Status}' "$p" 2>&1)"
done
grep -iE '(^E:|error|failed)' "$TL_TMP/install.log" | grep -v -e 'Failed to ' -e '^Get:' | sed 's/^/# install log: /'
check "the install log has no error line" bash -c "! grep -E '^(E:|dpkg: error)' '$TL_TMP/install.log'"

version=$(cat "$XM_ROOT/VERSION")
out=$(in_root xenmode --version 2>&1); rc=$?
assert_eq "xenmode --version exits 0" 0 "$rc"
check "xenmode --version names version $version ($out)" grep -q "$version" <<<"$out"
out=$(in_root xenmode_exporter --version 2>&1); rc=$?
assert_eq "xenmode_exporter --version exits 0" 0 "$rc"
check "xenmode_exporter --version names version $version" grep -q "$version" <<<"$out"
assert_status "xenmode list without Xen exits 3 (EXIT_NOXEN: what is missing, no crash)" 3 in_root xenmode list

UNIT=prometheus-xenmode-exporter.service
assert_eq "the exporter's unit is enabled" enabled "$(in_root systemctl is-enabled "$UNIT" 2>&1)"
check "multi-user.target wants it" test -L "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT"
unitfile=$(ls "$ROOT"/lib/systemd/system/$UNIT "$ROOT"/usr/lib/systemd/system/$UNIT 2>/dev/null | head -1)
check "the unit file is installed (${unitfile#$ROOT})" test -n "$unitfile"
# The conditions as systemd evaluates them, here where there is no Xen:
# ConditionPathExists= fails, so systemd skips the unit ("condition not met")
# instead of starting it; and should /proc/xen exist (a guest), the
# ExecCondition= command's status 1 also means "skip", not "fail".
out=$(in_root systemd-analyze condition --unit="$UNIT" 2>&1); rc=$?
diag "systemd-analyze condition --unit=$UNIT: $(tr '\n' ' ' <<<"$out")"
check "systemd-analyze: the installed unit's conditions fail here (it is skipped, not started)" \
    bash -c "[ $rc != 0 ] && grep -q 'ConditionPathExists=/proc/xen/capabilities failed' <<<'$out'"
check "the unit's ExecCondition is the control_d test" \
    grep -qx 'ExecCondition=/bin/grep -q control_d /proc/xen/capabilities' "${unitfile:-/dev/null}"
check "/etc/default/prometheus-xenmode-exporter has ARGS=" grep -q '^ARGS=' "$ROOT/etc/default/prometheus-xenmode-exporter"
check "it is a conffile" grep -qx ' */etc/default/prometheus-xenmode-exporter [0-9a-f]*' \
    <<<"$(in_root dpkg-query -W -f='${Conffiles}\n' prometheus-xenmode-exporter)"
SOCK=/usr/share/doc/prometheus-xenmode-exporter/examples/prometheus-xenmode-exporter.socket
check "example socket unit installed as documentation ($SOCK)" test -s "$ROOT$SOCK"
check "... naming the package's service and flags file" bash -c \
    "grep -q prometheus-xenmode-exporter.service '$ROOT$SOCK' && grep -q /etc/default/prometheus-xenmode-exporter '$ROOT$SOCK' && ! grep -q 'xenmode_exporter\.service' '$ROOT$SOCK'"
check "... with a ListenStream= on the exporter's port" grep -qx 'ListenStream=9717' "$ROOT$SOCK"
check "... and not enabled" test ! -e "$ROOT/etc/systemd/system/sockets.target.wants/prometheus-xenmode-exporter.socket"

CONF=$ROOT/etc/collectd/collectd.conf.d/xenmode.conf
check "collectd example installed at /etc/collectd/collectd.conf.d/xenmode.conf" test -s "$CONF"
check "collectd example is disabled: every line is a comment or blank" bash -c "! grep -vE '^[[:space:]]*(#|$)' '$CONF'"
check "collectd example has the LoadPlugin line to uncomment" grep -q '^#LoadPlugin xenmode$' "$CONF"
check "the plugin is where collectd looks for it" test -f "$ROOT/usr/lib/collectd/xenmode.so"
# collectd itself with the example enabled (uncommented) accepts it: -t
# reads the configuration and loads the plugins, then exits.
sed -e 's/^#//' "$CONF" >"$ROOT/tmp/xenmode-enabled.conf"
printf 'Interval 10\nTypesDB "/usr/share/collectd/types.db"\nInclude "/tmp/xenmode-enabled.conf"\n' >"$ROOT/tmp/collectd-test.conf"
out=$(in_root collectd -t -C /tmp/collectd-test.conf 2>&1); rc=$?
assert_eq "collectd -t with the example uncommented exits 0" 0 "$rc"
[ "$rc" = 0 ] || diag "$out"
check "dashboards installed" test -s "$ROOT/usr/share/xenmode/grafana/xen-host.json"
check "rules installed" test -s "$ROOT/usr/share/xenmode/prometheus/xenmode-alerts.rules.yml"
check "the runbook the alerts' runbook_url points at is installed uncompressed" \
    test -s "$ROOT/usr/share/doc/xenmode-dashboards/runbook.md"

# An edited conffile survives an upgrade (the same version reinstalled).
echo 'ARGS="--web.listen-address=127.0.0.1:9717"' >>"$ROOT/etc/default/prometheus-xenmode-exporter"
in_root sh -c 'dpkg -i --force-confold /debs/*.deb' >"$TL_TMP/reinstall.log" 2>&1
check "after reinstalling, the edited flags file is kept" \
    grep -q '127.0.0.1:9717' "$ROOT/etc/default/prometheus-xenmode-exporter"

# Purge: every file and directory the packages created is gone.
pkgs=$(for deb in "${DEBS[@]}"; do dpkg-deb -f "$deb" Package; done)
in_root sh -c "dpkg --purge $(echo $pkgs)" >"$TL_TMP/purge.log" 2>&1
assert_eq "dpkg --purge exits 0" 0 "$?"
for f in /etc/default/prometheus-xenmode-exporter /etc/collectd/collectd.conf.d/xenmode.conf \
         /etc/systemd/system/multi-user.target.wants/$UNIT /usr/bin/xenmode /usr/bin/xenmode_exporter \
         /usr/lib/collectd/xenmode.so /usr/share/xenmode /var/lib/systemd/deb-systemd-helper-enabled/$UNIT.dsh-also; do
    check "purged: $f" test ! -e "$ROOT$f"
done
finish

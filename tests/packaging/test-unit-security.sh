#!/bin/bash
# The exporter's systemd unit, as the Debian package installs it (generated
# from exporter/systemd/xenmode_exporter.service.in the way debian/rules
# does): systemd-analyze security --offline=yes scores it at most 4.5 (lower
# is safer; the unit before hardening scored 7.6, Debian's node exporter unit
# 9.2), with the settings that matter for a root daemon on /dev/xen, and the
# dom0-only conditions. Prints the score and the settings still exposed.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir

TEMPLATE=$XM_ROOT/exporter/systemd/xenmode_exporter.service.in
UNIT=$TL_TMP/prometheus-xenmode-exporter.service
sed -e 's|@BINDIR@|/usr/bin|g' -e 's|@DEFAULTS@|/etc/default/prometheus-xenmode-exporter|g' \
    "$TEMPLATE" >"$UNIT"
check "the template has no @VARIABLE@ left after substitution" bash -c "! grep -q '@[A-Z]*@' '$UNIT'"

command -v systemd-analyze >/dev/null || { not_ok "systemd-analyze is installed (package systemd)"; finish; exit; }
systemd-analyze security --offline=yes --no-pager "$UNIT" >"$TL_TMP/security.txt" 2>&1
score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$TL_TMP/security.txt")
diag "systemd-analyze security --offline=yes: $(grep 'Overall exposure' "$TL_TMP/security.txt")"
grep '^✗' "$TL_TMP/security.txt" | awk '{ $NF = "(" $NF ")"; print }' | sed 's/^/#   /'
check "systemd-analyze gives a score" test -n "$score"
check "exposure $score is at most 4.5" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 4.5) }'

setting() { grep -qE "^$1\$" "$UNIT"; }
for s in 'CapabilityBoundingSet=' 'DevicePolicy=closed' 'DeviceAllow=/dev/xen/privcmd rw' \
         'DeviceAllow=/dev/xen/xenbus rw' 'ProtectKernelTunables=yes' 'ProtectKernelLogs=yes' \
         'ProtectClock=yes' 'ProtectHostname=yes' 'RestrictNamespaces=yes' \
         'SystemCallFilter=@system-service' 'MemoryDenyWriteExecute=yes' 'UMask=0077' \
         'NoNewPrivileges=yes' 'ProtectSystem=strict'; do
    check "unit sets $s" setting "$s"
done
check "unit starts only where /proc/xen/capabilities exists" setting 'ConditionPathExists=/proc/xen/capabilities'
check "unit runs only in dom0 (ExecCondition on control_d)" \
    setting 'ExecCondition=/bin/grep -q control_d /proc/xen/capabilities'
check "unit reads its flags from /etc/default/prometheus-xenmode-exporter" \
    setting 'EnvironmentFile=-/etc/default/prometheus-xenmode-exporter'
check "unit passes \$ARGS" setting 'ExecStart=/usr/bin/xenmode_exporter \$ARGS'
finish

#!/bin/bash
# The Prometheus rules in dashboards/rules/: `promtool check rules` passes,
# `promtool test rules` passes, the unit tests cover every alert firing and
# not firing and every recording rule, every alert has summary, description
# and a runbook annotation that is an anchor of docs/runbook.md; and the unit
# tests bite (a weakened copy of a rule fails them).
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/live-testlib.sh"
tl_tmpdir

RULES=("$DASH_DIR"/rules/*.rules.yml)
TESTS=("$DASH_DIR"/tests/*.test.yml)

for r in "${RULES[@]}"; do
    "$PROMTOOL" check rules "$r" >"$TL_TMP/out" 2>&1; rc=$?
    assert_eq "promtool check rules $(basename "$r")" 0 "$rc"
    [ "$rc" = 0 ] || sed 's/^/#   /' "$TL_TMP/out"
done
for t in "${TESTS[@]}"; do
    (cd "$(dirname "$t")" && "$PROMTOOL" test rules "$(basename "$t")") >"$TL_TMP/out" 2>&1; rc=$?
    assert_eq "promtool test rules $(basename "$t")" 0 "$rc"
    [ "$rc" = 0 ] || sed 's/^/#   /' "$TL_TMP/out" | head -40
done

report_checks < <("$PYTHON" "$DASH_DIR/tests/rules_coverage.py" "$XM_ROOT/docs/runbook.md" \
    "${RULES[@]}" -- "${TESTS[@]}"; echo "$?" >"$TL_TMP/cov.rc")
assert_eq "rules_coverage.py ran to the end" 0 "$(cat "$TL_TMP/cov.rc")"

# The unit tests bite: each weakened copy of the rules must fail them.
mkdir -p "$TL_TMP/mut/rules" "$TL_TMP/mut/tests"
cp "${TESTS[@]}" "$TL_TMP/mut/tests/"
mutant() {   # mutant DESCRIPTION SED_EXPRESSION
    cp "${RULES[@]}" "$TL_TMP/mut/rules/"
    sed -i "$2" "$TL_TMP/mut/rules/"*.yml
    if cmp -s "$TL_TMP/mut/rules/xenmode-alerts.rules.yml" "$DASH_DIR/rules/xenmode-alerts.rules.yml" &&
       cmp -s "$TL_TMP/mut/rules/xenmode-collectd.rules.yml" "$DASH_DIR/rules/xenmode-collectd.rules.yml"; then
        not_ok "a weakened rule fails the unit tests: $1"; diag "the sed expression changed nothing: $2"
        return
    fi
    if (cd "$TL_TMP/mut/tests" && "$PROMTOOL" test rules ./*.test.yml) >/dev/null 2>&1; then
        not_ok "a weakened rule fails the unit tests: $1"
    else
        ok "a weakened rule fails the unit tests: $1"
    fi
}
mutant "XenExporterDown for 2m instead of 5m" '/alert: XenExporterDown/,/for:/ s/for: 5m/for: 2m/'
mutant "XenCollectionFailing firing while xen_up is 1" 's/expr: xen_up == 0/expr: xen_up != 2/'
mutant "XenHVMWithoutPVDrivers for 10m instead of 15m" '/alert: XenHVMWithoutPVDrivers/,/for:/ s/for: 15m/for: 10m/'
mutant "XenHVMWithoutPVDrivers without its boot grace" 's/xen_domain_start_time_seconds < 900/xen_domain_start_time_seconds < 0/'
mutant "XenPVDriversLost firing on a domain that got its drivers back" 's/and on (instance, domain) xen_domain_virt_mode{mode="hvm"} == 1/and on (instance, domain) xen_domain_virt_mode{mode="hvm"} >= 0/'
mutant "XenExporterDown for any target that is down" 's/and on (job, instance) max_over_time(xenmode_exporter_build_info\[1d\]) == 1/or up{job="none"}/'
mutant "XenDomainModeChanged counting hvm <-> pvhvm" 's/mode=~"pv|pvh|pv_in_pvh"/mode=~"pv|pvh|hvm|pv_in_pvh"/'
mutant "XenConfiguredModeMismatch without pvhvm = hvm" 's/"mode", "hvm", "mode", "pvhvm"/"mode", "hvm", "mode", "none"/'
mutant "collectd rules keeping collectd's instance label" 's/"instance", "\$1", "exported_instance", "(.+)"/"exported_instance", "$1", "exported_instance", "(.+)"/'
mutant "collectd xen_up never going stale" 's/< bool 180/< bool 100000/'

finish

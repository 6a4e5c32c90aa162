#!/bin/bash
# The collectd plugin on the mixed fake host, in a real collectd daemon
# (collectd -f, unixsock + csv): every domain's five mode values equal the
# fixture's `expect` through the unix socket (collectdctl getval) and in the
# csv files, the PV device counts too, and nothing else is dispatched.
# Then `collectd -T` exits 0 on the fake host and 1 when its libxl fails.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

xmc_conf "$CONF" 0.5 '  Interval 0.25'

if xmc_start "$MIXED" "$CONF"; then ok "collectd starts with the plugin on the mixed fake host"
else not_ok "collectd starts with the plugin on the mixed fake host"; finish; exit; fi

# Every domain's current mode reads 1 ...
mapfile -t EXPECT < <(xmc_expect "$MIXED")
last="${EXPECT[${#EXPECT[@]}-1]}"
check "values of all domains arrive through the unix socket" \
    wait_until 20 xmc_has_value "${last% *}" "gauge-${last#* }"

for line in "${EXPECT[@]}"; do
    name=${line% *} want=${line#* }
    got=""
    for mode in $XMC_MODES; do
        v=$(xmc_getval "$name" "gauge-$mode")
        got+="$mode=$v "
    done
    exp=""
    for mode in $XMC_MODES; do
        exp+="$mode=$([ "$mode" = "$want" ] && echo 1 || echo 0) "
    done
    assert_eq "unixsock: $name has mode $want (1 for it, 0 for the four others)" "$exp" "$got"
done

# ... and the PV device counts per kind, type "count".
while read -r name kind n; do
    assert_eq "unixsock: $name count-$kind = $n" "$n" "$(xmc_getval "$name" "count-$kind")"
done < <(xmc_expect_devices "$MIXED")

# ... the hypervisor's facts: guest width of PV domains, HAP of HVM containers ...
while read -r name ti v; do
    assert_eq "unixsock: $name $ti = $v" "$v" "$(xmc_getval "$name" "$ti")"
done < <(xmc_expect_hypervisor "$MIXED")
# ... and the host's capabilities (plugin_instance ""), all 1 on this host.
for cap in pv32 pv64 hvm hap shadow; do
    v=$("$XMC_COLLECTDCTL" -s "$XMC_SOCK" getval "$XMC_HOST/xenmode/gauge-capability_$cap" 2>/dev/null |
        awk -F= '$1 == "value" { print $2 + 0 }')
    assert_eq "unixsock: xenmode/gauge-capability_$cap = 1" 1 "$v"
done

# Nothing else: exactly 5 gauges per domain plus the expected counts, one
# hypervisor fact per domain and the two PV-driver transition counters of
# each HVM container (0 on this unchanging host).
ndom=${#EXPECT[@]}
ndev=$(xmc_expect_devices "$MIXED" | wc -l)
nhvm=$(jq '[.domains[] | select(.hvm)] | length' "$MIXED")
got=$(xmc_listval | grep -c "^$XMC_HOST/xenmode-")
assert_eq "listval: $ndom domains x (5 modes + 1 width or hap) + $ndev device counts + $nhvm x 2 transitions, nothing else" \
    "$((ndom * 6 + ndev + nhvm * 2))" "$got"
got=$(xmc_listval | grep "^$XMC_HOST/xenmode-" |
      grep -cvE '/(gauge-(pv|pvh|hvm|pvhvm|pv_in_pvh|pv_guest_width|hap)|count-[a-z0-9_]+|derive-transition_(hvm_to_pvhvm|pvhvm_to_hvm))$')
assert_eq "listval: only gauge-<mode>, gauge-pv_guest_width, gauge-hap, count-<kind> and the driver transitions" 0 "$got"
assert_eq "unixsock: guest-hvm derive-transition_hvm_to_pvhvm = 0" 0 "$(xmc_getval guest-hvm derive-transition_hvm_to_pvhvm)"
assert_eq "listval: five host capabilities" 5 "$(xmc_listval | grep -c "^$XMC_HOST/xenmode/gauge-capability_")"

# The csv plugin's files hold the same values (the newest line of each).
csv_files_at_least() { test "$(find "$XMC_CSV" -name 'gauge-*' | wc -l)" -ge "$1"; }
check "csv: files written for every domain" wait_until 10 csv_files_at_least "$((ndom * 5))"
for line in "${EXPECT[@]}"; do
    name=${line% *} want=${line#* }
    got=""
    for mode in $XMC_MODES; do
        v=$(xmc_csv "$name" "gauge-$mode" | tail -1 | cut -d, -f2)
        got+="$mode=$(awk -v v="$v" 'BEGIN { if (v == "") print ""; else print v + 0 }') "
    done
    exp=""
    for mode in $XMC_MODES; do
        exp+="$mode=$([ "$mode" = "$want" ] && echo 1 || echo 0) "
    done
    assert_eq "csv: $name has mode $want" "$exp" "$got"
done
while read -r name kind n; do
    v=$(xmc_csv "$name" "count-$kind" | tail -1 | cut -d, -f2)
    assert_eq "csv: $name count-$kind = $n" "$n" "$(awk -v v="$v" 'BEGIN { print v + 0 }')"
done < <(xmc_expect_devices "$MIXED")

# The plugin's own interval (0.25 s) is honoured: within 2 s at least 5 new
# values for dom0 were written.
n0=$(xmc_csv_count Domain-0 gauge-pv)
grown_by() { test "$(( $(xmc_csv_count Domain-0 gauge-pv) - n0 ))" -ge "$1"; }
check "the plugin reads every 0.25 s (>= 5 values in 2 s)" wait_until 2 grown_by 5
check "no ERROR or WARNING in collectd's log" test "$(xmc_log_problems | wc -l)" = 0
xmc_log_problems | head -5 | sed 's/^/# collectd log: /'

xmc_stop; rc=$?
assert_eq "collectd stops cleanly on SIGTERM (exit 0)" 0 "$rc"
check "the plugin logs nothing at shutdown that is not info" \
    test "$(xmc_log_problems | wc -l)" = 0
xmc_log_problems | head -5 | sed 's/^/# collectd log: /'

# collectd -T: every read callback once; exit 0 on the fake host ...
xmc_conf "$CONF" 1 ''
assert_status "collectd -T exits 0 on the fake host" 0 xmc_test_config "$MIXED" "$CONF"
check "collectd -T: no error logged" sh -c "! grep -q '\[error\]' '$XMC_LOG' '$TL_TMP/collectd-T.out'"
# ... and 1 when the fake libxl fails: no hypervisor (ctx_alloc), or the
# domain list failing (the fixture's `fail` key).
XENMODE_FAKE_LIBXL_FAIL=ctx_alloc xmc_test_config "$MIXED" "$CONF"; rc=$?
assert_eq "collectd -T exits 1 when libxl cannot open (ctx_alloc)" 1 "$rc"
check "collectd -T (ctx_alloc): the plugin says it cannot read Xen" \
    grep -q 'xenmode plugin: cannot read Xen: ' "$XMC_LOG"
jq '.fail = ["list"]' "$MIXED" >"$TL_TMP/fail-list.json"
xmc_test_config "$TL_TMP/fail-list.json" "$CONF"; rc=$?
assert_eq "collectd -T exits 1 when libxl_list_domain fails" 1 "$rc"
check "collectd -T (list): the plugin names libxl_list_domain" \
    grep -q 'xenmode plugin: cannot read Xen: .*libxl_list_domain' "$XMC_LOG"

check "no sanitizer report from collectd" xmc_no_sanitizer_report
finish

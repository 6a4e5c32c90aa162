#!/bin/bash
# <Plugin xenmode> configuration in a real collectd on the mixed fake host:
# `Domain` (names and /regex/) with `IgnoreSelected` selecting and
# excluding domains, `ReportPVDevices false`, defaults without a block; an
# unknown option or a bad value is an ERROR naming the option and collectd
# refuses the configuration (exit 1), the daemon included.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require


# The plugin instances collectd has values for, sorted, on one line.
instances() {
    xmc_listval | sed -n "s|^$XMC_HOST/xenmode-\([^/]*\)/.*|\1|p" | sort -u | tr '\n' ' '
}
# reads_after N: dom0-independent progress marker, N more values of the
# domain given in $MARK were written to csv.
reads_after() { test "$(xmc_csv_count "$MARK" gauge-pv)" -ge "$1"; }

# filter_case DESCRIPTION BLOCK WANT-INSTANCES MARK-DOMAIN
filter_case() {
    local desc=$1 block=$2 want=$3
    MARK=$4
    rm -rf "$TL_TMP/csv"
    xmc_conf "$CONF" 0.2 "$block"
    if ! xmc_start "$MIXED" "$CONF"; then not_ok "$desc: collectd starts"; return; fi
    # Three reads after the first value: any other domain would be there.
    wait_until 10 reads_after 4
    assert_eq "$desc" "$want" "$(instances)"
    xmc_stop
}

filter_case "no Domain option: every domain is reported" '' \
    "Domain-0 guest-hvm guest-pv guest-pvh guest-pvhvm guest-shim " Domain-0
filter_case "Domain \"guest-pv\" + Domain \"/^guest-pvh/\": only those are reported" \
    '  Domain "guest-pv"
  Domain "/^guest-pvh/"' \
    "guest-pv guest-pvh guest-pvhvm " guest-pv
filter_case "the same with IgnoreSelected false (the default, explicit)" \
    '  Domain "guest-pv"
  Domain "/^guest-pvh/"
  IgnoreSelected false' \
    "guest-pv guest-pvh guest-pvhvm " guest-pv
filter_case "the same with IgnoreSelected true: those are excluded" \
    '  Domain "guest-pv"
  Domain "/^guest-pvh/"
  IgnoreSelected true' \
    "Domain-0 guest-hvm guest-shim " Domain-0
filter_case "IgnoreSelected true without Domain: nothing is excluded" \
    '  IgnoreSelected true' \
    "Domain-0 guest-hvm guest-pv guest-pvh guest-pvhvm guest-shim " Domain-0

# ReportPVDevices false: no count-* values, the gauges stay.
rm -rf "$TL_TMP/csv"
xmc_conf "$CONF" 0.2 '  ReportPVDevices false'
MARK=guest-pv
if xmc_start "$MIXED" "$CONF"; then
    wait_until 10 reads_after 4
    assert_eq "ReportPVDevices false: no count values" 0 "$(xmc_listval | grep -c '/count-')"
    assert_eq "ReportPVDevices false: the 30 mode gauges remain" 30 \
        "$(xmc_listval | grep -cE "^$XMC_HOST/xenmode-.*/gauge-(pv|pvh|hvm|pvhvm|pv_in_pvh)$")"
    assert_eq "ReportPVDevices false: the 6 guest width / HAP gauges remain" 6 \
        "$(xmc_listval | grep -cE "^$XMC_HOST/xenmode-.*/gauge-(pv_guest_width|hap)$")"
    xmc_stop
else
    not_ok "ReportPVDevices false: collectd starts"
fi

# LoadPlugin without a <Plugin xenmode> block: defaults, collectd -T passes.
xmc_conf "$CONF" 1 ''
sed -i '/^<Plugin xenmode>$/,/^<\/Plugin>$/d' "$CONF"
assert_status "no <Plugin xenmode> block: collectd -T exits 0" 0 xmc_test_config "$MIXED" "$CONF"

# Bad configurations: collectd -T exits 1 and the ERROR names the option
# (and the value). The log goes to the logfile plugin, configured first.
logged() { cat "$XMC_LOG" "$TL_TMP/collectd-T.out" 2>/dev/null | grep -F -q -- "$1"; }
bad_case() {  # DESCRIPTION BLOCK EXPECTED-LOG-TEXT
    xmc_conf "$CONF" 1 "$2"
    xmc_test_config "$MIXED" "$CONF"; local rc=$?
    assert_eq "$1: collectd -T exits 1" 1 "$rc"
    if logged "[error] $3"; then ok "$1: the error names it"
    else not_ok "$1: the error names it"; diag "wanted: [error] $3"; sed 's/^/# /' "$XMC_LOG" "$TL_TMP/collectd-T.out" | tail -8; fi
}
bad_case "unknown option Bogus" '  Bogus "x"' \
    'xenmode plugin: unknown option "Bogus"'
bad_case "misspelt option Domian" '  Domian "guest-pv"' \
    'xenmode plugin: unknown option "Domian"'
bad_case "IgnoreSelected 3" '  IgnoreSelected 3' \
    'xenmode plugin: option "IgnoreSelected": bad value 3: expected exactly one of true or false.'
bad_case "ReportPVDevices \"maybe\"" '  ReportPVDevices "maybe"' \
    'xenmode plugin: option "ReportPVDevices": bad value "maybe"'
bad_case "Interval 0" '  Interval 0' \
    'xenmode plugin: option "Interval": bad value 0: expected one number of seconds'
bad_case "Interval \"fast\"" '  Interval "fast"' \
    'xenmode plugin: option "Interval": bad value "fast"'
bad_case "Timeout 0" '  Timeout 0' \
    'xenmode plugin: option "Timeout": bad value 0: expected one number of seconds, greater than 0 and at most 3600'
bad_case "Timeout \"5s\"" '  Timeout "5s"' \
    'xenmode plugin: option "Timeout": bad value "5s"'
bad_case "Domain with a boolean" '  Domain true' \
    'xenmode plugin: option "Domain": bad value true: expected one string'
bad_case "Domain with two values" '  Domain "a" "b"' \
    'xenmode plugin: option "Domain": bad value "a" "b"'
bad_case "Domain \"\"" '  Domain ""' \
    'xenmode plugin: option "Domain": bad value "": an empty name selects nothing.'
bad_case "Domain with a broken regex" '  Domain "/(/"' \
    'xenmode plugin: option "Domain": bad value "/(/": '
bad_case "a nested block" '  <Domain "x">
    IgnoreSelected true
  </Domain>' \
    'xenmode plugin: option "Domain": unexpected block'
check "collectd itself reports the configuration as failed" \
    grep -q 'Parsing the config file failed' "$TL_TMP/collectd-T.out"

# Every bad option is reported, not only the first.
xmc_conf "$CONF" 1 '  Bogus 1
  IgnoreSelected "perhaps"'
xmc_test_config "$MIXED" "$CONF"
check "two bad options: both are reported" \
    sh -c "grep -q 'unknown option \"Bogus\"' '$XMC_LOG' && grep -q 'option \"IgnoreSelected\": bad value \"perhaps\"' '$XMC_LOG'"

# The daemon refuses to start with a bad configuration, too.
xmc_conf "$CONF" 1 '  Bogus 1'
xmc_exec "$MIXED" "$XMC_COLLECTD" -f -C "$CONF" >"$TL_TMP/daemon.out" 2>&1 &
daemon=$!
daemon_done() { ! kill -0 "$daemon" 2>/dev/null; }
if wait_until 20 daemon_done; then
    wait "$daemon"; rc=$?
    assert_eq "collectd -f with an unknown option exits 1" 1 "$rc"
else
    kill -TERM "$daemon"; wait "$daemon"
    not_ok "collectd -f with an unknown option exits 1"; diag "it kept running"
fi
check "collectd -f with an unknown option: the error names it" grep -q 'unknown option "Bogus"' "$XMC_LOG"

check "no sanitizer report from collectd" xmc_no_sanitizer_report
finish

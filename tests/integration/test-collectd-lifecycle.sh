#!/bin/bash
# The collectd plugin while the fake host changes under a running collectd:
#
# Domains come and go. One guest is added and one removed in a single
# change of the host (fixture rewritten atomically + xenstored-ctl reload,
# finished at time T0). With interval I (0.4 s) the test checks, from the
# dispatch times the csv plugin records for every value:
#   - added: the new domain's first value was dispatched at <= T0 + 2 I,
#     with the right mode;
#   - removed: once values of the other domains dispatched after T0 + 2 I
#     exist, the removed domain has no value dispatched after T0 + 2 I (it
#     stopped being dispatched within two intervals), and then collectd
#     expires it from its cache (unixsock LISTVAL stops listing it, after
#     collectd's Timeout (2) intervals without an update).
#
# Xen failing and coming back. The read callback fails (collectd logs its
# "read-function ... failed" notice per failed read and backs off) while the
# plugin logs one ERROR per change of state, not one per read: libxl
# listing failing -> libxl cannot open (ctx_alloc) -> listing failing again
# (each a different failure: logged once each) -> healthy again ("works
# again" once) -> xenstore down (once) -> up (once). No values are
# dispatched while Xen cannot be read.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

I=0.4
HOST="$TL_TMP/host.json"
cp "$XM_ROOT/tests/fixtures/mixed.json" "$HOST"
xmc_conf "$CONF" "$I" ''

if xmc_start "$HOST" "$CONF"; then ok "collectd starts on the fake host"
else not_ok "collectd starts on the fake host"; finish; exit; fi
check "guest-hvm is reported" wait_until 10 xmc_has_value guest-hvm gauge-hvm 1

# ---- a domain added, one removed -----------------------------------------
xmc_fixture_replace "$HOST" '
  .domains |= map(select(.domid != 3))
  | .domains += [{"domid": 6, "name": "guest-new", "uuid": "5e5e0006-0000-4000-8000-000000000006",
                   "hvm": false, "config": {"type": "pv"},
                   "expect": {"mode": "pv", "pv_devices_connected": {}}}]
  | .xenstore |= with_entries(select(.key | test("^/(libxl|local/domain)/3/|^/local/domain/0/backend/[^/]+/3/") | not))
  | .xenstore["/libxl/6/type"] = "pv"'
check "xenstored-ctl reload applies the change" xmc_ctl reload
T0=$(xmc_now)
LIMIT=$(awk -v t="$T0" -v i="$I" 'BEGIN { printf "%.3f", t + 2 * i }')

check "added: guest-new is reported as pv" wait_until 10 xmc_has_value guest-new gauge-pv 1
first=$(xmc_csv guest-new gauge-pv | head -1 | cut -d, -f1)
diag "added at T0=$T0; its first value was dispatched at $first (limit $LIMIT)"
check "added: the first value of guest-new was dispatched within two intervals" \
    awk -v f="$first" -v l="$LIMIT" 'BEGIN { exit !(f != "" && f <= l) }'

check "the other domains' values go on past T0 + 2 intervals" \
    wait_until 10 xmc_csv_after Domain-0 gauge-pv "$LIMIT"
last=$(xmc_csv_last_time guest-hvm gauge-hvm)
diag "removed at T0=$T0; its last value was dispatched at $last (limit $LIMIT)"
check "removed: guest-hvm had no value dispatched after T0 + 2 intervals" \
    awk -v f="$last" -v l="$LIMIT" 'BEGIN { exit !(f != "" && f <= l) }'
not_listed() { ! xmc_listval | grep -q "^$XMC_HOST/xenmode-guest-hvm/"; }
check "removed: collectd expires guest-hvm from its cache (LISTVAL no longer lists it)" \
    wait_until 10 not_listed
check "removed: still no value for guest-hvm after that" \
    eval '! xmc_csv_after guest-hvm gauge-hvm "$LIMIT"'
check "the added domain keeps being reported" xmc_has_value guest-new gauge-pv 1

# ---- Xen failing and coming back -----------------------------------------
CANNOT='\[error\] xenmode plugin: cannot read Xen: '
AGAIN='\[info\] xenmode plugin: reading Xen works again'
FAILED="read-function of plugin \`xenmode' failed"
failed_reads_at_least() { test "$(xmc_log_count "$FAILED")" -ge "$1"; }
# more_failed_reads N: waits until N more failed reads than now were logged.
more_failed_reads() {
    local want=$(( $(xmc_log_count "$FAILED") + $1 ))
    wait_until 20 failed_reads_at_least "$want"
}
values_after() { xmc_csv_after Domain-0 gauge-pv "$1"; }

assert_eq "healthy so far: no failure logged" "0 0" "$(xmc_log_count "$CANNOT") $(xmc_log_count "$AGAIN")"

# The domain list fails; the collector then drops its libxl context and
# opens a new one for the next read, which fails too (no hypervisor): two
# states, two errors, whatever the number of failed reads.
xmc_fixture_replace "$HOST" '.fail = ["list", "ctx_alloc"]'
check "list + ctx_alloc failing: reads fail (4 failed reads logged by collectd)" more_failed_reads 4
t_fail=$(xmc_log_count "$FAILED")
assert_eq "list + ctx_alloc failing: the plugin logged two errors, not one per read" 2 "$(xmc_log_count "$CANNOT")"
assert_eq "list + ctx_alloc failing: first libxl_list_domain, then Xen is not running" \
    "libxl_list_domain|Xen is not running" \
    "$(sed -n 's/.*cannot read Xen: \(libxl_list_domain\|Xen is not running\).*/\1/p' "$XMC_LOG" | paste -sd'|')"
T_FAILING=$(xmc_now)

# Back to the list failing alone: a new state again, logged once more.
xmc_fixture_replace "$HOST" '.fail = ["list"]'
check "list failing: reads fail (3 more failed reads)" more_failed_reads 3
assert_eq "list failing: a third error (a new state), not one per read" 3 "$(xmc_log_count "$CANNOT")"
check "list failing: the error names libxl_list_domain" \
    sh -c "grep -E '$CANNOT' '$XMC_LOG' | tail -1 | grep -q libxl_list_domain"
assert_eq "still failing: no recovery logged" 0 "$(xmc_log_count "$AGAIN")"
check "no values dispatched while Xen could not be read" eval '! values_after "$T_FAILING"'
diag "$(( $(xmc_log_count "$FAILED") - t_fail + 4 )) failed reads so far"

# Healthy again.
xmc_fixture_replace "$HOST" 'del(.fail)'
T1=$(xmc_now)
check "recovered: values are dispatched again" wait_until 20 values_after "$T1"
recovered_n() { test "$(xmc_log_count "$AGAIN")" = "$1"; }
check "recovered: logged once" wait_until 5 recovered_n 1
check "recovered: the domains are all there" xmc_has_value guest-new gauge-pv 1

# xenstore down, then up.
check "xenstored-ctl stop" xmc_ctl stop
check "xenstore down: reads fail (3 failed reads)" more_failed_reads 3
assert_eq "xenstore down: one more error" 4 "$(xmc_log_count "$CANNOT")"
check "xenstore down: the error names xenstore" \
    sh -c "grep -E '$CANNOT' '$XMC_LOG' | tail -1 | grep -qi xenstore"
check "xenstored-ctl start" xmc_ctl start
T2=$(xmc_now)
check "xenstore up: values are dispatched again" wait_until 20 values_after "$T2"
check "xenstore up: recovery logged once more (2 in all)" wait_until 5 recovered_n 2
check "xenstore up: guest-pvhvm is pvhvm again" wait_until 5 xmc_has_value guest-pvhvm gauge-pvhvm 1
assert_eq "in all: 4 errors and 2 recoveries logged for 10+ failed reads" "4 2" \
    "$(xmc_log_count "$CANNOT") $(xmc_log_count "$AGAIN")"

xmc_stop; rc=$?
assert_eq "collectd exits 0 on SIGTERM" 0 "$rc"
check "no warning from anyone in collectd's log" test "$(xmc_log_count '\[warning\]')" = 0

check "no sanitizer report from collectd" xmc_no_sanitizer_report
finish

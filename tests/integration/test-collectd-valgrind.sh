#!/bin/bash
# valgrind memcheck over a real collectd running the plugin for well over 30
# intervals (Interval 0.1 s) on the fake host, with injected failures: the
# domain list failing, libxl failing to open, xenstore going away and its
# connections being dropped, domains removed and added; then SIGTERM, so
# that the shutdown callback runs.
#
# What counts: every error record and every leak record (definitely,
# indirectly or possibly lost) whose stack has a frame in the plugin or the
# core it links (xenmode.so, collectd-plugin/*.c, core/*/*.c). Records
# without such a frame are collectd's own (the daemon does not free all it
# allocates at exit) and are listed as diagnostics, not failures: that is
# the attribution rule instead of a suppression file, so nothing of ours
# can hide behind a suppression.
#
# Under XM_SANITIZE=1 the plugin carries ASan, which cannot run inside
# valgrind: this test is skipped there (the other collectd tests run the
# ASan build instead).
source "$(dirname "$0")/../lib/collectd-testlib.sh"

if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "valgrind over collectd with the plugin # SKIP the sanitizer build runs ASan/UBSan in the other collectd tests"
    finish; exit 0
fi
xmc_require
command -v valgrind >/dev/null || { ok "valgrind # SKIP valgrind missing"; finish; exit 0; }

HOST="$TL_TMP/host.json"
cp "$XM_ROOT/tests/fixtures/mixed.json" "$HOST"
VGLOG="$TL_TMP/valgrind.log"
xmc_conf "$CONF" 0.1 ''
VG=(valgrind --log-file="$VGLOG" --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --num-callers=40 --child-silent-after-fork=yes)

XMC_START_TIMEOUT=120
if xmc_start "$HOST" "$CONF" "${VG[@]}"; then ok "collectd starts under valgrind"
else not_ok "collectd starts under valgrind"; sed 's/^/# /' "$VGLOG" | tail -20; finish; exit; fi

FAILED="read-function of plugin \`xenmode' failed"
reads() { xmc_csv_count Domain-0 gauge-pv; }
reads_at_least() { test "$(reads)" -ge "$1"; }
failed_at_least() { test "$(xmc_log_count "$FAILED")" -ge "$1"; }
# good_reads N: waits for N more successful reads (values dispatched).
good_reads() { wait_until 120 reads_at_least $(( $(reads) + $1 )); }
# failed_reads N: waits for N more failed reads.
failed_reads() { wait_until 120 failed_at_least $(( $(xmc_log_count "$FAILED") + $1 )); }

check "15 good reads" good_reads 15
xmc_fixture_replace "$HOST" '.fail = ["list"]'
check "list failing: 3 failed reads" failed_reads 3
xmc_fixture_replace "$HOST" '.fail = ["list", "ctx_alloc"]'
check "list + ctx_alloc failing: 3 failed reads" failed_reads 3
xmc_fixture_replace "$HOST" 'del(.fail)'
check "recovered: 5 good reads" good_reads 5
check "xenstored-ctl stop" xmc_ctl stop
check "xenstore down: 3 failed reads" failed_reads 3
check "xenstored-ctl start" xmc_ctl start
check "xenstore back: 5 good reads" good_reads 5
check "xenstored-ctl drop-connections" xmc_ctl drop-connections
check "after dropped connections: 5 good reads" good_reads 5
xmc_fixture_replace "$HOST" '.domains |= map(select(.domid != 4))
    | .domains += [{"domid": 9, "name": "late/guest", "uuid": "5e5e0009-0000-4000-8000-000000000009",
                    "hvm": true, "config": {"type": "pvh"}, "expect": {"mode": "pvh", "pv_devices_connected": {}}}]
    | .xenstore["/libxl/9/type"] = "pvh"'
check "xenstored-ctl reload (guest-pvhvm removed, late/guest added)" xmc_ctl reload
check "after the change: 5 good reads" good_reads 5
check "the added domain (a rewritten name) is reported as pvh" \
    wait_until 60 xmc_has_value "late_guest~$(xmc_fnv1a late/guest)" gauge-pvh 1

good=$(reads) bad=$(xmc_log_count "$FAILED")
diag "$good good reads, $bad failed reads under valgrind"
check "at least 30 intervals in all (good + failed reads: $good + $bad)" test $((good + bad)) -ge 30

xmc_stop; rc=$?
assert_eq "collectd under valgrind exits 0 after SIGTERM" 0 "$rc"
check "valgrind wrote its summary" grep -q 'ERROR SUMMARY' "$VGLOG"

# Split the log into records ("==PID== " blank line separated); keep those
# that are errors or leaks; tell ours from collectd's by their frames.
OURS='xenmode\.so|\((xenmode|xmc_[a-z_]+|xm_[a-z_]+)\.c:[0-9]+\)'
awk -v ours="$OURS" -v mine="$TL_TMP/vg-ours.txt" -v theirs="$TL_TMP/vg-theirs.txt" '
    function flush() {
        if (rec != "" && is_err) {
            if (rec ~ ours) print rec > mine; else print rec > theirs
        }
        rec = ""; is_err = 0
    }
    { sub(/^==[0-9]+== ?/, "") }
    /^$/ { flush(); next }
    {
        if (rec == "" && ($0 ~ /^(Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination|Argument|.* are (definitely|indirectly|possibly) lost)/))
            is_err = 1
        rec = rec $0 "\n"
    }
    END { flush() }' "$VGLOG"
touch "$TL_TMP/vg-ours.txt" "$TL_TMP/vg-theirs.txt"
n_ours=$(grep -cE '^(Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|.* lost)' "$TL_TMP/vg-ours.txt")
n_theirs=$(grep -cE '^(Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|.* lost)' "$TL_TMP/vg-theirs.txt")
if [ "$n_ours" = 0 ]; then
    ok "valgrind: no error and no leak attributable to the plugin or the core"
else
    not_ok "valgrind: no error and no leak attributable to the plugin or the core ($n_ours records)"
    sed 's/^/# /' "$TL_TMP/vg-ours.txt" | head -80
fi
diag "records without a frame of ours (collectd's own): $n_theirs"
grep -E '^(Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|.* lost)' "$TL_TMP/vg-theirs.txt" |
    sort | uniq -c | sed 's/^/#   /' | head -10
grep -E 'definitely lost:|indirectly lost:|possibly lost:|ERROR SUMMARY' "$VGLOG" | sed 's/^==[0-9]*== /#   /'

finish

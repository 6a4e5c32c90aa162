#!/bin/bash
# The plugin's read callback called from several threads at the same time.
# collectd never runs one read callback concurrently (its read threads take
# turns, and the other collectd tests run with ReadThreads 3), so a
# stand-in for the daemon (collectd-plugin/tests/xmc-mock-daemon.c: the
# daemon functions the plugin uses, -rdynamic) loads xenmode.so and runs
# THREADS x READS reads at once on the fake host:
#   - every read succeeds and dispatches the whole host (49 values on the
#     mixed host: 6 domains x 5 modes + 5 device counts + one guest width or
#     HAP gauge per domain + the two PV-driver transition counters of each
#     of the 4 HVM containers; the host-wide capability gauges are not
#     counted), 6 mode gauges = 1;
#   - with the domain list failing, every read fails and the failure is
#     logged once in all, not once per thread or read;
#   - helgrind finds no data race or lock-order problem (plain build; the
#     sanitizer build runs the same reads under ASan/UBSan instead).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
MOCK="$XM_BUILD/collectd-plugin/tests/xmc-mock-daemon"
PLUGIN="$XM_BUILD/xenmode.so"
RUN="$XM_ROOT/tests/fake-host/run"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
for f in "$MOCK" "$PLUGIN" "$RUN"; do
    [ -e "$f" ] || { ok "concurrent reads # SKIP $f is missing"; finish; exit 0; }
done

"$RUN" "$MIXED" -- "$MOCK" "$PLUGIN" 8 40 >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "8 threads x 40 concurrent reads: all succeed" 0 "$rc"
assert_eq "every read dispatched the whole host (49 values)" \
    "total: 320 reads, 0 failed, 15680 values, 49..49 per read, 0 log lines" "$(tail -1 "$TL_TMP/out")"
check "every read had one mode = 1 per domain (6 x 40 per thread)" \
    sh -c "[ \"\$(grep -c ', 240 mode gauges = 1$' '$TL_TMP/out')\" = 8 ]"

"$RUN" "$MIXED" -- "$MOCK" "$PLUGIN" 4 20 guest-pv >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "Domain \"guest-pv\": 8 values per read (5 modes + vbd + vif + guest width)" \
    "0 total: 80 reads, 0 failed, 640 values, 8..8 per read, 0 log lines" "$rc $(tail -1 "$TL_TMP/out")"

XENMODE_FAKE_LIBXL_FAIL=list "$RUN" "$MIXED" -- "$MOCK" "$PLUGIN" 8 20 >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "domain list failing: every read fails" "1 total: 160 reads, 160 failed, 0 values, 0..0 per read, 1 log lines" \
    "$rc $(tail -1 "$TL_TMP/out")"
check "domain list failing: the one log line is the complaint" \
    grep -q '^\[3\] xenmode plugin: cannot read Xen: libxl_list_domain failed' "$TL_TMP/err"

if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "helgrind # SKIP the sanitizer build ran the reads above under ASan/UBSan"
elif ! command -v valgrind >/dev/null; then
    ok "helgrind # SKIP valgrind missing"
else
    "$RUN" "$MIXED" -- valgrind --tool=helgrind --log-file="$TL_TMP/hg.log" "$MOCK" "$PLUGIN" 4 10 \
        >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
    assert_eq "under helgrind: 4 threads x 10 reads succeed" 0 "$rc"
    if grep -q 'ERROR SUMMARY: 0 errors' "$TL_TMP/hg.log"; then
        ok "helgrind: no data race, no lock order violation"
    else
        not_ok "helgrind: no data race, no lock order violation"
        grep -A12 'Possible data race\|lock order' "$TL_TMP/hg.log" | sed 's/^/# /' | head -60
    fi
fi
finish

#!/bin/bash
# The collectd plugin with a stalled xenstored (issue 15, finding 1): a real
# collectd (interval 0.5 s, the stock load plugin beside ours) reads the
# fake host; its xenstored is stopped with SIGSTOP and a new domain forces
# a re-read. With Timeout 2:
#  - the plugin's read gives up: its "xenstored is not answering" error is
#    logged within the deadline plus a margin of the change, and only once
#    while the stall lasts (collectd keeps retrying);
#  - nothing is dispatched for the domains while the stall lasts;
#  - the load plugin goes on reading (a new value during the stall);
#  - after SIGCONT (and the server's reload), the new domain is reported
#    with its mode and the others are dispatched again;
#  - collectd stops with exit 0 afterwards.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

I=0.5
TIMEOUT=2
MARGIN=3
HOST="$TL_TMP/host.json"
cp "$XM_ROOT/tests/fixtures/mixed.json" "$HOST"
xmc_conf "$CONF" "$I" "  Timeout $TIMEOUT" "LoadPlugin load"

if xmc_start "$HOST" "$CONF"; then ok "collectd starts on the fake host"
else not_ok "collectd starts on the fake host"; finish; exit; fi
check "guest-hvm is reported" wait_until 10 xmc_has_value guest-hvm gauge-hvm 1

xenstored_pid() { sed -n 's/^XENMODE_FAKE_XENSTORED_PIDFILE=//p' "$TL_TMP/fakehost.env" | xargs cat; }
load_csv_after() {
    cat "$XMC_CSV"/load/load-[0-9]* 2>/dev/null | grep -v '^epoch' |
        awk -F, -v t="$1" '$1 > t { found = 1 } END { exit !found }'
}
stall_log() { xmc_log_count 'xenmode plugin: cannot read Xen: xenstored is not answering'; }

XSPID=$(xenstored_pid)
kill -STOP "$XSPID"
xmc_fixture_replace "$HOST" '.domains += [{"domid": 9, "name": "late",
    "uuid": "99999999-0000-4000-8000-000000000009", "hvm": false,
    "expect": {"mode": "pv", "pv_devices_connected": {}}}]'
T0=$(xmc_now)
check "the stalled read gives up within ${TIMEOUT}s + ${MARGIN}s (logged)" \
    wait_until $((TIMEOUT + MARGIN)) sh -c "[ \"\$(grep -c 'xenstored is not answering' '$XMC_LOG')\" -ge 1 ]"
T1=$(xmc_now)
diag "stalled at $T0, the plugin gave up by $T1"
check "the load plugin goes on reading during the stall" wait_until 10 load_csv_after "$T1"
sleep 2   # more reads fail while stopped; what is checked is their log and values
assert_eq "one log line while the stall lasts" 1 "$(stall_log)"
last=$(xmc_csv_last_time Domain-0 gauge-pv)
check "nothing dispatched for the domains after the read gave up (last $last)" \
    awk -v f="$last" -v t="$T1" 'BEGIN { exit !(f != "" && f <= t) }'

kill -CONT "$XSPID"
check "xenstored-ctl reload (the new domain's name)" xmc_ctl reload
check "after SIGCONT: the new domain is reported as pv" wait_until 20 xmc_has_value late gauge-pv 1
T2=$(xmc_now)
check "after SIGCONT: the other domains are dispatched again" wait_until 10 xmc_csv_after guest-hvm gauge-hvm "$T2"
ok_all=yes
while read -r name mode; do
    xmc_has_value "$name" "gauge-$mode" 1 || { ok_all=no; diag "$name is not $mode"; }
done < <(xmc_expect "$HOST")
assert_eq "after SIGCONT: every domain has the fixture's mode" yes "$ok_all"
assert_eq "still one stall log line" 1 "$(stall_log)"

xmc_stop; rc=$?
assert_eq "collectd stops with exit 0" 0 "$rc"
check "no sanitizer report" xmc_no_sanitizer_report
finish

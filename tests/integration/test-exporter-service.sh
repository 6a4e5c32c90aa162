#!/bin/bash
# xenmode_exporter as a service: socket activation (--web.systemd-socket
# under systemd-socket-activate), log priorities for the journal
# (JOURNAL_STREAM), --web.disable-exporter-metrics, flags written in full,
# and the privileges it keeps once running (no capability, no core dumps).
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"

# --- --web.systemd-socket ------------------------------------------------------
# systemd-socket-activate listens, and on the first connection execs the
# exporter with the socket as descriptor 3 (LISTEN_FDS=1, LISTEN_PID its pid)
# and only the environment named with -E: the fake host's.
sport=$(free_port)
fake_env=()
for v in XENSTORED_PATH XENMODE_FAKE_FIXTURE LD_PRELOAD ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
    fake_env+=(-E "$v")
done
setsid "$XE_RUN" "$MIXED" -- bash -c 'echo $$ >"$0/sa.pid"; exec "$@"' "$TL_TMP" \
    systemd-socket-activate "${fake_env[@]}" -l "127.0.0.1:$sport" "$XE_BIN" --web.systemd-socket \
    >"$TL_TMP/sa.out" 2>"$TL_TMP/sa.log" </dev/null &
sa_pg=$!
on_exit "kill -TERM -- -$sa_pg 2>/dev/null"
check "systemd-socket-activate listens" wait_until 10 grep -q "Listening on 127.0.0.1:$sport" "$TL_TMP/sa.log"
page=$(curl -s --max-time 30 "http://127.0.0.1:$sport/metrics")
assert_eq "--web.systemd-socket: the socket systemd passed serves /metrics (xen_up 1)" 1 \
    "$(sed -n 's/^xen_up //p' <<<"$page")"
check "the log names the passed socket" grep -q "msg=listening address=127.0.0.1:$sport" "$TL_TMP/sa.log"
kill -TERM "$(cat "$TL_TMP/sa.pid")"
check "and it stops on SIGTERM" wait_until 10 bash -c "! kill -0 $sa_pg 2>/dev/null"
out=$(env -u LISTEN_FDS -u LISTEN_PID "$XE_BIN" --web.systemd-socket 2>&1); rc=$?
assert_eq "--web.systemd-socket without systemd's sockets: exit 1" 1 "$rc"
check "... with one line saying systemd passed no socket" grep -q 'systemd passed no socket' <<<"$out"

# --- JOURNAL_STREAM ------------------------------------------------------------
# The log file is created first so its device and inode can be named; the
# exporter's stderr is that file (truncated, same inode).
mkdir -p "$TL_TMP/xe-journal" && : >"$TL_TMP/xe-journal/log"
jstream=$(stat -c '%d:%i' "$TL_TMP/xe-journal/log")
xe_start journal "$MIXED" --env "JOURNAL_STREAM=$jstream" -- --log.level=debug --xen.config-dir=/nonexistent
check "exporter with JOURNAL_STREAM answers" xe_wait_ready journal
xe_get journal >/dev/null
jlog="$TL_TMP/xe-journal/log"
check "stderr is the journal stream: info lines start with <6>" grep -q '^<6>ts=.* level=info msg=listening' "$jlog"
check "debug lines start with <7>" grep -q '^<7>ts=.* level=debug msg=request' "$jlog"
check "warnings start with <4>" grep -q '^<4>ts=.* level=warn ' "$jlog"
check "every line carries a priority" bash -c "! grep -qv '^<[3467]>ts=' '$jlog'"
xe_start notjournal "$MIXED" --env "JOURNAL_STREAM=1:2" --
check "exporter with another stream in JOURNAL_STREAM answers" xe_wait_ready notjournal
check "stderr is not that stream: no priority prefix" bash -c "grep -q '^ts=' '${XE_DIR[notjournal]}/log' && ! grep -q '^<' '${XE_DIR[notjournal]}/log'"
xe_stop journal; xe_stop notjournal

# --- --web.disable-exporter-metrics -------------------------------------------------
xe_start quiet "$MIXED" -- --web.disable-exporter-metrics
check "exporter with --web.disable-exporter-metrics answers" xe_wait_ready quiet
xe_get quiet >"$TL_TMP/quiet.txt"
assert_eq "no process_*, no xen_exporter_*, no build info" 0 \
    "$(grep -cE '^(# (HELP|TYPE) )?(process_|xen_exporter_|xenmode_exporter_)' "$TL_TMP/quiet.txt")"
check "the Xen families stay (xen_up 1, domains, xen_hypervisor_info)" bash -c \
    "grep -q '^xen_up 1$' '$TL_TMP/quiet.txt' && grep -q '^xen_domain_virt_mode{' '$TL_TMP/quiet.txt' && grep -q '^xen_hypervisor_info{' '$TL_TMP/quiet.txt'"
check "the page still passes promtool" promtool check metrics <"$TL_TMP/quiet.txt"
xe_stop quiet

# --- flags in full ---------------------------------------------------------------
for abbrev in --web.listen=:1 --web.listen-addr=:1 --log.lev=debug --vers --he --no-xen.cach; do
    err=$("$XE_BIN" "$abbrev" 2>&1 >/dev/null); rc=$?
    check "abbreviation $abbrev: exit 2, named as unknown" \
        test "$rc" = 2 -a -n "$(grep -F "unknown or malformed flag $abbrev" <<<"$err")"
done
err=$("$XE_BIN" --web.systemd-socket=yes 2>&1 >/dev/null); rc=$?
check "a switch given a value: exit 2" test "$rc" = 2

# --- privileges once running -------------------------------------------------------
xe_start privs "$MIXED" --
check "exporter answers" xe_wait_ready privs
pid=$(cat "${XE_DIR[privs]}/pid")
xe_get privs >/dev/null
for field in CapInh CapPrm CapEff CapBnd CapAmb; do
    vals=$(cat /proc/"$pid"/task/*/status | sed -n "s/^$field:[[:space:]]*//p" | sort -u)
    assert_eq "$field is empty in every thread" 0000000000000000 "$vals"
done
assert_eq "no_new_privs is set in every thread" 1 \
    "$(cat /proc/"$pid"/task/*/status | sed -n 's/^NoNewPrivs:[[:space:]]*//p' | sort -u)"
assert_eq "core dumps are off (core size limit 0)" 0 \
    "$(awk '/^Max core file size/ { print $5 }' /proc/"$pid"/limits)"
xe_ctl privs reload
check "without capabilities it still reads Xen (xen_up 1 after a reload)" test "$(xe_up privs)" = 1

xe_finish

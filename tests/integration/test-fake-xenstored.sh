#!/usr/bin/env bash
# fake-xenstored against the real libxenstore clients (xenstore-utils):
# reads, directories (including the DIRECTORY_PART path), writes, removals,
# watches, reloads, request counters, dropped connections and a restart
# after kill -9 on the same socket path.
source "$(dirname "$0")/../lib/testlib.sh"

FAKES=$XM_BUILD/tests/fakes
SERVER=$FAKES/fake-xenstored
CTL=$FAKES/xsfake-ctl

tl_tmpdir
SOCK=$TL_TMP/xenstored.sock
CONTROL=$TL_TMP/control.sock
PIDFILE=$TL_TMP/xenstored.pid
FIXTURE=$TL_TMP/host.json
export XENSTORED_PATH=$SOCK

for tool in xenstore-read xenstore-ls xenstore-list xenstore-write xenstore-rm xenstore-watch; do
    command -v "$tool" >/dev/null || { not_ok "$tool is installed (xenstore-utils)"; finish; exit; }
done
if [ ! -x "$SERVER" ] || [ ! -x "$CTL" ]; then
    not_ok "fake-xenstored and xsfake-ctl are built in $FAKES"; finish; exit
fi

# write_fixture EXTRA_DOMAINS EXTRA_KEYS: the test host, plus domains and
# keys (JSON fragments, each starting with a comma) for the reload tests.
# Replaced atomically, as tests/README.md asks.
write_fixture() {
    local big="" i
    # 300 names of 28 bytes: 8400 bytes, over the 4096-byte payload limit.
    for (( i = 0; i < 300; i++ )); do
        big+=$(printf ', "/big/entry-with-a-long-name-%04d": "%d"' "$i" "$i")
    done
    cat >"$FIXTURE.tmp" <<EOF
{
  "domains": [
    {"domid": 0, "name": "Domain-0"},
    {"domid": 3, "name": "db"},
    {"domid": 7, "name": "web"},
    {"domid": 9, "name": "ghost", "vanish_after_list": true}$1
  ],
  "xenstore": {
    "/libxl/7/type": "pvh",
    "/local/domain/7/name": "web-from-xenstore",
    "/local/domain/7/device/vif/0/state": "4",
    "/libxl/9/type": "pv",
    "/local/domain/9/device/vbd/51712/state": "4",
    "/empty": ""$big$2
  }
}
EOF
    mv "$FIXTURE.tmp" "$FIXTURE"
}

SERVER_PID=
start_server() {
    rm -f "$PIDFILE"
    "$SERVER" --socket "$SOCK" --fixture "$FIXTURE" --control "$CONTROL" \
        --pidfile "$PIDFILE" 2>>"$TL_TMP/server.log" &
    SERVER_PID=$!
    # The sockets exist before the pidfile is written.
    wait_until 20 test -s "$PIDFILE"
}
stop_server() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID"
}
on_exit stop_server

ctl() { "$CTL" --control "$CONTROL" "$@"; }
ctl_quiet() { ctl "$@" >/dev/null; }
# counter NAME: one counter of the stats line.
counter() { ctl stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }
lines() { wc -l <"$1" 2>/dev/null || echo 0; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
not_running() { ! kill -0 "$1" 2>/dev/null; }

# --- start-up ---------------------------------------------------------------
printf '{"domains": [' >"$TL_TMP/bad.json"
"$SERVER" --socket "$TL_TMP/bad.sock" --fixture "$TL_TMP/bad.json" 2>"$TL_TMP/bad.err"
assert_eq "invalid fixture: exit status 2" 2 $?
check "invalid fixture: one error line naming the file" \
    test "$(wc -l <"$TL_TMP/bad.err")" = 1 -a -n "$(grep -F "$TL_TMP/bad.json" "$TL_TMP/bad.err")"
"$SERVER" --socket "$TL_TMP/bad.sock" --fixture "$FIXTURE" --bogus 2>/dev/null
assert_eq "unknown flag: exit status 2" 2 $?

write_fixture "" ""
check "server starts and writes its pidfile" start_server
check "socket exists once the pidfile does" test -S "$SOCK"

# --- reads and directories ----------------------------------------------------
assert_eq "read a fixture key" "pvh" "$(xenstore-read /libxl/7/type)"
assert_eq "fixture xenstore name wins over domains[].name" "web-from-xenstore" \
    "$(xenstore-read /local/domain/7/name)"
assert_eq "domains[].name written when xenstore lacks it" "db" "$(xenstore-read /local/domain/3/name)"
assert_eq "domid key written" "3" "$(xenstore-read /local/domain/3/domid)"
assert_eq "parent created with an empty value" "" "$(xenstore-read /local/domain/7/device)"
assert_status "missing key: xenstore-read fails" 1 xenstore-read /no/such/key 2>/dev/null
assert_eq "directory lists children in creation order" "name
device
domid" "$(xenstore-list /local/domain/7)"
assert_eq "xenstore-ls shows values" '0 = ""
 state = "4"' "$(xenstore-ls /local/domain/7/device/vif)"
ctl reset-stats >/dev/null
xenstore-list /big >"$TL_TMP/big.out"
assert_eq "large directory (DIRECTORY_PART): all 300 names" 300 "$(wc -l <"$TL_TMP/big.out")"
assert_eq "large directory: first and last name in order" \
    "entry-with-a-long-name-0000 entry-with-a-long-name-0299" \
    "$(sed -n '1p;$p' "$TL_TMP/big.out" | tr '\n' ' ' | sed 's/ $//')"
# 146 names of 28 bytes fit in a part: DIRECTORY (E2BIG), then 3 parts.
assert_eq "large directory: one DIRECTORY refused, then 3 DIRECTORY_PART" \
    "DIRECTORY=1 DIRECTORY_PART=3" \
    "$(ctl stats-types | tr ' ' '\n' | grep -E '^DIRECTORY(_PART)?=' | tr '\n' ' ' | sed 's/ $//')"

# --- vanish_after_list ----------------------------------------------------------
assert_status "vanished domain: /local/domain/9/... absent" 1 \
    xenstore-read /local/domain/9/device/vbd/51712/state 2>/dev/null
assert_status "vanished domain: /libxl/9 absent" 1 xenstore-read /libxl/9/type 2>/dev/null
assert_eq "vanished domain not listed" "0 3 7" \
    "$(xenstore-list /local/domain | sort -n | tr '\n' ' ' | sed 's/ $//')"

# --- write and rm ---------------------------------------------------------------
xenstore-write /test/a/b "hello world"
assert_eq "write then read" "hello world" "$(xenstore-read /test/a/b)"
assert_eq "write creates parents" "" "$(xenstore-read /test/a)"
xenstore-rm /test/a
assert_status "rm removes the subtree" 1 xenstore-read /test/a/b 2>/dev/null
assert_status "rm of a missing node under an existing parent succeeds" 0 xenstore-rm /test/zzz
assert_status "rm with a missing parent fails" 1 xenstore-rm /nope/zzz 2>/dev/null

# --- request counters -------------------------------------------------------------
ctl reset-stats >/dev/null
xenstore-read /libxl/7/type /local/domain/3/name >/dev/null
# Two paths: TRANSACTION_START, READ, READ, TRANSACTION_END.
assert_eq "stats: exact request count of xenstore-read with two paths" \
    "requests=4 read=2 other=2" "requests=$(counter requests) read=$(counter read) other=$(counter other)"
assert_eq "stats: control commands are not counted" 4 "$(counter requests)"

# --- watches ---------------------------------------------------------------------
xenstore-watch -n 5 /local/domain/7 >"$TL_TMP/watch7.out" &
W7=$!
check "watch: initial event" wait_until 10 has_lines "$TL_TMP/watch7.out" 1
assert_eq "watch: stats count the watch" 1 "$(counter watches)"
xenstore-write /local/domain/7/memory 1024
check "watch: event after a write" wait_until 10 has_lines "$TL_TMP/watch7.out" 2
# A key given twice makes the file invalid: the reload must be refused.
write_fixture "" ', "/local/domain/7/name": "renamed"'
assert_eq "reload of an invalid fixture is refused" "error" "$(ctl reload | cut -d' ' -f1)"
assert_eq "store kept after a refused reload" "1024" "$(xenstore-read /local/domain/7/memory)"
write_fixture "" ""
sed -i 's/"web-from-xenstore"/"renamed"/' "$FIXTURE"
assert_eq "reload of a changed fixture" "ok" "$(ctl reload)"
# The reload removes memory (not in the fixture), then changes name.
check "watch: events after a reload" wait_until 10 has_lines "$TL_TMP/watch7.out" 4
xenstore-rm /local/domain/7/device/vif/0
check "watch: event after an rm below the watch" wait_until 10 has_lines "$TL_TMP/watch7.out" 5
check "watch client exits after its 5 events" wait_until 10 not_running "$W7"
assert_eq "watch: event paths" "/local/domain/7
/local/domain/7/memory
/local/domain/7/memory
/local/domain/7/name
/local/domain/7/device/vif/0" "$(cat "$TL_TMP/watch7.out")"
assert_eq "reload applied the new value" "renamed" "$(xenstore-read /local/domain/7/name)"
assert_status "reload removed a key the fixture lacks" 1 xenstore-read /local/domain/7/memory 2>/dev/null

# --- @introduceDomain / @releaseDomain ---------------------------------------------
xenstore-watch -n 4 @introduceDomain @releaseDomain >"$TL_TMP/special.out" &
WS=$!
check "special watches: initial events" wait_until 10 has_lines "$TL_TMP/special.out" 2
# Domain 12 appears, domain 3 goes away.
write_fixture ', {"domid": 12, "name": "new"}' ''
sed -i '/"domid": 3,/d' "$FIXTURE"
assert_eq "reload adding and removing domains" "ok" "$(ctl reload)"
check "special watches: events after the reload" wait_until 10 has_lines "$TL_TMP/special.out" 4
assert_eq "@introduceDomain and @releaseDomain fired once each" "@introduceDomain
@introduceDomain
@releaseDomain
@releaseDomain" "$(sort "$TL_TMP/special.out")"
assert_eq "added domain readable" "new" "$(xenstore-read /local/domain/12/name)"
assert_status "removed domain gone" 1 xenstore-read /local/domain/3/name 2>/dev/null
wait_until 10 not_running "$WS"

# --- control write/rm -------------------------------------------------------------
assert_eq "control write" "ok" "$(ctl write /ctl/key 'two\nlines')"
assert_eq "control write decodes \\n" "two
lines" "$(xenstore-read -R /ctl/key)"
assert_eq "control rm" "ok" "$(ctl rm /ctl)"
assert_status "control rm removed the node" 1 xenstore-read /ctl/key 2>/dev/null
assert_eq "unknown control command: error reply" "error unknown command: no-such-command" \
    "$(ctl no-such-command)"
assert_status "xsfake-ctl exits 1 on an error reply" 1 ctl_quiet no-such-command
assert_status "xsfake-ctl exits 2 when the server is unreachable" 2 \
    "$CTL" --control "$TL_TMP/no-such.sock" stats 2>/dev/null

# --- drop-connections ----------------------------------------------------------------
xenstore-watch -n 3 /dropped >"$TL_TMP/drop.out" &
WD=$!
wait_until 10 has_lines "$TL_TMP/drop.out" 1
assert_eq "one client connected before the drop" 1 "$(counter connections)"
assert_eq "drop-connections" "ok" "$(ctl drop-connections)"
# libxenstore's reader thread sees EOF; xs_read_watch then fails at once.
check "dropped client notices and exits" wait_until 10 not_running "$WD"
assert_eq "no clients after the drop" "0 0" "$(counter connections) $(counter watches)"
assert_eq "new clients are served after the drop" "pvh" "$(xenstore-read /libxl/7/type)"

# --- kill -9 and restart on the same path -------------------------------------------------
xenstore-write /scratch yes
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
check "stale socket left by kill -9" test -S "$SOCK"
check "restart on the same socket path" start_server
assert_eq "restarted server serves the fixture" "new" "$(xenstore-read /local/domain/12/name)"
assert_status "restarted server starts from the fixture only" 1 xenstore-read /scratch 2>/dev/null

# --- shutdown ---------------------------------------------------------------------------
kill -TERM "$SERVER_PID"; wait "$SERVER_PID"
assert_eq "SIGTERM: exit status 0" 0 $?
check "SIGTERM: sockets removed" test ! -e "$SOCK" -a ! -e "$CONTROL"
SERVER_PID=
check "server log has no errors" test ! -s "$TL_TMP/server.log"

finish

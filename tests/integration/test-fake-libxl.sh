#!/bin/bash
# The fake libxl (tests/fakes/libxl), driven call by call by fakexl-probe, a
# program linked against the real libxenlight: what it lists and stores,
# its failure injection (environment and fixture, changed while a process
# runs), its failure without a fixture compared with the real libxl on this
# machine, thread safety, valgrind; then tests/fake-host/run and
# tests/fake-host/xenstored-ctl around the xenstore test server.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
FAKES=$XM_BUILD/tests/fakes
PROBE=$FAKES/fakexl-probe
FAKEXL=$FAKES/libxenmode-fakexl.so
RUN=$XM_ROOT/tests/fake-host/run
XSCTL=$XM_ROOT/tests/fake-host/xenstored-ctl
FIX=$TL_TMP/host.json

if [ ! -x "$PROBE" ] || [ ! -f "$FAKEXL" ]; then
    not_ok "fakexl-probe and libxenmode-fakexl.so are built in $FAKES"
    finish; exit
fi
# A sanitizer build of the fake runs in processes where libasan is not first.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# write_fixture: stdin replaces the fixture atomically, as tests/README.md asks.
write_fixture() { cat >"$FIX.tmp" && mv "$FIX.tmp" "$FIX"; }
uuid() { printf '5e5e%04d-0000-4000-8000-%012d' "$1" "$1"; }
# fixture [FAIL-JSON-LIST] [EXTRA-DOMAINS]: the test host.
fixture() {
    local fail=
    [ -n "${1:-}" ] && fail="\"fail\": $1,"
    write_fixture <<EOF
{
  "xen_version": "4.18.0-rc2", $fail
  "domains": [
    {"domid": 7, "name": "web", "uuid": "$(uuid 7)", "hvm": true, "config": {"type": "pvh", "pvshim": false}},
    {"domid": 0, "name": "Domain-0", "uuid": "00000000-0000-0000-0000-000000000000", "hvm": false},
    {"domid": 3, "name": "db", "uuid": "$(uuid 3)", "hvm": false, "config": {"type": "pv"}},
    {"domid": 5, "name": "shim", "uuid": "$(uuid 5)", "hvm": true, "config": {"type": "pvh", "pvshim": true}},
    {"domid": 6, "name": "plain-pvh", "uuid": "$(uuid 6)", "hvm": true, "config": {"type": "pvh"}},
    {"domid": 8, "name": "win", "uuid": "5E5E0008-0000-4000-8000-00000000ABCD", "hvm": true, "config": {"type": "hvm"}},
    {"domid": 9, "name": "ghost", "uuid": "$(uuid 9)", "hvm": false, "config": {"type": "pv"}, "vanish_after_list": true},
    {"domid": 10, "name": "garbage", "uuid": "$(uuid 10)", "hvm": true, "config_raw": "not json {"},
    {"domid": 11, "name": "empty", "uuid": "$(uuid 11)", "hvm": false, "config_raw": ""}$2
  ],
  "xenstore": {"/local/domain/7/name": "web-from-xenstore"}
}
EOF
}
fixture

# fake [VAR=VALUE...]: the probe with the fake preloaded, commands on stdin;
# the "." lines that end each answer are dropped.
# The second env takes the arguments, so "-u NAME" works too.
fake() {
    env LD_PRELOAD="$FAKEXL" XENMODE_FAKE_FIXTURE="$FIX" env "$@" "$PROBE" | grep -v '^\.$'
}
real() { "$PROBE" | grep -v '^\.$'; }

# --- listing -------------------------------------------------------------------
assert_eq "list: every domain in domid order, uuid, HVM flag as type" \
"alloc rc=0 errno=0 ctx=set
dom 0 00000000-0000-0000-0000-000000000000 pv running=1 memkb=1048576
dom 3 $(uuid 3) pv running=1 memkb=524288
dom 5 $(uuid 5) hvm running=1 memkb=524288
dom 6 $(uuid 6) hvm running=1 memkb=524288
dom 7 $(uuid 7) hvm running=1 memkb=524288
dom 8 5e5e0008-0000-4000-8000-00000000abcd hvm running=1 memkb=524288
dom 9 $(uuid 9) pv running=1 memkb=524288
dom 10 $(uuid 10) hvm running=1 memkb=524288
dom 11 $(uuid 11) pv running=1 memkb=524288
list n=9
free rc=0" "$(printf 'alloc\nlist\nfree\n' | fake)"

echo '{"domains": []}' >"$TL_TMP/nodoms.json"
assert_eq "no domains: NULL and nothing logged, as the real one (it allocates per batch found)" \
    "list NULL nb=0 errno=0" "$(printf 'alloc\nlist\n' | fake XENMODE_FAKE_FIXTURE="$TL_TMP/nodoms.json" | grep -v '^alloc')"

assert_eq "domain_info: known, vanished, unknown, NULL info_r" \
"info rc=0 domid=3 type=pv
info rc=0 domid=7 type=hvm
info rc=-21
info rc=-21
info rc=0
info rc=-21" "$(printf 'alloc\ninfo 3\ninfo 7\ninfo 9\ninfo 99\ninfo 7 null\ninfo 99 null\n' | fake | grep '^info')"

assert_eq "version from the fixture" "version 4 18 .0-rc2" "$(printf 'alloc\nversion\n' | fake | grep '^version')"
sed 's/"xen_version": "4.18.0-rc2",//' "$FIX" >"$TL_TMP/nover.json"
assert_eq "version defaults to 4.17.7" "version 4 17 .7" \
    "$(printf 'alloc\nversion\n' | fake XENMODE_FAKE_FIXTURE="$TL_TMP/nover.json" | grep '^version')"

assert_eq "domid_to_name: xenstore key, domain name, vanished, unknown" \
"name web-from-xenstore
name db
name (null)
name (null)" "$(printf 'alloc\nname 7\nname 3\nname 9\nname 99\n' | fake | grep '^name')"

# --- stored configuration (libxl_userdata_retrieve "libxl-json") ------------------
ud() { printf 'alloc\nuserdata %s\n' "$*" | fake | grep -v '^alloc'; }
json() { tr -d '\0' <"$1" | jq -c "$2"; }
for d in 3 5 6 7 8 0 10; do ud "$d libxl-json $TL_TMP/ud.$d" >"$TL_TMP/ud.$d.out"; done

assert_eq "pvshim false is the defbool \"False\"" '"False"' "$(json "$TL_TMP/ud.7" '.b_info["type.pvh"].pvshim')"
assert_eq "pvshim true is \"True\"" '"True"' "$(json "$TL_TMP/ud.5" '.b_info["type.pvh"].pvshim')"
assert_eq "pvshim absent stays absent" 'false' "$(json "$TL_TMP/ud.6" '.b_info["type.pvh"] | has("pvshim")')"
assert_eq "c_info: type, name, canonical uuid" \
    '{"type":"hvm","name":"win","uuid":"5e5e0008-0000-4000-8000-00000000abcd"}' "$(json "$TL_TMP/ud.8" '.c_info')"
assert_eq "pv config: union member type.pv" '["sched_params","type.pv","arch_arm","arch_x86"]' \
    "$(json "$TL_TMP/ud.3" '.b_info | keys_unsorted')"
assert_eq "length counts the NUL libxl stores" "userdata rc=0 len=$(stat -c %s "$TL_TMP/ud.7") data=set" \
    "$(cat "$TL_TMP/ud.7.out")"
assert_eq "stored JSON ends with a newline and a NUL" "0a00" "$(tail -c 2 "$TL_TMP/ud.7" | od -An -tx1 | tr -d ' ')"
assert_eq "no stored configuration: 0, no data, length 0" "userdata rc=0 len=0 data=null" "$(cat "$TL_TMP/ud.0.out")"
assert_eq "config_raw served verbatim" "not json {" "$(cat "$TL_TMP/ud.10")"
assert_eq "config_raw length has no NUL added" "userdata rc=0 len=10 data=set" "$(cat "$TL_TMP/ud.10.out")"
assert_eq "empty config_raw: ERROR_FAIL, as for an empty userdata file" \
"log error -1 libxl: libxl_dom.c:1377:libxl__userdata_retrieve: userdata file /var/lib/xen/userdata-d.11.$(uuid 11).libxl-json is empty
userdata rc=-3" "$(ud 11)"
assert_eq "vanished domain: ERROR_LOCK_FAIL (the path needs domain_info)" "userdata rc=-15" "$(ud 9 | grep -v '^log')"
check "vanished domain: logged as libxl__userdata_path does" \
    sh -c "printf 'alloc\nuserdata 9\n' | env LD_PRELOAD='$FAKEXL' XENMODE_FAKE_FIXTURE='$FIX' '$PROBE' | grep -q 'libxl_dom.c:1216:libxl__userdata_path: unable to find domain info for domain 9'"
assert_eq "unknown domain: ERROR_LOCK_FAIL" "userdata rc=-15" "$(ud 99 | grep -v '^log')"
assert_eq "another userid: no file, 0 and no data" "userdata rc=0 len=0 data=null" "$(ud 7 xl)"
assert_eq "NULL data_r: only the length" "userdata rc=0 len=$(stat -c %s "$TL_TMP/ud.7") data=null" "$(ud 7 libxl-json - lenonly)"

# The same JSON as the real libxl_domain_config_to_json writes for the config.
for spec in "3 pv db -" "8 hvm win -" "6 pvh plain-pvh -" "7 pvh web 0" "5 pvh shim 1"; do
    set -- $spec
    u=$(tr -d '\0' <"$TL_TMP/ud.$1" | jq -r .c_info.uuid)
    printf 'realjson %s %s %s %s %s\n' "$2" "$3" "$u" "$4" "$TL_TMP/real.$1" | real >/dev/null
    assert_eq "domain $1 ($2, pvshim $4): same JSON as libxl_domain_config_to_json" \
        "$(tr -d '\0' <"$TL_TMP/real.$1" | jq -S .)" "$(tr -d '\0' <"$TL_TMP/ud.$1" | jq -S .)"
done

# --- without Xen: the real libxl here, and the fake without a fixture ------------------
if [ -e /dev/xen/privcmd ] || [ -e /proc/xen/privcmd ]; then
    ok "real libxl_ctx_alloc fails without Xen # SKIP this machine runs Xen"
    REAL_NOXEN=
else
    REAL_NOXEN=$(printf 'alloc\n' | real)
    assert_eq "real libxl_ctx_alloc here: ERROR_FAIL, ENOENT, ctx NULL, two errors logged" \
"log error 2 xencall: Could not obtain handle on privileged command interface
log error 2 libxl: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle
alloc rc=-3 errno=2 ctx=null" "$REAL_NOXEN"
fi
noxen_case() {  # DESCRIPTION ENV...
    local desc=$1; shift
    local got; got=$(printf 'alloc\n' | fake "$@" 2>/dev/null)
    if [ -n "$REAL_NOXEN" ]; then
        assert_eq "$desc: fails exactly as the real libxl here" "$REAL_NOXEN" "$got"
    else
        assert_eq "$desc: fails with ERROR_FAIL, ENOENT" "alloc rc=-3 errno=2 ctx=null" "$(echo "$got" | grep '^alloc')"
    fi
}
noxen_case "fixture unset" -u XENMODE_FAKE_FIXTURE
noxen_case "fixture missing" XENMODE_FAKE_FIXTURE="$TL_TMP/none.json"
printf '{"domains": [' >"$TL_TMP/bad.json"
noxen_case "fixture invalid" XENMODE_FAKE_FIXTURE="$TL_TMP/bad.json"
check "fixture invalid: named on stderr" sh -c \
    "printf 'alloc\n' | env LD_PRELOAD='$FAKEXL' XENMODE_FAKE_FIXTURE='$TL_TMP/bad.json' '$PROBE' 2>&1 >/dev/null | grep -qF '$TL_TMP/bad.json'"
noxen_case "XENMODE_FAKE_LIBXL_FAIL=ctx_alloc" XENMODE_FAKE_LIBXL_FAIL=ctx_alloc
assert_eq "wrong LIBXL_VERSION: ERROR_VERSION, nothing logged, as the real one" \
    "$(printf 'alloc badversion\n' | real)" "$(printf 'alloc badversion\n' | fake)"

# (The group's stderr takes bash's "Aborted" notice.)
{ printf 'alloc nolog\n' | env LD_PRELOAD="$FAKEXL" XENMODE_FAKE_FIXTURE="$FIX" "$PROBE" >/dev/null 2>"$TL_TMP/nolog.err"; } 2>/dev/null
assert_eq "NULL logger: abort()" 134 $?
check "NULL logger: says why" grep -q 'libxl_ctx_alloc called with a NULL logger' "$TL_TMP/nolog.err"

# --- failure injection by the environment ------------------------------------------
LIST_FAIL="log error 1 libxl: libxl_domain.c:335:libxl_list_domain: getting domain info list
list NULL nb=0 errno=1"
INFO_FAIL="log error 1 libxl: libxl_domain.c:354:libxl_domain_info: Domain 7:Getting domain info list
info rc=-3"
UD_FAIL="log error 5 libxl: libxl_utils.c:336:libxl_read_file_contents: failed to open /var/lib/xen/userdata-d.7.$(uuid 7).libxl-json
userdata rc=-3"
assert_eq "env list: NULL, nb 0, logged" "$LIST_FAIL" \
    "$(printf 'alloc\nlist\n' | fake XENMODE_FAKE_LIBXL_FAIL=list | grep -v '^alloc')"
assert_eq "env domain_info: ERROR_FAIL, logged" "$INFO_FAIL" \
    "$(printf 'alloc\ninfo 7\n' | fake XENMODE_FAKE_LIBXL_FAIL=domain_info | grep -v '^alloc')"
assert_eq "env userdata: ERROR_FAIL, logged" "$UD_FAIL" \
    "$(printf 'alloc\nuserdata 7\n' | fake XENMODE_FAKE_LIBXL_FAIL=userdata | grep -v '^alloc')"
assert_eq "env comma list: list and userdata fail, info works" \
"list NULL nb=0 errno=1
info rc=0 domid=7 type=hvm
userdata rc=-3" "$(printf 'alloc\nlist\ninfo 7\nuserdata 7\n' | fake XENMODE_FAKE_LIBXL_FAIL=userdata,list | grep -v '^log\|^alloc')"
assert_eq "env read at every call (setenv in the process)" \
"list n=9
list NULL nb=0 errno=1
list n=9" "$(printf 'alloc\nlist\nsetenv XENMODE_FAKE_LIBXL_FAIL list\nlist\nunsetenv XENMODE_FAKE_LIBXL_FAIL\nlist\n' | fake | grep '^list')"

# --- failure injection by the fixture, changed while one process runs ----------------
coproc PROBE_P { env LD_PRELOAD="$FAKEXL" XENMODE_FAKE_FIXTURE="$FIX" "$PROBE" 2>"$TL_TMP/coproc.err"; }
on_exit "kill $PROBE_P_PID"
# ask COMMAND: one command to the running probe; its answer in $ANSWER.
ask() {
    local line
    ANSWER=
    echo "$*" >&"${PROBE_P[1]}"
    while IFS= read -r -t 10 line <&"${PROBE_P[0]}"; do
        [ "$line" = . ] && break
        ANSWER+=${ANSWER:+$'\n'}$line
    done
}
ask alloc
assert_eq "running probe: context allocated" "alloc rc=0 errno=0 ctx=set" "$ANSWER"
ask list
assert_eq "running probe: listed" "list n=9" "$(echo "$ANSWER" | tail -1)"
fixture '["list"]'
ask list
assert_eq "fixture fail list, changed while running: NULL, logged" "$LIST_FAIL" "$ANSWER"
fixture '["domain_info"]'
ask info 7
assert_eq "fixture fail domain_info: ERROR_FAIL, logged" "$INFO_FAIL" "$ANSWER"
ask userdata 7
assert_eq "fixture fail domain_info: userdata cannot find the domain either" "userdata rc=-15" \
    "$(echo "$ANSWER" | grep -v '^log')"
fixture '["userdata"]'
ask userdata 7
assert_eq "fixture fail userdata: ERROR_FAIL, logged" "$UD_FAIL" "$ANSWER"
ask info 7
assert_eq "fixture fail userdata: domain_info still works" "info rc=0 domid=7 type=hvm" "$ANSWER"
fixture '[]' ', {"domid": 12, "name": "new", "uuid": "'"$(uuid 12)"'", "hvm": false}'
ask list
assert_eq "fixture changed: failures gone, a new domain listed" "list n=10" "$(echo "$ANSWER" | tail -1)"
# Same inode and size, only the mtime differs: still re-read.
sed 's/"web-from-xenstore"/"web-from-xenstorE"/' "$FIX" >"$TL_TMP/same-size.json"
cat "$TL_TMP/same-size.json" >"$FIX"
touch -m -d "@$(( $(date +%s) + 100 ))" "$FIX"
ask name 7
assert_eq "fixture rewritten in place (same inode and size): re-read" "name web-from-xenstorE" "$ANSWER"
ask free
fixture '["ctx_alloc"]'
ask alloc
assert_eq "fixture fail ctx_alloc: fails as without Xen" "alloc rc=-3 errno=2 ctx=null" "$(echo "$ANSWER" | tail -1)"
fixture
ask alloc
assert_eq "fixture without failures: allocates again" "alloc rc=0 errno=0 ctx=set" "$ANSWER"
ask free
ask quit
wait "$PROBE_P_PID" 2>/dev/null
check "running probe: nothing on stderr" test ! -s "$TL_TMP/coproc.err"

# --- threads, while the fixture changes -----------------------------------------------
# Every call must answer as for a consistent host (the empty stored config of
# domain 11 would fail each round: left out), whichever version it reads.
THR=$TL_TMP/threads.json
jq 'del(.domains[] | select(.domid == 11))' "$FIX" >"$TL_TMP/threads.a"
jq '.domains += [{"domid": 12, "name": "new", "hvm": true, "config": {"type": "hvm"}}]' "$TL_TMP/threads.a" >"$TL_TMP/threads.b"
cp "$TL_TMP/threads.a" "$THR"
( for i in $(seq 1 40); do
      if (( i % 2 )); then cp "$TL_TMP/threads.b" "$THR.tmp"; else cp "$TL_TMP/threads.a" "$THR.tmp"; fi
      mv "$THR.tmp" "$THR"
      sleep 0.01
  done ) &
changer=$!
assert_eq "8 threads on one ctx while the fixture changes: no errors" "threads errors=0" \
    "$(printf 'alloc\nthreads 8 300\nfree\n' | fake XENMODE_FAKE_FIXTURE="$THR" | grep '^threads')"
wait "$changer"

# --- valgrind -------------------------------------------------------------------------
if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "valgrind memcheck of the fake # SKIP the sanitizer build runs ASan/LSan instead"
elif ! command -v valgrind >/dev/null; then
    ok "valgrind memcheck of the fake # SKIP valgrind not installed"
else
    printf '%s\n' alloc list 'info 7' 'info 9' 'userdata 7' 'userdata 9' 'userdata 10' 'userdata 11' \
        version 'name 7' 'threads 4 20' 'setenv XENMODE_FAKE_LIBXL_FAIL list,userdata' list \
        'userdata 7' free 'alloc' |
        env LD_PRELOAD="$FAKEXL" XENMODE_FAKE_FIXTURE="$FIX" valgrind --quiet --error-exitcode=99 \
            --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
            --log-file="$TL_TMP/vg.log" "$PROBE" >/dev/null 2>&1
    rc=$?
    if [ "$rc" = 0 ] && [ ! -s "$TL_TMP/vg.log" ]; then
        ok "valgrind memcheck of the fake: no errors, nothing leaked"
    else
        not_ok "valgrind memcheck of the fake (exit $rc)"; sed 's/^/# /' "$TL_TMP/vg.log" | head -40
    fi
fi

# --- tests/fake-host/run ----------------------------------------------------------------
"$RUN" >/dev/null 2>"$TL_TMP/err"
assert_eq "run without arguments: exit 2" 2 $?
check "run without arguments: usage" grep -q '^usage: run FIXTURE -- COMMAND' "$TL_TMP/err"
"$RUN" "$FIX" true >/dev/null 2>"$TL_TMP/err"
assert_eq "run without --: exit 2" 2 $?
"$RUN" "$TL_TMP/none.json" -- true 2>"$TL_TMP/err"
assert_eq "run with a missing fixture: exit 2" 2 $?
assert_eq "run with a missing fixture: one line naming it" "run: no such fixture: $TL_TMP/none.json" "$(cat "$TL_TMP/err")"

if [ ! -x "$FAKES/fake-xenstored" ] || [ ! -x "$FAKES/xsfake-ctl" ]; then
    ok "run and xenstored-ctl # SKIP fake-xenstored is not built"
    finish; exit
fi
cd "$TL_TMP" || exit 1

# Environment given to the command (relative fixture path made absolute).
LD_PRELOAD=libc.so.6 ASAN_OPTIONS=detect_leaks=1 "$RUN" host.json -- sh -c \
    'printf "%s\n" "$XENMODE_FAKE_FIXTURE" "$LD_PRELOAD" "$ASAN_OPTIONS"; test -S "$XENSTORED_PATH" && test "$XENSTORED_PATH" = "$XENMODE_FAKE_XENSTORED_SOCKET" && test -S "$XENMODE_FAKE_CONTROL" && test -s "$XENMODE_FAKE_XENSTORED_PIDFILE" && echo sockets' >"$TL_TMP/env.out"
assert_eq "run: environment of the command" "$FIX
$FAKEXL:libc.so.6
detect_leaks=1:verify_asan_link_order=0
sockets" "$(cat "$TL_TMP/env.out")"

"$RUN" "$FIX" -- sh -c 'exit 7'
assert_eq "run: exits with the command's status" 7 $?
assert_eq "run: the probe lists through the preloaded fake" "list n=9" \
    "$(printf 'alloc\nlist\n' | "$RUN" "$FIX" -- "$PROBE" | grep '^list')"
if command -v xenstore-read >/dev/null; then
    assert_eq "run: libxenstore reaches the server" "web-from-xenstore" \
        "$("$RUN" "$FIX" -- xenstore-read /local/domain/7/name)"
else
    ok "run: libxenstore reaches the server # SKIP xenstore-utils not installed"
fi

# gone PID: no such process, or a zombie nobody reaped yet.
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
"$RUN" "$FIX" -- sh -c 'echo "$XENMODE_FAKE_XENSTORED_PIDFILE $(cat "$XENMODE_FAKE_XENSTORED_PIDFILE")"' >"$TL_TMP/pid.out"
read -r pidfile pid <"$TL_TMP/pid.out"
check "run: server stopped after the command" gone "$pid"
check "run: temporary directory removed" test ! -e "$(dirname "$pidfile")"

# A TERM to run ends the command, then the server.
"$RUN" "$FIX" -- sh -c 'cat "$XENMODE_FAKE_XENSTORED_PIDFILE" >"$0.tmp" && mv "$0.tmp" "$0"; exec sleep 60' "$TL_TMP/sig.pid" &
runpid=$!
wait_until 10 test -s "$TL_TMP/sig.pid"
kill -TERM "$runpid"
wait "$runpid"
assert_eq "run killed with TERM: exits as its command did (143)" 143 $?
check "run killed with TERM: server stopped" gone "$(cat "$TL_TMP/sig.pid")"

# --- tests/fake-host/xenstored-ctl --------------------------------------------------
"$XSCTL" stats >/dev/null 2>&1
assert_eq "xenstored-ctl outside run: exit 2" 2 $?
cat >"$TL_TMP/ctl.sh" <<'EOF'
# Runs under run: kill, start, restart, the forwarded commands; prints the
# server pids it saw so the test can check the last one is stopped by run.
set -u
pidof_server() { cat "$XENMODE_FAKE_XENSTORED_PIDFILE"; }
read_name() { xenstore-read /local/domain/7/name 2>/dev/null || echo unreachable; }
first=$(pidof_server)
echo "stats: $("$XSCTL" stats | cut -d' ' -f1 | cut -d= -f1)"
"$XSCTL" kill; echo "kill: $? $(read_name)"
test -S "$XENMODE_FAKE_XENSTORED_SOCKET" && echo "stale socket"
"$XSCTL" start; echo "start: $? $(read_name)"
second=$(pidof_server)
"$XSCTL" restart; echo "restart: $? $(read_name)"
third=$(pidof_server)
"$XSCTL" write /local/domain/7/name changed >/dev/null; echo "write: $? $(read_name)"
"$XSCTL" reload >/dev/null; echo "reload: $? $(read_name)"
"$XSCTL" rm /local/domain/7/name >/dev/null; echo "rm: $? $(read_name)"
"$XSCTL" drop-connections >/dev/null; echo "drop-connections: $?"
"$XSCTL" stop; echo "stop: $? $(read_name)"
"$XSCTL" start; echo "start again: $?"
echo "pids $first $second $third $(pidof_server)"
EOF
if command -v xenstore-read >/dev/null; then
    XSCTL=$XSCTL "$RUN" "$FIX" -- bash "$TL_TMP/ctl.sh" >"$TL_TMP/ctl.out" 2>"$TL_TMP/ctl.err"
    assert_eq "xenstored-ctl under run: exit 0" 0 $?
    assert_eq "xenstored-ctl: kill, start, restart, forwarded commands, stop" \
"stats: requests
kill: 0 unreachable
stale socket
start: 0 web-from-xenstore
restart: 0 web-from-xenstore
write: 0 changed
reload: 0 web-from-xenstore
rm: 0 unreachable
drop-connections: 0
stop: 0 unreachable
start again: 0" "$(grep -v '^pids' "$TL_TMP/ctl.out")"
    read -r _ p1 p2 p3 p4 < <(grep '^pids' "$TL_TMP/ctl.out")
    check "xenstored-ctl: every start made a new server" test -n "$p4" -a "$p1" != "$p2" -a "$p2" != "$p3" -a "$p3" != "$p4"
    check "run stops a server xenstored-ctl started" gone "$p4"
    check "xenstored-ctl: nothing on stderr" test ! -s "$TL_TMP/ctl.err"
else
    ok "xenstored-ctl under run # SKIP xenstore-utils not installed"
fi

finish

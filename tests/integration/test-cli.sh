#!/bin/bash
# The xenmode command's contract without Xen, with bad flags, and on a fake
# host whose libxl or xenstore fails.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
RUN="$XM_ROOT/tests/fake-host/run"
XENMODE="$XM_BUILD/xenmode"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"

# On this machine, without the fake: no Xen.
"$XENMODE" list >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "without Xen: exit status 3" 3 "$rc"
assert_eq "without Xen: one line on stderr" 1 "$(wc -l <"$TL_TMP/err")"
check "without Xen: the line names what is missing" grep -q '^xenmode: Xen is not running on this host (cannot open /dev/xen/privcmd' "$TL_TMP/err"
check "without Xen: nothing on stdout" test ! -s "$TL_TMP/out"

for args in "list --bogus" "list --format yaml" "list extra" "frobnicate" "" "metrics --format" "metrics --format xml"; do
    # shellcheck disable=SC2086
    "$XENMODE" $args >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
    assert_eq "bad usage '$args': exit status 2" 2 "$rc"
    check "bad usage '$args': usage on stderr" grep -q 'usage: xenmode' "$TL_TMP/err"
done
assert_status "--help exits 0" 0 "$XENMODE" --help
check "--version prints the version" sh -c "'$XENMODE' --version | grep -q '^xenmode [0-9]'"
check "list --help describes --explain" sh -c "'$XENMODE' list --help | grep -q -- --explain"

# Injected libxl failures on the fake host.
XENMODE_FAKE_LIBXL_FAIL=ctx_alloc "$RUN" "$MIXED" -- "$XENMODE" list >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "fake libxl ctx_alloc failure: exit 3" 3 "$rc"
check "fake libxl ctx_alloc failure: says Xen is not running" grep -q 'Xen is not running' "$TL_TMP/err"
XENMODE_FAKE_LIBXL_FAIL=list "$RUN" "$MIXED" -- "$XENMODE" list >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "fake libxl list failure: exit 3" 3 "$rc"
check "fake libxl list failure: names libxl_list_domain" grep -q 'libxl_list_domain failed' "$TL_TMP/err"
XENMODE_FAKE_LIBXL_FAIL=userdata "$RUN" "$MIXED" -- "$XENMODE" list --format json --explain >"$TL_TMP/out" 2>"$TL_TMP/err"
check "userdata failure: the shim guest falls back to pvh with the reason in the evidence" \
    quiet jq -e '.[] | select(.name == "guest-shim") | .mode == "pvh" and (.evidence | any(test("unreadable")))' "$TL_TMP/out"

# xenstore unreachable: the run's server is stopped before the command.
"$RUN" "$MIXED" -- sh -c '"$0"/tests/fake-host/xenstored-ctl stop && "$1" list' "$XM_ROOT" "$XENMODE" >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "xenstore down: exit 3" 3 "$rc"
check "xenstore down: one line naming xenstore" grep -q '^xenmode: cannot connect to xenstore at ' "$TL_TMP/err"

# metrics --output writes atomically and leaves no temporary file behind.
"$RUN" "$MIXED" -- "$XENMODE" metrics --output "$TL_TMP/xen.prom"
check "metrics --output writes the file" grep -q '^xen_up 1$' "$TL_TMP/xen.prom"
check "metrics --output leaves no temporary file" sh -c "! ls '$TL_TMP' | grep -q 'xen.prom.tmp'"
"$XENMODE" metrics --output "$TL_TMP/nodir/xen.prom" 2>"$TL_TMP/err"; rc=$?
assert_eq "metrics --output to a missing directory: exit 4" 4 "$rc"
check "metrics --output error names the file" grep -q "cannot write $TL_TMP/nodir/xen.prom" "$TL_TMP/err"

finish

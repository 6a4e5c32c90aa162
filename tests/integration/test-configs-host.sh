#!/bin/bash
# xenmode configs on the fake Xen host: the configured mode next to the
# running one, and the mismatch rule: configured hvm running as pvhvm is not
# a mismatch (PV drivers are the guest's choice), configured pvh running as
# hvm is. Fixture: tests/fixtures/configs/host.json (the running host) and
# tests/fixtures/configs/host/ (its /etc/xen).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
XENMODE="$XM_BUILD/xenmode"
RUN="$XM_ROOT/tests/fake-host/run"
HOST="$XM_ROOT/tests/fixtures/configs/host.json"
DIR="$XM_ROOT/tests/fixtures/configs/host"

"$RUN" "$HOST" -- "$XENMODE" configs --xen.config-dir "$DIR" --format json >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "exit status 0" 0 "$rc"
check "nothing on stderr" test ! -s "$TL_TMP/err"

# name: configured mode, running, running mode, mismatch
while read -r name want; do
    assert_eq "$name: $want" "$want" \
        "$(jq -r --arg n "$name" '.[] | select(.name == $n) | "\(.mode) \(.running) \(.running_mode) \(.mismatch)"' "$TL_TMP/out")"
done <<'EOF'
guest-pv pv true pv false
guest-pvhvm hvm true pvhvm false
guest-hvm hvm true hvm false
guest-pvh-as-hvm pvh true hvm true
guest-shim pv_in_pvh true pv_in_pvh false
guest-pv-as-pvh pv true pvh true
guest-shim-as-pvh pv_in_pvh true pvh true
guest-stopped pvh false null null
EOF
assert_eq "only configuration files are listed (no Domain-0, no guest-unconfigured)" 8 "$(jq length "$TL_TMP/out")"
assert_eq "the mismatches" "guest-pv-as-pvh guest-pvh-as-hvm guest-shim-as-pvh" \
    "$(jq -r '[.[] | select(.mismatch == true) | .name] | sort | join(" ")' "$TL_TMP/out")"

"$RUN" "$HOST" -- "$XENMODE" configs --xen.config-dir "$DIR" >"$TL_TMP/out" 2>"$TL_TMP/err"
check "table: configured pvh running hvm is marked" \
    grep -Eq '^guest-pvh-as-hvm +pvh +- +hvm +yes +no +.*/guest-pvh-as-hvm\.cfg$' "$TL_TMP/out"
check "table: configured hvm running pvhvm is not" grep -Eq '^guest-pvhvm +hvm +- +pvhvm +no ' "$TL_TMP/out"
check "table: a stopped domain shows - -" grep -Eq '^guest-stopped +pvh +- +- +- +no ' "$TL_TMP/out"

# Xen unreadable in other ways: still listed, said once.
for fail in ctx_alloc list; do
    XENMODE_FAKE_LIBXL_FAIL=$fail "$RUN" "$HOST" -- "$XENMODE" configs --xen.config-dir "$DIR" --format json \
        >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
    assert_eq "libxl $fail failure: exit 0" 0 "$rc"
    assert_eq "libxl $fail failure: one line on stderr" 1 "$(wc -l <"$TL_TMP/err")"
    check "libxl $fail failure: the line says running modes are not shown" \
        grep -q '^xenmode: configs: running modes not shown: ' "$TL_TMP/err"
    assert_eq "libxl $fail failure: all 8 listed, running unknown" 8 \
        "$(jq '[.[] | select(.running == null and .running_mode == null and .mismatch == null and .mode != null)] | length' "$TL_TMP/out")"
done
"$RUN" "$HOST" -- sh -c '"$0"/tests/fake-host/xenstored-ctl stop && exec "$@"' "$XM_ROOT" \
    "$XENMODE" configs --xen.config-dir "$DIR" >"$TL_TMP/out" 2>"$TL_TMP/err"; rc=$?
assert_eq "xenstore down: exit 0" 0 "$rc"
check "xenstore down: said once, naming xenstore" \
    grep -q '^xenmode: configs: running modes not shown: cannot connect to xenstore' "$TL_TMP/err"
assert_eq "xenstore down: header + 8 lines" 9 "$(wc -l <"$TL_TMP/out")"

vg_clean "configs on the fake host" \
    "$RUN" "$HOST" -- VG "$XENMODE" configs --xen.config-dir "$DIR" --format json

finish

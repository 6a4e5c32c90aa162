#!/bin/bash
# valgrind memcheck: `xenmode list` on the fake host, with each injected
# failure, reports no leaks and no errors. Under the sanitizer build the
# binaries carry ASan, which cannot run inside valgrind: LeakSanitizer does
# the same job there, so this test only runs the plain build.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
RUN="$XM_ROOT/tests/fake-host/run"
XENMODE="$XM_BUILD/xenmode"

if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "valgrind memcheck # SKIP the sanitizer build runs ASan/LSan instead"
    finish; exit
fi

VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all --track-fds=no)

vg_case() {  # DESCRIPTION FAIL-WORDS FIXTURE ARGS...
    local desc=$1 fail=$2 fixture=$3; shift 3
    local log="$TL_TMP/vg.$TL_N.log"
    XENMODE_FAKE_LIBXL_FAIL=$fail "$RUN" "$fixture" -- "${VG[@]}" --log-file="$log" "$XENMODE" "$@" >/dev/null 2>&1
    local rc=$?
    if [ "$rc" != 99 ] && ! grep -q 'ERROR SUMMARY: [1-9]' "$log" && ! grep -q 'definitely lost\|indirectly lost\|possibly lost\|still reachable' "$log"; then
        ok "valgrind clean: $desc (exit $rc)"
    else
        not_ok "valgrind clean: $desc (exit $rc)"; sed 's/^/# /' "$log" | head -40
    fi
}

for f in mixed escaping races xenserver driver-domain split-dom0; do
    vg_case "list --explain --format json on $f" "" "$XM_ROOT/tests/fixtures/$f.json" list --explain --format json
done
vg_case "list (table) on mixed" "" "$XM_ROOT/tests/fixtures/mixed.json" list --explain
vg_case "metrics --format openmetrics on mixed" "" "$XM_ROOT/tests/fixtures/mixed.json" metrics --format openmetrics
vg_case "metrics --output on names-collide (labels made unique)" "" "$XM_ROOT/tests/fixtures/names-collide.json" \
    metrics --output "$TL_TMP/vg.prom"
vg_case "metrics --output onto a directory (refused)" "" "$XM_ROOT/tests/fixtures/mixed.json" metrics --output "$TL_TMP"
vg_case "list (table) on escaping" "" "$XM_ROOT/tests/fixtures/escaping.json" list --explain
vg_case "list on Xen 4.21 with get_domain_state refused" domain_state "$XM_ROOT/tests/fixtures/dom0-421.json" list --explain
for fail in ctx_alloc list userdata domain_info; do
    vg_case "list with injected $fail failure" "$fail" "$XM_ROOT/tests/fixtures/races.json" list --format json
done
# xenstore gone before the command starts: exit 3 (EXIT_NOXEN, cli/cli.h).
log="$TL_TMP/vg.xs.log"
"$RUN" "$XM_ROOT/tests/fixtures/mixed.json" -- sh -c '"$0"/tests/fake-host/xenstored-ctl stop && exec "$@"' "$XM_ROOT" \
    "${VG[@]}" --log-file="$log" "$XENMODE" list >/dev/null 2>&1; rc=$?
if [ "$rc" = 3 ] && ! grep -q 'ERROR SUMMARY: [1-9]\|lost\|still reachable' "$log"; then
    ok "valgrind clean: list with xenstore down (exit $rc)"
else
    not_ok "valgrind clean: list with xenstore down (exit $rc)"; sed 's/^/# /' "$log" | head -40
fi
# The real libxl on this machine, which has no Xen.
log="$TL_TMP/vg.noxen.log"
"${VG[@]}" --log-file="$log" "$XENMODE" list >/dev/null 2>&1; rc=$?
if [ "$rc" = 3 ] && ! grep -q 'ERROR SUMMARY: [1-9]\|lost\|still reachable' "$log"; then
    ok "valgrind clean: list with the real libxl and no Xen (exit $rc)"
else
    not_ok "valgrind clean: list with the real libxl and no Xen (exit $rc)"; sed 's/^/# /' "$log" | head -40
fi

finish

#!/bin/bash
# The snapshot cache (core/host/xm_cache.h) against full reads on the fake host:
#  - seeded random differential runs of 1000 steps (XM_CACHE_SEED adds one
#    of your choosing; a failure prints the seed and step to replay), with
#    xenstored stopped (SIGSTOP) mid-snapshot now and then: the stalled
#    snapshot returns within its deadline, and the next one equals a full
#    read;
#  - 100 snapshots of an unchanging 1000-domain host send 0 xenstore
#    requests, by the test server's own counter;
#  - valgrind over a differential run (the sanitizer build runs the same
#    runs under ASan/UBSan instead).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
RUN="$XM_ROOT/tests/fake-host/run"
DIFF="$XM_BUILD/tests/tools/cache-diff"

seeds="1 2 ${XM_CACHE_SEED:-}"
for seed in $seeds; do
    cp "$XM_ROOT/tests/fixtures/empty.json" "$TL_TMP/host-$seed.json"
    "$RUN" "$TL_TMP/host-$seed.json" -- "$DIFF" --seed "$seed" --steps 1000 \
        --fixture "$TL_TMP/host-$seed.json" 2>"$TL_TMP/err-$seed" | grep -v '^1\.\.'
    [ "${PIPESTATUS[0]}" = 0 ] || { not_ok "differential run seed $seed exits 0"; sed 's/^/# /' "$TL_TMP/err-$seed" | tail -5; }
done

"$XM_ROOT/tests/tools/gen-host" 1000 >"$TL_TMP/big.json"
"$RUN" "$TL_TMP/big.json" -- "$DIFF" --steady 100 --fixture "$TL_TMP/big.json" | grep -v '^1\.\.'
[ "${PIPESTATUS[0]}" = 0 ] || not_ok "steady run exits 0"

if [ "${XM_SANITIZE:-}" != 1 ]; then
    cp "$XM_ROOT/tests/fixtures/empty.json" "$TL_TMP/host-vg.json"
    "$RUN" "$TL_TMP/host-vg.json" -- valgrind --quiet --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --log-file="$TL_TMP/vg.log" \
        "$DIFF" --seed 7 --steps 300 --fixture "$TL_TMP/host-vg.json" >"$TL_TMP/vg.out" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && ! grep -q 'ERROR SUMMARY: [1-9]\|definitely lost\|indirectly lost' "$TL_TMP/vg.log"; then
        ok "valgrind clean over a 300-step differential run"
    else
        not_ok "valgrind clean over a 300-step differential run (exit $rc)"
        sed 's/^/# /' "$TL_TMP/vg.log" | head -30; sed 's/^/# /' "$TL_TMP/vg.out" | tail -5
    fi
fi
finish

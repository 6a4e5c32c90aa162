#!/bin/bash
# The xenstore work per domain is small and known: the test server counts
# the requests one `xenmode list` makes on the mixed fixture, this prints
# them per domain, and checks the total against the budget in
# docs/design.md (name 1, type records 2 except dom0, device directory 1,
# 1 per kind, 1 per device, 2 more per device whose backend path is
# canonical: the backend's frontend node and its state; start_time 1, the
# agent's 3 directories).
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
RUN="$XM_ROOT/tests/fake-host/run"
CTL="$XM_ROOT/tests/fake-host/xenstored-ctl"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"

"$RUN" "$MIXED" -- bash -c '
    "$1" stats &&
    "$2" list >/dev/null &&
    "$1" stats' _ "$CTL" "$XM_BUILD/xenmode" >"$TL_TMP/stats" 2>"$TL_TMP/err"
before=$(sed -n '1s/.*requests=\([0-9]*\).*/\1/p' "$TL_TMP/stats")
after=$(sed -n '2s/.*requests=\([0-9]*\).*/\1/p' "$TL_TMP/stats")
total=""
[ -n "$before" ] && [ -n "$after" ] && total=$((after - before))
domains=$(jq '.domains | length' "$MIXED")
check "the server reported a request count" test -n "$total"
# Budget per domain of the mixed fixture:
#   Domain-0 6, guest-pv (vbd+vif) 16, guest-pvh 8, guest-hvm (vif) 12,
#   guest-pvhvm (vbd+vif) 16, guest-shim 8.
assert_eq "xenstore requests for the mixed fixture (6 domains)" 66 "$total"
if [ -n "$total" ]; then
    diag "$(awk -v t="$total" -v n="$domains" 'BEGIN { printf "xenstore requests: %d for %d domains = %.1f per domain", t, n, t / n }')"
    diag "server stats: $(tail -n1 "$TL_TMP/stats")"
fi

finish

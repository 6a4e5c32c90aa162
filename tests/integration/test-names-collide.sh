#!/bin/bash
# Every domain is published, whatever its name (issue 15, findings 3 and 4):
# two domains named "twin", a domain really named "twin~5", names that
# differ only in invalid UTF-8 bytes (x\xff, x\xfe: both x\uFFFD after
# sanitizing), a domain named "domid-12" beside a nameless domain 12.
# The rule (docs/exporter.md, "Domain labels"): the lowest domid keeps a
# shared label, the others get "~<domid>" (".1" ... when that is taken).
# Checked on `xenmode metrics` (text and OpenMetrics) and on the exporter
# (OpenMetrics asked for with Accept, and text): exactly one series per
# domain and mode, the labels expected, and every page passes
# tests/tools/expo-strict.py (prometheus_client's strict OpenMetrics parser,
# or its text parser, plus a duplicate check) and promtool.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
FIX="$XM_ROOT/tests/fixtures/names-collide.json"
STRICT="$XM_ROOT/tests/tools/expo-strict.py"
XENMODE="$XM_BUILD/xenmode"
CTL="$XM_ROOT/tests/fake-host/xenstored-ctl"

if ! /usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
    echo "1..0 # SKIP python3-prometheus-client is not installed (scripts/deps.sh test)"
    exit 0
fi

# domid -> the label expected.
WANT=$(printf '%s\n' "Domain-0	0" "twin	3" "domid-12	4" "twin~5.1	5" "x$(printf '\357\277\275')	7" \
    "x$(printf '\357\277\275')~8	8" "twin~5	9" "domid-12~12	12" | sort)
N_DOMAINS=8

# check_page WHAT FILE [--openmetrics]
check_page() {
    local what=$1 file=$2; shift 2
    local got
    got=$("$STRICT" "$@" <"$file" 2>"$TL_TMP/strict.err" | sort); local rc=$?
    check "$what: the strict parser accepts the page" test "$rc" = 0 -a -s "$file"
    [ "$rc" = 0 ] || diag "$(cat "$TL_TMP/strict.err")"
    assert_eq "$what: one xen_domain_info per domain, with the labels expected" "$WANT" "$got"
    assert_eq "$what: exactly one xen_domain_virt_mode series per domain and mode" \
        "$(( N_DOMAINS * 5 ))" "$(grep -c '^xen_domain_virt_mode{' "$file")"
    assert_eq "$what: one current mode per domain" "$N_DOMAINS" \
        "$(grep -c '^xen_domain_virt_mode{.*} 1$' "$file")"
    if [ "$1" != --openmetrics ]; then
        promtool check metrics <"$file" >"$TL_TMP/promtool.out" 2>&1; rc=$?
        check "$what: promtool parses the page (exit 0, or 3 = lint only; got $rc)" test "$rc" = 0 -o "$rc" = 3
    fi
}

# The two names that are not valid UTF-8 cannot be in a JSON fixture:
# written into the fake xenstore before the command runs.
hostile_names() {
    "$CTL" write /local/domain/7/name "$(printf 'x\377')" >/dev/null &&
        "$CTL" write /local/domain/8/name "$(printf 'x\376')" >/dev/null
}
export -f hostile_names
export CTL

for fmt in text openmetrics; do
    "$XM_ROOT/tests/fake-host/run" "$FIX" -- bash -c 'hostile_names && exec "$@"' _ \
        "$XENMODE" metrics --format "$fmt" >"$TL_TMP/cli.$fmt" 2>"$TL_TMP/cli.err"
    assert_eq "xenmode metrics --format $fmt exits 0" 0 "$?"
done
check_page "xenmode metrics (text)" "$TL_TMP/cli.text"
check_page "xenmode metrics (openmetrics)" "$TL_TMP/cli.openmetrics" --openmetrics

# The exporter, with the names written while it runs (its cache follows the
# watches): the same page.
xe_start ex "$FIX" --
check "the exporter answers" xe_wait_ready ex 30
xe_ctl ex write /local/domain/7/name "$(printf 'x\377')"
xe_ctl ex write /local/domain/8/name "$(printf 'x\376')"
has_both() { xe_get ex | grep -q "^xen_domain_info{domain=\"x$(printf '\357\277\275')~8\""; }
check "the exporter publishes the renamed domains" wait_until 20 has_both
om_type='application/openmetrics-text; version=1.0.0'
xe_get ex /metrics -H "Accept: $om_type" -D "$TL_TMP/headers" >"$TL_TMP/ex.om"
check "the exporter serves OpenMetrics when asked" grep -qi "^content-type: application/openmetrics-text" "$TL_TMP/headers"
check_page "exporter (openmetrics)" "$TL_TMP/ex.om" --openmetrics
xe_get ex >"$TL_TMP/ex.text"
check_page "exporter (text)" "$TL_TMP/ex.text"

# The list order does not matter: the same host listed backwards.
jq '.domains |= reverse' "$FIX" >"$TL_TMP/reversed.json"
"$XM_ROOT/tests/fake-host/run" "$TL_TMP/reversed.json" -- bash -c 'hostile_names && exec "$@"' _ \
    "$XENMODE" metrics >"$TL_TMP/cli.rev"
assert_eq "the labels do not depend on the order of the list" \
    "$(grep '^xen_domain_info' "$TL_TMP/cli.text")" "$(grep '^xen_domain_info' "$TL_TMP/cli.rev")"

xe_finish

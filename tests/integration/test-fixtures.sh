#!/bin/bash
# Every fixture on the fake host: `xenmode list --format json` reports each
# domain's mode and device counts as the fixture's `expect` says, the
# formatter's text passes `promtool check metrics` with no duplicate series,
# and the escaping fixture's names round-trip byte for byte.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
RUN="$XM_ROOT/tests/fake-host/run"
XENMODE="$XM_BUILD/xenmode"
PARSE="$XM_BUILD/tests/tools/expo-parse"

# What the fixture is built to produce, in the shape of the CLI's output.
expected() {
    jq -S '[.domains[] | select(.expect != null)
            | {domid, mode: .expect.mode, pv: .expect.pv_devices_connected}] | sort_by(.domid)' "$1"
}
actual() {
    jq -S '[.[] | {domid, mode, pv: .pv_devices_connected}] | sort_by(.domid)' "$1"
}

for fixture in "$XM_ROOT"/tests/fixtures/*.json; do
    name=$(basename "$fixture" .json)
    out="$TL_TMP/$name.json"
    if "$RUN" "$fixture" -- "$XENMODE" list --format json >"$out" 2>"$TL_TMP/$name.err"; then
        ok "$name: xenmode list --format json exits 0"
    else
        not_ok "$name: xenmode list --format json exits 0"; diag "$(cat "$TL_TMP/$name.err")"
    fi
    if diff -u <(expected "$fixture") <(actual "$out") >"$TL_TMP/$name.diff"; then
        ok "$name: every domain's mode and PV device counts match the fixture"
    else
        not_ok "$name: every domain's mode and PV device counts match the fixture"
        sed 's/^/# /' "$TL_TMP/$name.diff"
    fi
    check "$name: stderr is empty" test ! -s "$TL_TMP/$name.err"

    prom="$TL_TMP/$name.prom"
    "$RUN" "$fixture" -- "$XENMODE" metrics >"$prom" 2>>"$TL_TMP/$name.err"
    assert_status "$name: promtool check metrics exits 0" 0 promtool check metrics <"$prom"
    if "$PARSE" --dups "$prom" >"$TL_TMP/$name.dups"; then
        ok "$name: no duplicate series"
    else
        not_ok "$name: no duplicate series"; sed 's/^/# /' "$TL_TMP/$name.dups"
    fi
    want=$(jq '[.domains[] | select(.expect != null)] | length' "$fixture")
    got=$(grep -c '^xen_domain_virt_mode{.*} 1$' "$prom")
    assert_eq "$name: one xen_domain_virt_mode == 1 per domain" "$want" "$got"
    got=$(grep -c '^xen_domain_virt_mode{' "$prom")
    assert_eq "$name: all five modes per domain" "$((want * 5))" "$got"
done

# The escaping fixture: names parsed back out of the text equal the
# fixture's bytes. Compared as hex so that a lost newline cannot hide.
fixture="$XM_ROOT/tests/fixtures/escaping.json"
"$RUN" "$fixture" -- "$XENMODE" metrics >"$TL_TMP/esc.prom"
"$RUN" "$fixture" -- "$XENMODE" metrics --format openmetrics >"$TL_TMP/esc.om"
for domid in $(jq '.domains[] | select(.domid != 0) | .domid' "$fixture"); do
    want=$(jq -j ".domains[] | select(.domid == $domid) | .name" "$fixture" | od -An -tx1 | tr -d ' \n')
    got=$("$PARSE" --label xen_domain_info domid "$domid" domain "$TL_TMP/esc.prom" | od -An -tx1 | tr -d ' \n')
    assert_eq "escaping: domain $domid's name round-trips through the text format" "$want" "$got"
    got=$("$PARSE" --label xen_domain_info domid "$domid" domain "$TL_TMP/esc.om" | od -An -tx1 | tr -d ' \n')
    assert_eq "escaping: domain $domid's name round-trips through OpenMetrics" "$want" "$got"
    got=$(jq -j ".[] | select(.domid == $domid) | .name" "$TL_TMP/escaping.json" | od -An -tx1 | tr -d ' \n')
    assert_eq "escaping: domain $domid's name round-trips through JSON" "$want" "$got"
done
check "escaping: OpenMetrics output ends with # EOF" test "$(tail -n1 "$TL_TMP/esc.om")" = "# EOF"

# The table keeps one domain per line whatever the names hold.
"$RUN" "$fixture" -- "$XENMODE" list >"$TL_TMP/esc.table"
assert_eq "escaping: the table has a header and one line per domain" 4 "$(wc -l <"$TL_TMP/esc.table")"
check "escaping: the newline in a name is shown as \\n" grep -qF 'a"b\\c\nd' "$TL_TMP/esc.table"

# --explain names the evidence.
"$RUN" "$XM_ROOT/tests/fixtures/mixed.json" -- "$XENMODE" list --explain >"$TL_TMP/explain"
check "--explain shows the pvhvm evidence" \
    grep -q 'evidence: hvm flag set; /libxl/4/type=hvm; 2 PV devices connected -> pvhvm; vbd/768 backend state 4 (connected)' "$TL_TMP/explain"
check "--explain shows the shim evidence" grep -q 'pvshim true -> pv_in_pvh' "$TL_TMP/explain"
"$RUN" "$XM_ROOT/tests/fixtures/races.json" -- "$XENMODE" list --explain --format json >"$TL_TMP/races.json"
check "contradictory records are named in the evidence" \
    jq -e '.[] | select(.name == "flag-pv-type-hvm") | .evidence | any(test("falling back to the hypervisor flag"))' "$TL_TMP/races.json" >/dev/null

finish

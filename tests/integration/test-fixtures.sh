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
# The hypervisor-side expectations default to what the fake serves when a
# fixture leaves them out (tests/README.md): a PV guest is 64-bit, an HVM
# container uses HAP, domid 0 is dom0.
expected() {
    jq -S '[.domains[] | select(.expect != null)
            | {domid, mode: .expect.mode, pv: .expect.pv_devices_connected,
               width: (if .expect | has("pv_guest_width_bits") then .expect.pv_guest_width_bits
                       elif .hvm then null else 64 end),
               paging: (if .expect | has("paging") then .expect.paging
                        elif .hvm then "hap" else null end),
               dom0: (if .expect | has("dom0") then .expect.dom0 else .domid == 0 end)}]
           | sort_by(.domid)' "$1"
}
actual() {
    jq -S '[.[] | {domid, mode, pv: .pv_devices_connected, width: .pv_guest_width_bits,
                   paging, dom0}] | sort_by(.domid)' "$1"
}
# The host's capabilities as the fixture states them (absent: true), and as
# served: "cap value" lines.
caps_expected() {
    jq -r '["pv32","pv64","hvm","hap","shadow"][] as $c
           | "\($c) \(if (.capabilities // {}) | has($c) then (if .capabilities[$c] then 1 else 0 end)
                     else 1 end)"' "$1" | sort
}
caps_served() {
    sed -n 's/^xen_hypervisor_capability{capability="\([a-z0-9]*\)"} \([01]\)$/\1 \2/p' "$1" | sort
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
        ok "$name: every domain's mode, PV device counts, width, paging and dom0 match the fixture"
    else
        not_ok "$name: every domain's mode, PV device counts, width, paging and dom0 match the fixture"
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
    assert_eq "$name: xen_hypervisor_capability as the fixture states" \
        "$(caps_expected "$fixture")" "$(caps_served "$prom")"
    # The page agrees with the JSON: a width for each PV domain, hap for each
    # HVM container, matched by domid (through xen_domain_info's labels:
    # names need not be unique, and two domains with one name have labels
    # of their own).
    sed -n 's/^xen_domain_info{domain="\(.*\)",domid="\([0-9]*\)",uuid=.*/\1\x01\2/p' "$prom" >"$TL_TMP/info"
    by_domid() { sed -n "s/^$1{domain=\"\\(.*\\)\"} \\([0-9]*\\)\$/\\1\\x01\\2/p" "$prom" |
        awk -F'\001' 'NR == FNR { d[$1] = $2; next } { print d[$1] " " $2 }' "$TL_TMP/info" - | sort; }
    want=$(jq -r '.[] | select(.pv_guest_width_bits != null) | "\(.domid) \(.pv_guest_width_bits)"' "$out" | sort)
    got=$(by_domid xen_domain_pv_guest_width)
    [ "$name" = escaping ] || assert_eq "$name: xen_domain_pv_guest_width per PV domain" "$want" "$got"
    want=$(jq -r '.[] | select(.paging != null) | "\(.domid) \(if .paging == "hap" then 1 else 0 end)"' "$out" | sort)
    got=$(by_domid xen_domain_hap)
    [ "$name" = escaping ] || assert_eq "$name: xen_domain_hap per HVM container" "$want" "$got"
done

# The dom0 rule is named in the evidence: domid 0 before Xen 4.21, the
# control capability of XEN_DOMCTL_get_domain_state from 4.21.
ev() { # FILE DOMID REGEX: the domain's evidence has a line matching REGEX
    quiet jq -e --argjson d "$2" --arg re "$3" \
        '.[] | select(.domid == $d) | .evidence | any(test($re))' "$1"
}
"$RUN" "$XM_ROOT/tests/fixtures/dom0-421.json" -- "$XENMODE" list --explain --format json >"$TL_TMP/421.json"
check "4.21, control domain at domid 0: its evidence names get_domain_state's capabilities" \
    ev "$TL_TMP/421.json" 0 '^dom0 rule: Xen 4\.21 get_domain_state capabilities: control yes, hardware yes, xenstore yes -> the control domain$'
check "4.21: a guest's evidence has no dom0 rule (only dom0 and domid 0 carry it)" \
    quiet jq -e '.[] | select(.domid == 3) | .evidence | all(startswith("dom0 rule") | not)' "$TL_TMP/421.json"
XENMODE_FAKE_LIBXL_FAIL=domain_state "$RUN" "$XM_ROOT/tests/fixtures/dom0-421.json" -- \
    "$XENMODE" list --explain --format json >"$TL_TMP/421-refused.json"
check "4.21, get_domain_state refused: domid 0 is dom0 and the evidence gives the error" \
    ev "$TL_TMP/421-refused.json" 0 '^dom0 rule: Xen 4\.21, get_domain_state\(0\) failed: Operation not permitted: domid 0 is taken as the control domain$'
"$RUN" "$XM_ROOT/tests/fixtures/split-dom0.json" -- "$XENMODE" list --explain --format json >"$TL_TMP/split.json"
check "4.21, control domain at domid 1: it is dom0, by its control capability" \
    ev "$TL_TMP/split.json" 1 '^dom0 rule: Xen 4\.21 get_domain_state capabilities: control yes, .* -> the control domain$'
check "4.21, control domain at domid 1: domid 0 (hardware only) is not dom0, and says why" \
    ev "$TL_TMP/split.json" 0 'control no, hardware yes, xenstore no -> not the control domain$'
assert_eq "4.21 split: dom0 is domid 1 only" "1" "$(jq -c '[.[] | select(.dom0) | .domid] | join(",")' -r "$TL_TMP/split.json")"
"$RUN" "$XM_ROOT/tests/fixtures/dom0-flags-pre421.json" -- "$XENMODE" list --explain --format json >"$TL_TMP/pre421.json"
check "4.20: the domid 0 rule is named" \
    ev "$TL_TMP/pre421.json" 0 '^dom0 rule: domid 0 is the control domain \(Xen 4\.20; the hypervisor names it from 4\.21'
assert_eq "4.20: dom0 is domid 0 only, whatever the fixture's capability keys" "0" \
    "$(jq -c '[.[] | select(.dom0) | .domid] | join(",")' -r "$TL_TMP/pre421.json")"
"$RUN" "$XM_ROOT/tests/fixtures/hypervisor.json" -- "$XENMODE" list --explain >"$TL_TMP/hv.explain"
check "--explain shows the guest width" grep -q 'guest width 32 bits (xc_domain_get_guest_width)' "$TL_TMP/hv.explain"
check "--explain shows shadow paging" grep -q 'XEN_DOMINF_hap clear -> shadow paging' "$TL_TMP/hv.explain"

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
    quiet jq -e '.[] | select(.name == "flag-pv-type-hvm") | .evidence | any(test("falling back to the hypervisor flag"))' "$TL_TMP/races.json"

finish

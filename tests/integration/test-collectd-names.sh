#!/bin/bash
# Domain names that cannot be collectd plugin_instances as they are, in a
# real collectd (docs/collectd.md, "Domain names"):
#   '/' or control characters -> replaced by '_', plus "~" + FNV-1a hash;
#   longer than 63 bytes      -> cut to 54 bytes, plus "~" + hash (two long
#                                names sharing a prefix stay apart); 63 is
#                                what collectdctl (libcollectdclient) can
#                                address;
#   empty                     -> "~<domid>";
#   a duplicate (two domains named alike, a name equal to another's
#   rewritten form or to a nameless domain's "~<domid>")
#                             -> the lowest domid keeps it, each other gets
#                                "~<domid>" appended, or "~<domid>.1" when a
#                                domain is really named so (domain 13,
#                                "twin~7"): every domain is reported,
#                                whatever the order of the list;
#   anything else (UTF-8, spaces, quotes, backslashes) is kept verbatim.
# Every rewrite is logged once (NOTICE for a rewrite, WARNING for a
# collision), not once per read; the csv plugin never gets a '/' in a
# path; write_prometheus still serves a parseable page; `Domain` matches
# the raw name or the rewritten one.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
xmc_require

fnv1a() { xmc_fnv1a "$@"; }

LONG_A=$(printf 'x%.0s' $(seq 1 200))
LONG_B="$(printf 'x%.0s' $(seq 1 130))-other-tail"
NL_NAME=$'a"b\\c\nd'
UNI="ünïcødé-日本-🐧"
SLASH_MAPPED="a_b~$(fnv1a 'a/b')"

# The fake host: name -> (domid, expected plugin_instance).
Y63=$(printf 'y%.0s' $(seq 1 63))
Z64=$(printf 'z%.0s' $(seq 1 64))
declare -a NAMES=("Domain-0" "a/b" "$LONG_A" "$LONG_B" "$NL_NAME" "$UNI" "twin" "twin" "" "$SLASH_MAPPED" "with space"
                  "$Y63" "$Z64" "twin~7" "~8" "x-ff" "x-fe")
declare -a WANT=(
    "Domain-0"
    "$SLASH_MAPPED"
    "$(printf 'x%.0s' $(seq 1 54))~$(fnv1a "$LONG_A")"
    "$(printf 'x%.0s' $(seq 1 54))~$(fnv1a "$LONG_B")"
    "a\"b\\c_d~$(fnv1a "$NL_NAME")"
    "$UNI"
    "twin"
    "twin~7.1"
    "~8"
    "$SLASH_MAPPED~9"
    "with space"
    "$Y63"
    "$(printf 'z%.0s' $(seq 1 54))~$(fnv1a "$Z64")"
    "twin~7"
    "~8~14"
    "x-ff"
    "x-fe"
)
FIX="$TL_TMP/names.json"
{
    for i in "${!NAMES[@]}"; do
        jq -n --arg name "${NAMES[$i]}" --argjson id "$i" '{
            domid: $id, name: $name,
            uuid: ("5e5e00" + (if $id < 10 then "0" else "" end) + ($id | tostring) + "-0000-4000-8000-000000000000"),
            hvm: false, config: (if $id == 0 then null else {type: "pv"} end),
            expect: {mode: "pv", pv_devices_connected: {}}} | with_entries(select(.value != null))'
    done
} | jq -s '{domains: .,
            xenstore: ([.[] | select(.domid > 0) | {key: "/libxl/\(.domid)/type", value: "pv"}]
                       + [.[] | {key: "/local/domain/\(.domid)/name", value: .name}] | from_entries)}' >"$FIX"

PORT=$(free_port)
xmc_start_wp "$FIX" 0.2 "$PORT" "collectd starts on a host with awkward names"

last=$(( ${#WANT[@]} - 1 ))
check "values arrive" wait_until 10 xmc_has_value "${WANT[$last]}" gauge-pv 1
check "domain 7 gets the suffix that domain 13's name leaves free" \
    grep -qF 'domain 7 (name "twin") would have the plugin_instance "twin" of domain 6; it is reported as "twin~7.1".' "$XMC_LOG"
for i in "${!NAMES[@]}"; do
    desc=$(printf '%q' "${NAMES[$i]}")
    assert_eq "domain $i ($desc) is reported as $(printf '%q' "${WANT[$i]}")" 1 "$(xmc_getval "${WANT[$i]}" gauge-pv)"
done
got=$(xmc_listval | grep "^$XMC_HOST/xenmode-" | sed "s|^$XMC_HOST/xenmode-\(.*\)/gauge-pv\$|\1|;t;d" | sort)
want=$(printf '%s\n' "${WANT[@]}" | sort)
assert_eq "listval: exactly these ${#WANT[@]} plugin instances" "$want" "$got"
longest=$(printf '%s\n' "${WANT[@]}" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
longest_bytes() { local w; for w in "${WANT[@]}"; do printf '%s' "$w" | wc -c; done | sort -n | tail -1; }
check "no plugin_instance is longer than 63 bytes" test "$(longest_bytes)" -le 63
diag "longest plugin_instance: $longest characters, $(longest_bytes) bytes"

# Five reads later, each rewrite has been logged exactly once.
n0=$(xmc_csv_count Domain-0 gauge-pv)
grown_by() { test "$(( $(xmc_csv_count Domain-0 gauge-pv) - n0 ))" -ge "$1"; }
check "five more reads" wait_until 10 grown_by 5
for id in 1 2 3 4 8 12; do
    assert_eq "domain $id: the rewrite is logged once (NOTICE)" 1 \
        "$(xmc_log_count "\[notice\] xenmode plugin: domain $id \(name \".*\"\) .*; it is reported as plugin_instance \"")"
done
for id in 7 9 14; do
    assert_eq "domain $id: the collision is logged once (WARNING)" 1 \
        "$(xmc_log_count "\[warning\] xenmode plugin: domain $id \(name \".*\"\) would have the plugin_instance .* of domain [0-9]+; it is reported as \"")"
done
check "the log line escapes the newline in domain 4's name" \
    grep -qF 'domain 4 (name "a\"b\\c\x0ad") contains control characters; it is reported as plugin_instance "a"b\c_d~' "$XMC_LOG"
check "the log line of the long name says why" grep -q 'domain 2 (name "xxx.*") is too long' "$XMC_LOG"
for id in 0 5 6 10 11 13 15 16; do
    assert_eq "domain $id: a verbatim name logs nothing" 0 "$(xmc_log_count "xenmode plugin: domain $id ")"
done

# csv: every identifier is one directory below the host, no '/' leaked.
assert_eq "csv: no nested directories (no '/' reached a path)" "" \
    "$(find "$XMC_CSV" -mindepth 2 -type d)"
check "csv: the '/' domain's directory" test -d "$XMC_CSV/xenmode-$SLASH_MAPPED"

# Names that differ only in invalid UTF-8 bytes (written while collectd
# runs: a JSON fixture cannot hold them) stay two plugin_instances.
xmc_ctl write /local/domain/15/name "$(printf 'x\377')"
xmc_ctl write /local/domain/16/name "$(printf 'x\376')"
XFF="x_~$(fnv1a "$(printf 'x\377')")" XFE="x_~$(fnv1a "$(printf 'x\376')")"
check "x\\xff is reported as $XFF" wait_until 10 xmc_has_value "$XFF" gauge-pv 1
check "x\\xfe is reported as $XFE" wait_until 10 xmc_has_value "$XFE" gauge-pv 1
check "the two are distinct" test "$XFF" != "$XFE"

# write_prometheus: the page with all these names still parses.
curl -sf "http://127.0.0.1:$PORT/metrics" >"$TL_TMP/wp.txt"
promtool check metrics <"$TL_TMP/wp.txt" >"$TL_TMP/promtool.out" 2>&1; rc=$?
check "write_prometheus: the page parses (promtool exit 0 or 3 = lint only, got $rc)" \
    test "$rc" = 0 -o "$rc" = 3
if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
    check "write_prometheus: one series per domain and mode (tests/tools/expo-strict.py)" \
        "$XM_ROOT/tests/tools/expo-strict.py" <"$TL_TMP/wp.txt"
    # (The old x-ff and x-fe may linger until write_prometheus expires them.)
    # (its mode gauges only: a PV domain has gauge-pv_guest_width too, an HVM one gauge-hap)
    modes_of() { grep -F "collectd_xenmode_gauge{xenmode=\"$1\",type=\"" "$TL_TMP/wp.txt" |
                 grep -cE 'type="(pv|pvh|hvm|pvhvm|pv_in_pvh)"'; }
    missing=""
    for w in "${WANT[@]:0:15}" "$XFF" "$XFE"; do
        w=${w//\\/\\\\} w=${w//\"/\\\"}
        [ "$(modes_of "$w")" = 5 ] || missing="$missing $w"
    done
    assert_eq "write_prometheus: each of the 17 domains has exactly its five modes" "" "$missing"
fi
check "write_prometheus: the UTF-8 name is a label value as is" \
    grep -qF "collectd_xenmode_gauge{xenmode=\"$UNI\",type=\"pv\"" "$TL_TMP/wp.txt"
xmc_stop

# Domain matches the raw name ("a/b") or the rewritten one (the long name).
xmc_conf "$CONF" 0.2 "  Domain \"a/b\"
  Domain \"${WANT[2]}\""
rm -rf "$TL_TMP/csv"
if xmc_start "$FIX" "$CONF"; then
    check "Domain \"a/b\" selects the '/' domain" wait_until 10 xmc_has_value "$SLASH_MAPPED" gauge-pv 1
    check "Domain \"<rewritten long name>\" selects it" wait_until 10 xmc_has_value "${WANT[2]}" gauge-pv 1
    n0=$(xmc_csv_count "$SLASH_MAPPED" gauge-pv)
    grown_slash() { test "$(( $(xmc_csv_count "$SLASH_MAPPED" gauge-pv) - n0 ))" -ge 3; }
    wait_until 10 grown_slash
    assert_eq "only those two are reported" 2 "$(xmc_listval | grep -c "^$XMC_HOST/xenmode-.*/gauge-pv$")"
    xmc_stop
else
    not_ok "collectd starts with the Domain filter"
fi

check "no sanitizer report from collectd" xmc_no_sanitizer_report
finish

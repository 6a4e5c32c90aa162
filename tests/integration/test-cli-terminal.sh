#!/bin/bash
# Names that would take over a terminal (issue 15, finding 8): `xenmode
# list` (table, --explain too) escapes C0 and C1 controls, bidi overrides
# and isolates and the other format characters that reorder or hide text,
# and keeps its columns aligned; `list --format json` and `metrics` carry
# the names exactly.
source "$(dirname "$0")/../lib/testlib.sh"
tl_tmpdir
XENMODE="$XM_BUILD/xenmode"
RUN="$XM_ROOT/tests/fake-host/run"

# domid -> name (JSON string syntax) and the table's rendering of it.
declare -a NAMES=('"Domain-0"' '"\u202egpj.exe\u202c"' '"csi\u009b31mred\u0085nel"' '"esc\u001b[2Jclear"'
                  '"iso\u2066late\u2069d"' '"mark\u200e\u200f\u061cs"' '"plain-ünï"')
declare -a SHOWN=('Domain-0' '\u202Egpj.exe\u202C' 'csi\u009B31mred\u0085nel' 'esc\x1b[2Jclear'
                  'iso\u2066late\u2069d' 'mark\u200E\u200F\u061Cs' 'plain-ünï')
FIX="$TL_TMP/terminal.json"
for i in "${!NAMES[@]}"; do
    printf '{"domid": %d, "name": %s, "uuid": "7e777000-0000-4000-8000-%012d", "hvm": false, %s
             "expect": {"mode": "pv", "pv_devices_connected": {}}}\n' \
        "$i" "${NAMES[$i]}" "$i" "$([ "$i" = 0 ] || echo '"config": {"type": "pv"},')"
done | jq -s '{domains: ., xenstore: ([.[] | select(.domid > 0) | {key: "/libxl/\(.domid)/type", value: "pv"}] | from_entries)}' >"$FIX"

"$RUN" "$FIX" -- "$XENMODE" list >"$TL_TMP/table" 2>"$TL_TMP/err"
assert_eq "xenmode list exits 0" 0 "$?"
"$RUN" "$FIX" -- "$XENMODE" list --explain >"$TL_TMP/explain" 2>>"$TL_TMP/err"

# No raw control or format character reaches the terminal: C0 but \n, DEL,
# C1 (U+0080-U+009F), U+061C, U+200B-U+200F, U+2028-U+202E, U+2060-U+2069,
# U+FEFF.
raw_controls() {
    LC_ALL=C grep -caP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xa9]|\xef\xbb\xbf' "$1"
}
assert_eq "table: no raw control or bidi character" 0 "$(raw_controls "$TL_TMP/table")"
assert_eq "table --explain: no raw control or bidi character" 0 "$(raw_controls "$TL_TMP/explain")"
assert_eq "table: one line per domain and the header" $(( ${#NAMES[@]} + 1 )) "$(wc -l <"$TL_TMP/table")"
for i in "${!SHOWN[@]}"; do
    check "table: domain $i's name is shown as ${SHOWN[$i]}" \
        grep -qF -- "$(printf '%-5s  %s ' "$i" "${SHOWN[$i]}")" "$TL_TMP/table"
done
# The MODE column starts at the same character on every line.
cols=$(/usr/bin/python3 -c '
import sys
for line in open(sys.argv[1], encoding="utf-8"):
    print(line.index(" pv ") if " pv " in line else line.index("MODE") - 1)' "$TL_TMP/table" | sort -u | wc -l)
assert_eq "table: the columns stay aligned" 1 "$cols"

# JSON and metrics keep the names exactly.
"$RUN" "$FIX" -- "$XENMODE" list --format json >"$TL_TMP/json"
assert_eq "json: the names are exact" "$(jq -c '[.domains[].name]' "$FIX")" "$(jq -c '[.[].name]' "$TL_TMP/json")"
"$RUN" "$FIX" -- "$XENMODE" metrics --format openmetrics >"$TL_TMP/om"
got=$(/usr/bin/python3 -c '
import sys, json
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse
names = [s.labels["domain"] for f in parse(open(sys.argv[1], encoding="utf-8").read())
         if f.name == "xen_domain_info" for s in f.samples]
print(json.dumps(names, ensure_ascii=False, separators=(",", ":")))' "$TL_TMP/om" 2>&1)
assert_eq "metrics: the label values are the exact names" "$(jq -c '[.domains[].name]' "$FIX")" "$got"
finish

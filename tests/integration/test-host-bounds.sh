#!/bin/bash
# Memory and per-domain bounds (docs/design.md, "Bounds and deadlines"):
# what a guest writes in its own xenstore subtree cannot grow the
# exporter's memory or the work of a scrape without bound, and cannot make
# it count a device whose backend is not its own.
#
# - 400k writes by a guest into its own device/ subtree between two scrapes
#   keep the exporter's RSS within XM_FLOOD_RSS_KB (default 4096 kB) of what
#   it was (before the drainer: 6.3 MB -> 43.8 MB, never returned);
# - 3000 device kinds (one of 600 bytes) on one domain: requests, evidence
#   lines and series bounded, xen_exporter_domain_items_cut_total counts
#   the cut, one log line for the domain however often it is re-read;
# - 40 backend domains for one guest are all watched: when the one
#   connected backend closes, the cached answer follows.
# (Cross-kind, self-pointing and not-pointed-back backends are in
# tests/fixtures/spoofed-backends.json, checked by test-fixtures.sh.)
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
FLOOD="$XM_BUILD/tests/tools/xs-flood"
WRITES=${XM_FLOOD_WRITES:-400000}
RSS_BOUND_KB=${XM_FLOOD_RSS_KB:-4096}

value() { sed -n "s/^$2 \\([0-9.e+]*\\)\$/\\1/p" <<<"$1"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "${XE_DIR[$1]}/pid")/status"; }
mode_of() { sed -n "s/^xen_domain_virt_mode{domain=\"$2\",mode=\"\\([^\"]*\\)\"} 1\$/\\1/p" <<<"$1"; }

# ---- 1. a write flood between two scrapes ---------------------------------
# ASan keeps freed blocks in a quarantine (256 MB by default): RSS would
# measure it, not us. A small one still catches a use after free nearby.
san_env=()
[ "${XM_SANITIZE:-}" = 1 ] &&
    san_env=(--env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64")
xe_start flood "$MIXED" "${san_env[@]}" --
xe_wait_ready flood || not_ok "exporter flood started"
xe_get flood >/dev/null
p1=$(xe_get flood)
r1=$(value "$p1" xen_exporter_xenstore_requests_total)
before=$(rss_kb flood)
check "$WRITES guest writes into /local/domain/4/device/" \
    xe_in_host flood "$FLOOD" /local/domain/4/device/vif/0/flood "$WRITES"
after_writes=$(rss_kb flood)
p2=$(xe_get flood)
after=$(rss_kb flood)
diag "figures: RSS before ${before} kB, after the writes ${after_writes} kB, after the scrape ${after} kB"
check "RSS after $WRITES writes within ${RSS_BOUND_KB} kB of before (${before} -> ${after_writes} kB)" \
    test $((after_writes - before)) -le "$RSS_BOUND_KB"
check "RSS after the next scrape within ${RSS_BOUND_KB} kB of before (${before} -> ${after} kB)" \
    test $((after - before)) -le "$RSS_BOUND_KB"
assert_eq "after the flood: guest-pvhvm still pvhvm" pvhvm "$(mode_of "$p2" guest-pvhvm)"
r2=$(value "$p2" xen_exporter_xenstore_requests_total)
# The flood marked one domain: one re-read (16 requests: 12 for its mode and
# devices, start_time, the agent's 3 directories), not 400k.
check "the scrape after the flood re-read one domain ($((r2 - r1)) requests)" \
    test $((r2 - r1)) -le 16
xe_stop flood

# The same flood on an exporter under valgrind (fewer writes: valgrind is
# slow to drain them); the sanitizer build runs the flood above under ASan.
if [ "${XM_SANITIZE:-}" != 1 ] && command -v valgrind >/dev/null; then
    xe_start vg "$MIXED" --valgrind "$TL_TMP/vg.log" --
    check "exporter under valgrind answers" xe_wait_ready vg 120
    xe_get vg >/dev/null
    check "${XM_FLOOD_VG_WRITES:-20000} guest writes under valgrind" xe_in_host vg "$FLOOD" \
        /local/domain/4/device/vif/0/flood "${XM_FLOOD_VG_WRITES:-20000}"
    assert_eq "under valgrind, after the flood: guest-pvhvm still pvhvm" pvhvm \
        "$(mode_of "$(xe_get vg)" guest-pvhvm)"
    xe_stop vg 120; rc=$?
    xe_valgrind_clean "$TL_TMP/vg.log" "write flood" "$rc"
fi

# ---- 2. 3000 device kinds on one domain -----------------------------------
KINDS="$TL_TMP/kinds.json"
long=$(printf 'k%.0s' $(seq 600))
jq --arg long "$long" '
  .domains += [{"domid": 7, "name": "kinds", "uuid": "5e5e0007-0000-4000-8000-000000000007",
                "hvm": true, "config": {"type": "hvm"}}]
  | .xenstore["/libxl/7/type"] = "hvm"
  | reduce ([range(3000) | "k\(.)"] + [$long])[] as $k (.;
      .xenstore["/local/domain/7/device/\($k)/0/backend"] = "/local/domain/0/backend/\($k)/7/0"
      | .xenstore["/local/domain/0/backend/\($k)/7/0/state"] = "4"
      | .xenstore["/local/domain/0/backend/\($k)/7/0/frontend"] = "/local/domain/7/device/\($k)/0")
' "$MIXED" >"$KINDS"

# The CLI: a full read, the requests counted by the server.
"$XE_RUN" "$KINDS" -- bash -c '"$1" reset-stats && "$2" list --format json && "$1" stats' \
    _ "$XE_CTL" "$XM_BUILD/xenmode" >"$TL_TMP/kinds.out" 2>"$TL_TMP/kinds.err"
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' "$TL_TMP/kinds.out" | tail -n1)
json=$(grep -v '^requests=\|^ok$' "$TL_TMP/kinds.out")
# The mixed fixture's 66, and for "kinds": name, 2 type records, device/ in
# parts (3001 names), 32 kind directories, 3 per device, start_time and the
# agent's 3 directories.
diag "figures: 3001 kinds on one domain: $requests xenstore requests for the host"
check "3001 kinds: at most 66 + 4 + 8 + 32 x 4 + 4 requests ($requests)" test "${requests:-99999}" -le 210
kinds_json=$(jq -c '.[] | select(.name == "kinds")' <<<"$json")
assert_eq "3001 kinds: 32 kinds read" 32 "$(jq '.pv_devices_connected | length' <<<"$kinds_json")"
"$XE_RUN" "$KINDS" -- "$XM_BUILD/xenmode" list --explain >"$TL_TMP/kinds.explain" 2>&1
evidence=$(awk '$2 == "kinds" { getline; print; exit }' "$TL_TMP/kinds.explain")
ev=$(awk -F'; ' '{ print NF }' <<<"$evidence")
diag "figures: 3001 kinds: $ev evidence lines"
check "3001 kinds: evidence bounded ($ev lines <= 80)" test "${ev:-9999}" -le 80
check "3001 kinds: the evidence says 2969 kinds were not read" \
    grep -q '2969 device kinds not read' <<<"$evidence"

xe_start kinds "$KINDS" --
xe_wait_ready kinds || not_ok "exporter kinds started"
pk=$(xe_get kinds)
series=$(grep -c '^xen_domain_pv_devices_connected{domain="kinds"' <<<"$pk")
assert_eq "3001 kinds: 32 series of xen_domain_pv_devices_connected" 32 "$series"
assert_eq "xen_exporter_domain_items_cut_total{item=\"kinds\"} after one read" 2969 \
    "$(value "$pk" 'xen_exporter_domain_items_cut_total{item="kinds"}')"
check "promtool check metrics accepts the page" bash -c 'promtool check metrics <<<"$1"' _ "$pk"
# A guest write marks the domain: it is read again, and cut again, but the
# log says so once.
xe_ctl kinds write /local/domain/7/device/k0/0/state 4
wait_until 10 bash -c '[ "$(curl -s '"$(xe_url kinds)"' | sed -n "s/^xen_exporter_domain_items_cut_total{item=\"kinds\"} //p")" = 5938 ]'
check "a re-read of the domain counts its cut again (5938)" test $? = 0
assert_eq "one log line for the domain, not one per read" 1 \
    "$(count_log kinds 'exceeds the per-domain bounds')"
check "the log line names the domain" grep -q 'domain 7 (kinds)' "${XE_DIR[kinds]}/log"

# ---- 3. 40 backend domains for one guest -----------------------------------
BACKENDS="$TL_TMP/backends.json"
jq '
  .domains += ([range(10; 50) as $b | {"domid": $b, "name": "drv\($b)",
                 "uuid": "5e5e00\($b)-0000-4000-8000-0000000000\($b)", "hvm": false,
                 "config": {"type": "pv"}}]
               + [{"domid": 60, "name": "many", "uuid": "5e5e0060-0000-4000-8000-000000000060",
                   "hvm": true, "config": {"type": "hvm"}}])
  | .xenstore["/libxl/60/type"] = "hvm"
  | reduce range(10; 50) as $b (.;
      .xenstore["/libxl/\($b)/type"] = "pv"
      | .xenstore["/local/domain/60/device/vif/\($b)/backend"] = "/local/domain/\($b)/backend/vif/60/\($b)"
      | .xenstore["/local/domain/\($b)/backend/vif/60/\($b)/state"] = (if $b == 49 then "4" else "2" end)
      | .xenstore["/local/domain/\($b)/backend/vif/60/\($b)/frontend"] = "/local/domain/60/device/vif/\($b)")
' "$MIXED" >"$BACKENDS"
xe_start many "$BACKENDS" --
xe_wait_ready many || not_ok "exporter many started"
pm=$(xe_get many)
assert_eq "40 backend domains: the one connected backend (the 40th) makes it pvhvm" pvhvm \
    "$(mode_of "$pm" many)"
xe_ctl many write /local/domain/49/backend/vif/60/49/state 6
wait_until 10 bash -c '[ "$(curl -s '"$(xe_url many)"' | sed -n "s/^xen_domain_virt_mode{domain=\"many\",mode=\"\\([^\"]*\\)\"} 1\$/\\1/p")" = hvm ]'
check "the 40th backend closes: the cached answer follows (hvm)" test $? = 0
pm2=$(xe_get many)
assert_eq "and the domain's vif count is 0" 0 \
    "$(value "$pm2" 'xen_domain_pv_devices_connected{domain="many",kind="vif"}')"

xe_finish

#!/bin/bash
# Faults: the exporter keeps answering 200 with xen_up 0 (and no domain
# series) when libxl cannot be opened, when a libxl call fails, and while
# the xenstore server is gone; it recovers by itself; and it logs the cause
# once per change of state, not once per scrape.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
FAILED='msg="collection from Xen failed'
RECOVERED='msg="collection from Xen recovered"'

# scrape_n NAME N: N scrapes on one connection; prints the xen_up values, one a line.
scrape_n() {
    local urls=() i
    for (( i = 0; i < $2; i++ )); do urls+=("$(xe_url "$1")"); done
    curl -s --max-time 30 "${urls[@]}" | sed -n 's/^xen_up //p'
}
# status_n NAME N: the N status codes.
status_n() {
    local urls=() i
    for (( i = 0; i < $2; i++ )); do urls+=(-o /dev/null "$(xe_url "$1")"); done
    curl -s --max-time 30 -w '%{http_code}\n' "${urls[@]}"
}
up_is() { [ "$(xe_up "$1")" = "$2" ]; }

# --- no hypervisor: libxl_ctx_alloc fails from the start ------------------
xe_start noxen "$MIXED" --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc --
check "exporter starts although libxl cannot be opened" xe_wait_ready noxen
page=$(xe_get noxen)
assert_eq "xen_up 0" "0" "$(sed -n 's/^xen_up //p' <<<"$page")"
assert_eq "no domain series" "0" "$(grep -c '^xen_domain_' <<<"$page")"
check "still a valid page (promtool)" promtool check metrics <<<"$page"
assert_eq "no xen_hypervisor_info before Xen answered" 0 "$(grep -c '^xen_hypervisor_info' <<<"$page")"
check "xenmode_exporter_build_info is served without Xen" \
    grep -q '^xenmode_exporter_build_info{version="[^"]*",revision="[^"]*",branch="[^"]*",compiler="[^"]*"} 1$' <<<"$page"
assert_eq "20 more scrapes: all 200" "$(printf '200\n%.0s' $(seq 20))" "$(status_n noxen 20)"
assert_eq "the failure is logged once, not per scrape" 1 "$(count_log noxen "$FAILED")"
check "the log names the cause" grep -q "$FAILED.*kind=no_xen" "${XE_DIR[noxen]}/log"
check "the exporter is still running" xe_alive noxen
xe_stop noxen; assert_eq "and stops cleanly" 0 "$?"

# --- libxl failing later, then recovering (fixture "fail", re-read live) ---
FIX="$TL_TMP/host.json"
write_fixture "$MIXED" "$FIX"
xe_start live "$FIX" --
check "exporter on a live-edited fixture answers" xe_wait_ready live
build_info_first=$(xe_get live | grep '^xenmode_exporter_build_info')
assert_eq "xen_up 1 at first" 1 "$(xe_up live)"
before=$(xe_get live | domain_families)
write_fixture "$MIXED" "$FIX" '.fail = ["list"]'
check "libxl_list_domain failing: xen_up 0" wait_until 10 up_is live 0
page=$(xe_get live)
assert_eq "no stale domain series while failing" "0" "$(grep -c '^xen_domain_' <<<"$page")"
scrape_n live 30 >/dev/null
write_fixture "$MIXED" "$FIX" '.fail = ["userdata"]'
check "a different libxl failure still answers" wait_until 10 bash -c "[ \"\$(curl -s '$(xe_url live)' -o /dev/null -w '%{http_code}')\" = 200 ]"
write_fixture "$MIXED" "$FIX" 'del(.fail)'
check "libxl working again: xen_up 1" wait_until 10 up_is live 1
assert_eq "the page is complete again" "$before" "$(xe_get live | domain_families)"
scrape_n live 30 >/dev/null
assert_eq "list failure logged once" 1 "$(count_log live "$FAILED.*kind=libxl")"
assert_eq "recovery logged once" 1 "$(count_log live "$RECOVERED")"
assert_eq "build info labels unchanged through the failures" "$build_info_first" \
    "$(xe_get live | grep '^xenmode_exporter_build_info')"
check "xen_hypervisor_info carries the fixture's Xen version" \
    grep -qx "xen_hypervisor_info{version=\"$(jq -r '.xen_version // "4.17.7"' "$MIXED")\"} 1" <<<"$(xe_get live)"

# --- xenstore server killed mid-run, then restarted ----------------------
check "xenstored-ctl kill" xe_ctl live kill
check "xenstore gone: xen_up 0" wait_until 15 up_is live 0
codes=$(status_n live 30)
assert_eq "30 scrapes with xenstore gone: all 200" "$(printf '200\n%.0s' $(seq 30))" "$codes"
page=$(xe_get live)
assert_eq "no domain series while xenstore is gone" "0" "$(grep -c '^xen_domain_' <<<"$page")"
check "the exporter is still running" xe_alive live
check "xenstored-ctl start" xe_ctl live start
check "xenstore back: xen_up 1" wait_until 15 up_is live 1
assert_eq "the next scrape is complete again" "$before" "$(xe_get live | domain_families)"
scrape_n live 30 >/dev/null
assert_eq "xenstore failure logged once for the whole outage" 1 "$(count_log live "$FAILED.*kind=xenstore")"
assert_eq "each recovery logged once (libxl, xenstore)" 2 "$(count_log live "$RECOVERED")"
assert_eq "no other failure lines" 2 "$(count_log live "$FAILED")"

# --- restart (kill + start in one) and dropped connections ------------------
check "xenstored-ctl restart" xe_ctl live restart
check "after a restart the page is complete" \
    wait_until 15 bash -c "[ \"\$(curl -s '$(xe_url live)' | grep -E '^(# (HELP|TYPE) )?xen_(up|domain_)')\" = \"\$0\" ]" "$before"
check "xenstored-ctl drop-connections" xe_ctl live drop-connections
check "after dropped connections the page is complete" \
    wait_until 15 bash -c "[ \"\$(curl -s '$(xe_url live)' | grep -E '^(# (HELP|TYPE) )?xen_(up|domain_)')\" = \"\$0\" ]" "$before"
check "the exporter is still running" xe_alive live
diag "log lines about the collection state: $(grep -cE "$FAILED|$RECOVERED" "${XE_DIR[live]}/log")"
xe_stop live; assert_eq "SIGTERM: exit 0" 0 "$?"

xe_finish

#!/bin/bash
# A real Prometheus (Debian's 2.42) scrapes xenmode_exporter on two fake
# hosts: the mixed fixture (one guest of each mode) and the escaping one
# (names with quote, backslash, newline and non-ASCII UTF-8). The targets
# are up, `xen_domain_virt_mode == 1` gives exactly one series per domain
# with the fixture's mode, and the odd names come back from the query API
# byte for byte.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
source "$XM_ROOT/tests/lib/live-testlib.sh"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
ESCAPING="$XM_ROOT/tests/fixtures/escaping.json"

xe_start mixed "$MIXED" -- --log.level=debug
xe_start escaping "$ESCAPING" --
check "exporter on the mixed fixture answers" xe_wait_ready mixed
check "exporter on the escaping fixture answers" xe_wait_ready escaping

prom_config "$TL_TMP/prometheus.yml"
cat >>"$TL_TMP/prometheus.yml" <<CONF
scrape_configs:
  - job_name: mixed
    static_configs: [{targets: ['127.0.0.1:${XE_PORT[mixed]}']}]
  - job_name: escaping
    static_configs: [{targets: ['127.0.0.1:${XE_PORT[escaping]}']}]
CONF
prom_start "$TL_TMP/prometheus.yml" || diag "Prometheus did not become ready"

# query PROMQL: the API's JSON answer.
query() {
    curl -s --max-time 5 --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query"
}
# result_count PROMQL N: true when the query returns N series.
result_count() { [ "$(query "$1" | jq '.data.result | length' 2>/dev/null)" = "$2" ]; }

# Prometheus applies targets at most every 5 s: poll with a deadline.
if wait_until 40 result_count 'up{job=~"mixed|escaping"} == 1' 2; then
    ok "Prometheus reports both targets up"
else
    not_ok "Prometheus reports both targets up"
    diag "$(query 'up' | head -c 2000)"; sed 's/^/# /' "$TL_TMP/prometheus.log" | tail -20
fi

n_mixed=$(jq '[.domains[] | select(.expect != null)] | length' "$MIXED")
wait_until 20 result_count 'xen_domain_virt_mode{job="mixed"} == 1' "$n_mixed"
got=$(query 'xen_domain_virt_mode{job="mixed"} == 1' |
      jq -r '.data.result[] | "\(.metric.domain) \(.metric.mode)"' | sort)
assert_eq "xen_domain_virt_mode == 1: one series per domain, the fixture's mode" \
    "$(expected_modes "$MIXED")" "$got"
assert_eq "all five modes per domain are present ($n_mixed domains x 5)" $((n_mixed * 5)) \
    "$(query 'xen_domain_virt_mode{job="mixed"}' | jq '.data.result | length')"
assert_eq "xen_up is 1" "1" "$(query 'xen_up{job="mixed"}' | jq -r '.data.result[0].value[1]')"
got=$(query 'xen_domain_pv_devices_connected{job="mixed"}' |
      jq -r '.data.result[] | "\(.metric.domain) \(.metric.kind) \(.value[1])"' | sort)
want=$(jq -r '.domains[] | select(.expect != null) | .name as $n |
              .expect.pv_devices_connected | to_entries[] | "\($n) \(.key) \(.value)"' "$MIXED" | sort)
assert_eq "xen_domain_pv_devices_connected matches the fixture" "$want" "$got"
got=$(query 'xen_hypervisor_info{job="mixed"}' | jq -r '.data.result[0].metric.version')
assert_eq "xen_hypervisor_info carries the hypervisor's version" "$(jq -r '.xen_version // "4.17.7"' "$MIXED")" "$got"
got=$(query 'xenmode_exporter_build_info{job="mixed"}' | jq -r '.data.result[0].metric | [.version, .revision, .branch, .compiler] | map(length > 0) | all')
assert_eq "xenmode_exporter_build_info has version, revision, branch, compiler" true "$got"
# Prometheus 2.42 asks for OpenMetrics first, and gzip: the debug log shows
# what its scrapes were served.
check "Prometheus's scrapes were negotiated to OpenMetrics with gzip" \
    grep -q 'msg=request method=GET path=/metrics status=200 format=openmetrics encoding=gzip' \
    "${XE_DIR[mixed]}/log"

# The escaping fixture: names are compared as JSON strings (jq -S), so every
# byte, including the newline, the quote and the backslash, must survive the
# exposition format and Prometheus's parser.
n_esc=$(jq '[.domains[] | select(.expect != null)] | length' "$ESCAPING")
wait_until 20 result_count 'xen_domain_info{job="escaping"}' "$n_esc"
got=$(query 'xen_domain_info{job="escaping"}' | jq -S '[.data.result[].metric.domain] | sort')
want=$(jq -S '[.domains[] | select(.expect != null) | .name] | sort' "$ESCAPING")
assert_eq "escaping fixture: domain names come back byte for byte" "$want" "$got"
got=$(query 'xen_domain_virt_mode{job="escaping"} == 1' |
      jq -S '[.data.result[].metric | {(.domain): .mode}] | add')
want=$(jq -S '[.domains[] | select(.expect != null) | {(.name): .expect.mode}] | add' "$ESCAPING")
assert_eq "escaping fixture: each odd name has its mode" "$want" "$got"

xe_finish

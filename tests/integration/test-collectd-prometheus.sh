#!/bin/bash
# The collectd plugin's values in Prometheus through collectd's stock
# write_prometheus plugin: collectd on the mixed fake host serves
# collectd_xenmode_gauge{xenmode="<domain>",type="<mode>",instance="<host>"}
# and collectd_xenmode_count{xenmode="<domain>",type="<kind>",...}; a real
# Prometheus server (temporary storage, loopback ports) scrapes it, and the
# test reads every domain's mode and PV device counts back through
# Prometheus' query API and compares them with the fixture's `expect`.
source "$(dirname "$0")/../lib/collectd-testlib.sh"
source "$XM_ROOT/tests/lib/live-testlib.sh"
xmc_require
if [ ! -x "$PROMETHEUS" ] || ! command -v curl >/dev/null; then
    ok "write_prometheus + Prometheus # SKIP prometheus or curl missing"; finish; exit 0
fi

HOST="$TL_TMP/host.json"
cp "$MIXED" "$HOST"
WP_PORT=$(free_port)
xmc_start_wp "$HOST" 0.5 "$WP_PORT" "collectd starts with write_prometheus"

# collectd's own page first.
wp_has_all() {
    curl -sf "http://127.0.0.1:$WP_PORT/metrics" >"$TL_TMP/wp.txt" &&
        [ "$(grep -cE '^collectd_xenmode_gauge\{xenmode="[^"]*",type="(pv|pvh|hvm|pvhvm|pv_in_pvh)"' "$TL_TMP/wp.txt")" -ge 30 ]
}
check "write_prometheus serves collectd_xenmode_gauge for 6 domains x 5 modes" wait_until 15 wp_has_all
check "write_prometheus: guest-pvhvm's pvhvm series is 1" \
    grep -qE "^collectd_xenmode_gauge\{xenmode=\"guest-pvhvm\",type=\"pvhvm\",instance=\"$XMC_HOST\"\} 1 [0-9]+$" "$TL_TMP/wp.txt"
check "write_prometheus: guest-pv's vbd count is collectd_xenmode_count" \
    grep -qE "^collectd_xenmode_count\{xenmode=\"guest-pv\",type=\"vbd\",instance=\"$XMC_HOST\"\} 1 [0-9]+$" "$TL_TMP/wp.txt"
check "write_prometheus: both families are gauges" \
    sh -c "grep -q '^# TYPE collectd_xenmode_gauge gauge' '$TL_TMP/wp.txt' && grep -q '^# TYPE collectd_xenmode_count gauge' '$TL_TMP/wp.txt'"

# A real Prometheus scraping it.
prom_config "$TL_TMP/prometheus.yml"
cat >>"$TL_TMP/prometheus.yml" <<EOF
scrape_configs:
  - job_name: collectd
    # collectd's values carry instance="<collectd host>": keep it.
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:$WP_PORT']
EOF
prom_start "$TL_TMP/prometheus.yml" || diag "Prometheus did not become ready"

# query PROMQL: prints "<xenmode> <type> <value>" per series, sorted.
query() {
    curl -sf "$PROM_URL/api/v1/query" --data-urlencode "query=$1" |
        jq -r '.data.result[] | "\(.metric.xenmode) \(.metric.type) \(.value[1])"' | sort
}
# The gauge family also carries pv_guest_width, hap and capability_<cap>:
# the mode series are the ones whose type is a mode (docs/collectd.md).
MODES='type=~"pv|pvh|hvm|pvhvm|pv_in_pvh"'
all_scraped() { [ "$(query "collectd_xenmode_gauge{$MODES}" | wc -l)" = 30 ]; }
check "Prometheus scraped all 30 mode series (within 30 s)" wait_until 30 all_scraped

want=$(jq -r '.domains[] | select(.expect != null) | "\(.name) \(.expect.mode) 1"' "$MIXED" | sort)
assert_eq "Prometheus: collectd_xenmode_gauge{$MODES} == 1 gives each domain's mode" \
    "$want" "$(query "collectd_xenmode_gauge{$MODES} == 1")"
assert_eq "Prometheus: 24 series are 0 (four other modes per domain)" 24 \
    "$(query "collectd_xenmode_gauge{$MODES} == 0" | wc -l)"
assert_eq "Prometheus: the hypervisor's facts (guest width of PV domains, HAP of the others)" \
    "$(xmc_expect_hypervisor "$MIXED" | sed 's/ gauge-/ /' | sort)" \
    "$(query 'collectd_xenmode_gauge{type=~"pv_guest_width|hap"}')"
# Host-wide values have no plugin_instance: write_prometheus puts their
# type_instance in the label named after the plugin, and sets no "type".
assert_eq "Prometheus: the five host capabilities, as xenmode=\"capability_<cap>\" without type" \
    "capability_hap null 1 capability_hvm null 1 capability_pv32 null 1 capability_pv64 null 1 capability_shadow null 1" \
    "$(query 'collectd_xenmode_gauge{xenmode=~"capability_.+"}' | tr '\n' ' ' | sed 's/ $//')"
want=$(jq -r '.domains[] | select(.expect != null) | .name as $n
              | .expect.pv_devices_connected | to_entries[] | "\($n) \(.key) \(.value)"' "$MIXED" | sort)
assert_eq "Prometheus: collectd_xenmode_count gives the PV devices connected per kind" \
    "$want" "$(query 'collectd_xenmode_count')"
assert_eq "Prometheus: the collectd host is the instance label" "$XMC_HOST" \
    "$(curl -sf "$PROM_URL/api/v1/query" --data-urlencode 'query=collectd_xenmode_gauge' |
       jq -r '[.data.result[].metric.instance] | unique | join(",")')"
# The rule docs/collectd.md gives for alerting on HVM guests without PV drivers.
assert_eq "Prometheus: the docs' alert expression finds guest-hvm" "guest-hvm hvm 1" \
    "$(query 'collectd_xenmode_gauge{type="hvm"} == 1')"

# docs/collectd.md's expression giving the exporter's metric name and labels.
RENAME='max without (xenmode, type) (label_replace(label_replace(collectd_xenmode_gauge{type=~"pv|pvh|hvm|pvhvm|pv_in_pvh"}, "domain", "$1", "xenmode", "(.*)"), "mode", "$1", "type", "(.*)"))'
want=$(jq -r '.domains[] | select(.expect != null) | "\(.name) \(.expect.mode)"' "$MIXED" | sort)
got=$(curl -sf "$PROM_URL/api/v1/query" --data-urlencode "query=$RENAME == 1" |
      jq -r '.data.result[] | "\(.metric.domain) \(.metric.mode)"' | sort)
assert_eq "Prometheus: the docs' renaming expression gives xen_domain_virt_mode's labels" "$want" "$got"

# A domain removed from the host leaves write_prometheus' page once collectd
# expires it (Timeout = 2 intervals without an update).
xmc_fixture_replace "$HOST" '.domains |= map(select(.domid != 2))
    | .xenstore |= with_entries(select(.key | test("^/(libxl|local/domain)/2/") | not))'
check "xenstored-ctl reload (guest-pvh removed)" xmc_ctl reload
wp_without_pvh() {
    curl -sf "http://127.0.0.1:$WP_PORT/metrics" >"$TL_TMP/wp2.txt" &&
        grep -q 'xenmode="guest-pv"' "$TL_TMP/wp2.txt" && ! grep -q 'xenmode="guest-pvh"' "$TL_TMP/wp2.txt"
}
check "write_prometheus drops the removed domain (within 10 s)" wait_until 10 wp_without_pvh

xmc_stop
check "no sanitizer report from collectd" xmc_no_sanitizer_report
finish

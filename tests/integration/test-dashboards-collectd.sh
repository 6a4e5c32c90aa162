#!/bin/bash
# The collectd path of the dashboards: collectd (Debian's, in the
# foreground) with the xenmode plugin and the stock write_prometheus plugin
# on the mixed fake host, and the exporter on another fake host of the same
# fixture, both scraped by a real Prometheus that loads
# dashboards/rules/xenmode-collectd.rules.yml. The host view's main table
# query then returns the same domains and modes through collectd as through
# the exporter, and every host view query is valid and returns data through
# collectd except the ones listed as exporter-only.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/live-testlib.sh"
tl_tmpdir

COLLECTD=${COLLECTD:-/usr/sbin/collectd}
PLUGIN="$XM_BUILD/xenmode.so"
EXPORTER="$XM_BUILD/xenmode_exporter"
FAKE_HOST="$XM_ROOT/tests/fake-host/run"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
HOST_VIEW="$DASH_DIR/grafana/xen-host.json"
COLLECTD_HOST=xenhost-collectd   # collectd's Hostname: the instance of the recorded series

# Host view queries without data through collectd, and why.
EXPECT_EMPTY=(
    "Xen host/Collection time/A=exporter only (xen_exporter_scrape_duration_seconds has no collectd counterpart)"
    "Xen host/Domains/B=exporter only (xen_domain_info: the collectd plugin has no domid or uuid values)"
)

for need in "$PLUGIN" "$EXPORTER" "$FAKE_HOST"; do
    if [ ! -e "$need" ]; then
        ok "dashboards through collectd # SKIP collectd plugin or exporter not built yet ($need missing)"
        finish; exit
    fi
done

wp_port=$(free_port)
mkdir -p "$TL_TMP/collectd"
cat >"$TL_TMP/collectd.conf" <<EOF
Hostname "$COLLECTD_HOST"
FQDNLookup false
Interval 1
BaseDir "$TL_TMP/collectd"
PIDFile "$TL_TMP/collectd/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File STDOUT
  Timestamp true
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$wp_port"
</Plugin>
PluginDir "$XM_BUILD"
LoadPlugin xenmode
<Plugin xenmode>
  ConfigDir "$XM_ROOT/tests/fixtures/configs/mixed"
</Plugin>
EOF
# An ASan build of the plugin (make test SANITIZE=1) runs in the stock
# collectd with the ASan runtime preloaded first, in front of the fake libxl
# (leak checking off: collectd does not free everything at exit).
ASAN_LIB=""
if [ "${XM_SANITIZE:-}" = 1 ]; then
    ASAN_LIB=$(ldd "$PLUGIN" 2>/dev/null | awk '/libasan/ { print $3; exit }')
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
bg_start "collectd on the fake host" "$TL_TMP/collectd.log" \
    "$FAKE_HOST" "$MIXED" -- sh -c 'if [ -n "$1" ]; then export LD_PRELOAD="$1${LD_PRELOAD:+:$LD_PRELOAD}"; fi
        shift; exec "$@"' sh "$ASAN_LIB" "$COLLECTD" -f -C "$TL_TMP/collectd.conf"
collectd_has_xenmode() { curl -fsS --max-time 2 "http://127.0.0.1:$wp_port/metrics" 2>/dev/null | grep -q '^collectd_xenmode_gauge{'; }
if ! require "collectd's write_prometheus serves the xenmode values" wait_until 20 collectd_has_xenmode; then
    show_log "$TL_TMP/collectd.log"; finish; exit
fi

exp_port=$(free_port)
exporter_start "127.0.0.1:$exp_port" "$MIXED" \
    --xen.config-dir="$XM_ROOT/tests/fixtures/configs/mixed" || { finish; exit; }

prom_config "$TL_TMP/prometheus.yml" "$DASH_DIR/rules/xenmode-collectd.rules.yml" \
    "$DASH_DIR/rules/xenmode-alerts.rules.yml"
cat >>"$TL_TMP/prometheus.yml" <<EOF
scrape_configs:
  - job_name: collectd
    static_configs:
      - targets: ["127.0.0.1:$wp_port"]
  - job_name: xenmode
    static_configs:
      - targets: ["127.0.0.1:$exp_port"]
EOF
if ! prom_start "$TL_TMP/prometheus.yml"; then
    not_ok "Prometheus starts"; finish; exit
fi
ok "Prometheus starts ($PROM_URL)"

if ! require "the recording rules produce xen_domain_virt_mode from collectd" \
        wait_until 30 prom_has_series "xen_domain_virt_mode{job=\"collectd\",instance=\"$COLLECTD_HOST\"}"; then
    prom_target_health collectd | sed 's/^/# target: /'
    finish; exit
fi
check "the exporter's series are there too" wait_until 20 prom_has_series 'xen_domain_virt_mode{job="xenmode"}'
check "xen_up is recorded as 1 for the collectd host" \
    wait_until 10 prom_has_series "xen_up{job=\"collectd\",instance=\"$COLLECTD_HOST\"} == 1"
check "PV device counts are recorded from collectd" \
    prom_has_series "xen_domain_pv_devices_connected{job=\"collectd\",instance=\"$COLLECTD_HOST\"}"
assert_eq "no series is recorded from a host-wide value (every device count has a domain)" 0 \
    "$(curl -fsS --max-time 5 "$PROM_URL/api/v1/query" \
        --data-urlencode 'query=count(xen_domain_pv_devices_connected{job="collectd",domain=""}) or vector(0)' |
       jq -r '.data.result[0].value[1]')"
check "the guest widths of PV domains are recorded from collectd" \
    prom_has_series "xen_domain_pv_guest_width{job=\"collectd\",instance=\"$COLLECTD_HOST\",domain=\"guest-pv\"} == 64"
check "HAP is recorded from collectd" \
    prom_has_series "xen_domain_hap{job=\"collectd\",instance=\"$COLLECTD_HOST\",domain=\"guest-hvm\"} == 1"
check "the host's capabilities are recorded from collectd (5)" \
    prom_has_series "count(xen_hypervisor_capability{job=\"collectd\",instance=\"$COLLECTD_HOST\"}) == 5"

# The host view's main table query, through each path.
table() {
    "$PYTHON" "$DASH_DIR/tests/panel_queries.py" table --prometheus "$PROM_URL" \
        --var "job=$1" --var "instance=$2" "$HOST_VIEW" Domains A 2>&1
}
via_exporter=$(table xenmode "127.0.0.1:$exp_port")
via_collectd=$(table collectd "$COLLECTD_HOST")
diag "through the exporter: $(echo $via_exporter)"
check "the main table has the fixture's $(fixture_modes "$MIXED" | wc -l) domains through the exporter" \
    test "$(echo "$via_exporter" | grep -c '^domain=')" = "$(fixture_modes "$MIXED" | wc -l)"
assert_eq "host view Domains table [A]: same domains and modes through collectd as through the exporter" \
    "$via_exporter" "$via_collectd"

# Every host view query through collectd.
args=()
for e in "${EXPECT_EMPTY[@]}"; do args+=(--expect-empty "$e"); done
report_checks < <("$PYTHON" "$DASH_DIR/tests/panel_queries.py" check --prometheus "$PROM_URL" \
    --promtool "$PROMTOOL" --var job=collectd --var "instance=$COLLECTD_HOST" "${args[@]}" "$HOST_VIEW"
    echo "$?" >"$TL_TMP/pq.rc")
assert_eq "panel_queries.py ran to the end" 0 "$(cat "$TL_TMP/pq.rc")"
check "no ERROR in collectd's log" sh -c "! grep -qi '\\[error\\]' '$TL_TMP/collectd.log'"

finish

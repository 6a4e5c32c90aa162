#!/bin/bash
# Every query of every dashboard, against a real Prometheus (Debian's
# /usr/bin/prometheus, scrape interval 1 s, its own config and storage)
# scraping the real exporter on the mixed fake-host fixture: valid PromQL
# (promtool), and at least one series with the template variables
# substituted as Grafana does; the failing panel is named. The rules files
# are loaded too, so the server itself accepts them.
#
# XM_DASHBOARDS_TARGET=HOST:PORT scrapes that exporter instead of starting
# one on the fake host (e.g. on a real dom0).
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/live-testlib.sh"
tl_tmpdir

EXPORTER="$XM_BUILD/xenmode_exporter"
FAKE_HOST="$XM_ROOT/tests/fake-host/run"
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
DASHBOARDS=("$DASH_DIR"/grafana/*.json)

# Queries allowed to be empty on the mixed fixture, each with the reason;
# any other query that returns nothing fails. (None: every panel has data.)
EXPECT_EMPTY=()

# The mixed host's xl configurations, with one domain configured pvh that
# runs as hvm, so the mismatch panel has a series to show.
cp -r "$XM_ROOT/tests/fixtures/configs/mixed" "$TL_TMP/configs"
sed -i 's/^type = "hvm"$/type = "pvh"\nkernel = "\/boot\/vmlinuz"/' "$TL_TMP/configs/guest-hvm.cfg"
# The exposure panels get something to show: the host has no 32-bit PV
# (pv32 0) and a configuration boots a 32-bit PV guest (a 32-bit i386 ELF
# header as kernel=); guest-pvhvm's agent wrote its keys (guest-hvm has
# none: the "without guest agent" count is 1) and it has a start time.
{ printf '\x7fELF\x01\x01\x01'; head -c 9 /dev/zero; printf '\x02\x00\x03\x00'; head -c 44 /dev/zero; } \
    >"$TL_TMP/grub-i386-xen.bin"
printf 'name = "legacy32"\nkernel = "%s"\n' "$TL_TMP/grub-i386-xen.bin" >"$TL_TMP/configs/legacy32.cfg"
HOST="$TL_TMP/host.json"
jq --arg started "$(( $(date +%s) - 3600 ))" '
    .capabilities = {"pv32": false, "pv64": true, "hvm": true, "hap": true, "shadow": true}
    | .xenstore += {
        "/local/domain/4/attr/PVAddons/MajorVersion": "9",
        "/local/domain/4/attr/PVAddons/MinorVersion": "3",
        "/local/domain/4/attr/PVAddons/MicroVersion": "1",
        "/local/domain/4/data/os_distro": "debian",
        "/local/domain/4/data/os_name": "Debian GNU/Linux 12 (bookworm)",
        "/local/domain/4/data/os_majorver": "12",
        "/local/domain/4/data/os_minorver": "5",
        "/vm/5e5e0004-0000-4000-8000-000000000004/start_time": $started}' "$MIXED" >"$HOST"

if [ -n "${XM_DASHBOARDS_TARGET:-}" ]; then
    target=$XM_DASHBOARDS_TARGET
    diag "scraping $target (XM_DASHBOARDS_TARGET)"
else
    for need in "$EXPORTER" "$FAKE_HOST"; do
        if [ ! -x "$need" ]; then
            ok "dashboards against the exporter # SKIP exporter not built yet ($need missing)"
            finish; exit
        fi
    done
    target="127.0.0.1:$(free_port)"
    exporter_start "$target" "$HOST" --xen.config-dir="$TL_TMP/configs" || { finish; exit; }
fi

prom_config "$TL_TMP/prometheus.yml" "$DASH_DIR/rules/xenmode-alerts.rules.yml" \
    "$DASH_DIR/rules/xenmode-collectd.rules.yml"
cat >>"$TL_TMP/prometheus.yml" <<EOF
scrape_configs:
  - job_name: xenmode
    static_configs:
      - targets: ["$target"]
EOF
check "promtool accepts the test server's configuration" "$PROMTOOL" check config "$TL_TMP/prometheus.yml"
if ! prom_start "$TL_TMP/prometheus.yml"; then
    not_ok "Prometheus starts"; finish; exit
fi
ok "Prometheus starts ($PROM_URL)"
check "Prometheus loaded both rules files" sh -c \
    "curl -fsS '$PROM_URL/api/v1/rules' | jq -e '[.data.groups[].name] | sort == [\"xenmode\", \"xenmode-collectd\"]' >/dev/null"

# Prometheus applies new targets after up to 5 s; wait for domain series and
# two more scrapes so range queries hold several points.
if ! require "Prometheus has the exporter's domain series" wait_until 30 prom_has_series 'xen_domain_virt_mode'; then
    prom_target_health xenmode | sed 's/^/# target: /'
    finish; exit
fi
check "two more scrapes stored" wait_until 10 prom_has_series 'count_over_time(xen_up[1m]) >= 3'

args=()
for e in "${EXPECT_EMPTY[@]}"; do args+=(--expect-empty "$e"); done
report_checks < <("$PYTHON" "$DASH_DIR/tests/panel_queries.py" check --prometheus "$PROM_URL" \
    --promtool "$PROMTOOL" "${args[@]}" "${DASHBOARDS[@]}"; echo "$?" >"$TL_TMP/pq.rc")
assert_eq "panel_queries.py ran to the end" 0 "$(cat "$TL_TMP/pq.rc")"

# The host view's main table shows the domains and modes the exporter serves.
exporter_modes() {
    curl -fsS --max-time 5 "http://$target/metrics" |
        sed -nE 's/^xen_domain_virt_mode\{domain="([^"]*)",mode="([^"]*)"\} 1$/domain=\1 mode=\2/p' | LC_ALL=C sort
}
"$PYTHON" "$DASH_DIR/tests/panel_queries.py" table --prometheus "$PROM_URL" --var "instance=$target" \
    "$DASH_DIR/grafana/xen-host.json" Domains A >"$TL_TMP/table" 2>&1
assert_eq "host view Domains table [A]: the domains and modes of the exporter's /metrics" \
    "$(exporter_modes)" "$(cat "$TL_TMP/table")"

# The exposure row counts what the fake host holds (not only "or vector(0)").
fleet_value() {
    "$PYTHON" "$DASH_DIR/tests/panel_queries.py" table --prometheus "$PROM_URL" --var "instance=$target" \
        --with-value "$DASH_DIR/grafana/xen-fleet-overview.json" "$1" A 2>&1
}
if [ -z "${XM_DASHBOARDS_TARGET:-}" ]; then
    assert_eq "fleet: Configured 32-bit PV without pv32 counts legacy32" "value=1" \
        "$(fleet_value "Configured 32-bit PV without pv32")"
    assert_eq "fleet: HVM domains without guest agent counts guest-hvm" "value=1" \
        "$(fleet_value "HVM domains without guest agent")"
    assert_eq "fleet: Guest agents by domain shows guest-pvhvm's agent" \
        "agent_version=9.3.1 domain=guest-pvhvm instance=$target os_distro=debian os_name=Debian GNU/Linux 12 (bookworm) os_version=12.5 value=1" \
        "$(fleet_value "Guest agents by domain")"
fi

# The checks bite: a copy of the host view with one query broken and one
# querying a metric that does not exist is failed, naming those panels (the
# copy's fleet-overview entry of EXPECT_EMPTY is reported unused: a FAIL too).
jq '(.panels[] | select(.title == "Domain count") | .targets[0].expr) |= sub("\\)$"; "")
    | (.panels[] | select(.title == "PV devices connected") | .targets[0].expr) |= sub("xen_domain_pv_devices_connected"; "xen_domain_pv_devices_connectd")' \
    "$DASH_DIR/grafana/xen-host.json" >"$TL_TMP/broken-host.json"
"$PYTHON" "$DASH_DIR/tests/panel_queries.py" check --prometheus "$PROM_URL" --promtool "$PROMTOOL" \
    "${args[@]}" "$TL_TMP/broken-host.json" >"$TL_TMP/broken.out" 2>&1
grep "^FAIL" "$TL_TMP/broken.out" | sed "s/^/# (broken copy, as intended) /"
check "a broken copy: the unbalanced query is named as not valid PromQL" \
    grep -qE '^FAIL.*panel "Domain count" \[A\]: not valid PromQL: .*(unclosed|parse error)' "$TL_TMP/broken.out"
check "a broken copy: the query of a misspelt metric is named as returning no series" \
    grep -qE '^FAIL.*panel "PV devices connected" \[A\]: range query returns no series' "$TL_TMP/broken.out"
check "a broken copy: nothing else fails" test "$(grep '^FAIL' "$TL_TMP/broken.out" | grep -vc 'expected-empty entry Xen fleet overview/')" = 2

finish

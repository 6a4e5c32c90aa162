# Helpers for the tests that run real daemons (dashboards, exporter and
# collectd against Prometheus): a Prometheus server with its own
# configuration and storage, the exporter on a fake host, and background
# processes that are always stopped. Source after tests/lib/testlib.sh and
# tl_tmpdir.

DASH_DIR="$XM_ROOT/dashboards"
PROMETHEUS=${PROMETHEUS:-/usr/bin/prometheus}
PROMTOOL=${PROMTOOL:-/usr/bin/promtool}
# A python3 with PyYAML (Debian's python3-yaml), should the first python3
# in PATH be another one.
PYTHON=python3
if ! python3 -c 'import yaml' 2>/dev/null && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    PYTHON=/usr/bin/python3
fi

# bg_start NAME LOG COMMAND...: runs COMMAND in its own session (so a wrapper
# and its children stop together) and stops that session, by its id, when
# the test exits. Sets BG_PID.
bg_start() {
    local name=$1 log=$2; shift 2
    setsid "$@" >"$log" 2>&1 </dev/null &
    BG_PID=$!
    on_exit "bg_stop $BG_PID"
    diag "$name started (pid $BG_PID, log $log)"
}

# bg_stop PID: TERM to the session PID leads, KILL after 10 s.
bg_stop() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    wait_until 10 bg_gone "$pid" || kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
bg_gone() { ! kill -0 "$1" 2>/dev/null; }

# require DESCRIPTION COMMAND...: like testlib's check, but returns
# COMMAND's status, so a test can stop when something it needs is missing.
require() {
    local desc=$1; shift
    if "$@"; then ok "$desc"; return 0; fi
    not_ok "$desc"; return 1
}

# show_log FILE: the end of a daemon's log, as TAP comments.
show_log() { diag "last lines of $1:"; tail -20 "$1" | sed 's/^/#   /'; }

# http_ok URL: the URL answers 200.
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }

# prom_config FILE [RULE_FILE...]: the start of a test server's configuration
# (1 s scrapes and rule evaluations, the rule files); the test appends its
# scrape_configs.
prom_config() {
    local file=$1 rules; shift
    printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n' >"$file"
    if [ $# -gt 0 ]; then
        echo "rule_files:" >>"$file"
        for rules in "$@"; do echo "  - $rules" >>"$file"; done
    fi
}

# exporter_start TARGET FIXTURE [EXPORTER FLAGS...]: the exporter on a fake
# host of FIXTURE, listening on TARGET (127.0.0.1:PORT), stopped at exit;
# one ok/not_ok line "the exporter answers on TARGET"; non-zero (its log
# shown) when it does not.
exporter_start() {
    local target=$1 fixture=$2; shift 2
    bg_start "exporter on the fake host" "$TL_TMP/exporter.log" \
        "$XM_ROOT/tests/fake-host/run" "$fixture" -- "$XM_BUILD/xenmode_exporter" \
        --web.listen-address="$target" "$@"
    if ! require "the exporter answers on $target" wait_until 20 http_ok "http://$target/metrics"; then
        show_log "$TL_TMP/exporter.log"
        return 1
    fi
}

# prom_start CONFIG_FILE: starts Prometheus on a free 127.0.0.1 port with
# storage under $TL_TMP and waits (20 s at most) until it is ready. Sets
# PROM_URL; returns non-zero if it did not come up (its log is shown).
prom_start() {
    local port; port=$(free_port)
    PROM_URL="http://127.0.0.1:$port"
    PROM_LOG="$TL_TMP/prometheus.log"
    bg_start prometheus "$PROM_LOG" "$PROMETHEUS" --config.file="$1" \
        --storage.tsdb.path="$TL_TMP/prometheus-data" --web.listen-address="127.0.0.1:$port" \
        --web.console.templates="$TL_TMP" --web.console.libraries="$TL_TMP"
    if ! wait_until 20 http_ok "$PROM_URL/-/ready"; then
        diag "Prometheus did not become ready"
        show_log "$PROM_LOG"
        return 1
    fi
}

# prom_has_series EXPR: the instant query EXPR returns at least one series.
prom_has_series() {
    curl -fsS --max-time 2 "$PROM_URL/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
        jq -e '.status == "success" and (.data.result | length > 0)' >/dev/null
}

# prom_target_health JOB: prints the health and last error of JOB's targets.
prom_target_health() {
    curl -fsS --max-time 2 "$PROM_URL/api/v1/targets" |
        jq -r --arg job "$1" '.data.activeTargets[] | select(.labels.job == $job) | "\(.scrapeUrl) \(.health) \(.lastError)"'
}

# report_checks < LINES: turns panel_queries.py / rules_coverage.py output
# ("PASS|FAIL|SKIP|DIAG<TAB>text") into TAP through testlib.
report_checks() {
    local kind text
    while IFS=$'\t' read -r kind text; do
        case $kind in
            PASS) ok "$text" ;;
            SKIP) ok "$text # SKIP" ;;
            DIAG) diag "$text" ;;
            *)    not_ok "$text" ;;
        esac
    done
}

# fixture_modes FIXTURE: the fixture's expected "domain=NAME mode=MODE" lines.
fixture_modes() {
    jq -r '.domains[] | select(.expect != null) | "domain=\(.name) mode=\(.expect.mode)"' "$1" | sort
}

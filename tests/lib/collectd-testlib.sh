# Helpers for the collectd plugin's integration tests
# (tests/integration/test-collectd-*.sh). Sourcing it is the whole preamble:
# it sources testlib.sh, makes the scratch directory ($TL_TMP) and sets
# MIXED (the mixed fixture) and CONF (where the test's collectd.conf goes);
# the test then calls xmc_require.
#
# A test writes a collectd.conf with xmc_conf, starts a real collectd in the
# foreground on a fake Xen host with xmc_start (always stopped on exit),
# and reads values back through the unix socket (xmc_getval, xmc_listval)
# and the csv files (xmc_csv). collectd's stock plugins (logfile, unixsock,
# csv, write_prometheus) load from the stock plugin directory, ours from
# $XM_BUILD: collectd allows PluginDir to change between LoadPlugin lines.

source "$(dirname "${BASH_SOURCE[0]}")/testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
CONF="$TL_TMP/collectd.conf"

XMC_COLLECTD=${XMC_COLLECTD:-/usr/sbin/collectd}
XMC_COLLECTDCTL=${XMC_COLLECTDCTL:-/usr/bin/collectdctl}
XMC_STOCK_PLUGINDIR=${XMC_STOCK_PLUGINDIR:-/usr/lib/collectd}
XMC_HOST=xmtest
XMC_RUN="$XM_ROOT/tests/fake-host/run"
XMC_CTL="$XM_ROOT/tests/fake-host/xenstored-ctl"
XMC_SOCK="$TL_TMP/collectd.sock"
XMC_LOG="$TL_TMP/collectd.log"
XMC_CSV="$TL_TMP/csv/$XMC_HOST"
XMC_MODES="pv pvh hvm pvhvm pv_in_pvh"

# An ASan build of the plugin runs inside the stock (non-ASan) collectd:
# the ASan runtime must be the first library of the process, so it is
# preloaded, the library the plugin itself was linked against. LeakSanitizer
# stays off there: it would report collectd's own allocations at exit (the
# daemon does not free everything) and change its exit status; leaks are
# the valgrind test's job, which covers the plain build.
XMC_ASAN=""
if [ "${XM_SANITIZE:-}" = 1 ]; then
    XMC_ASAN=$(ldd "$XM_BUILD/xenmode.so" 2>/dev/null | awk '/libasan/ { print $3; exit }')
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
fi
export XMC_ASAN

# xmc_require: skips the whole test (one "ok # SKIP" line) when collectd or
# the plugin is missing.
xmc_require() {
    local what
    for what in "$XMC_COLLECTD" "$XMC_COLLECTDCTL" "$XM_BUILD/xenmode.so" "$XMC_RUN"; do
        if [ ! -x "$what" ] && [ ! -f "$what" ]; then
            ok "collectd plugin tests # SKIP $what is missing"
            finish
            exit 0
        fi
    done
    if [ "${XM_SANITIZE:-}" = 1 ] && [ -z "$XMC_ASAN" ]; then
        not_ok "the sanitizer build of xenmode.so links libasan"
        finish
        exit 1
    fi
}

# xmc_start_wp FIXTURE INTERVAL PORT DESCRIPTION: writes $CONF with
# collectd's stock write_prometheus serving on 127.0.0.1:PORT, starts
# collectd on FIXTURE, and reports "DESCRIPTION"; the test ends (finish)
# when collectd does not start.
xmc_start_wp() {
    local fixture=$1 interval=$2 port=$3 desc=$4
    xmc_conf "$CONF" "$interval" '' "LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host \"127.0.0.1\"
  Port \"$port\"
</Plugin>"
    if xmc_start "$fixture" "$CONF"; then
        ok "$desc"
    else
        not_ok "$desc"; finish; exit
    fi
}

# xmc_conf FILE INTERVAL XENMODE-BLOCK-LINES [EXTRA-CONFIG]
# Writes a complete collectd.conf: logfile (info, to $XMC_LOG), unixsock,
# csv, EXTRA-CONFIG (more stock plugins), then xenmode from the build dir.
# MaxReadInterval is 4 intervals, so that collectd's back-off after a failed
# read keeps retrying quickly in tests.
xmc_conf() {
    local file=$1 interval=$2 block=$3 extra=${4:-}
    local maxread
    # The configured modes have a test of their own
    # (test-collectd-configured.sh); elsewhere they stay out of the values.
    case $block in
    *ConfigDir*|*ReportConfiguredModes*) ;;
    *) block="  ReportConfiguredModes false
$block" ;;
    esac
    maxread=$(awk -v i="$interval" 'BEGIN { print i * 4 }')
    cat >"$file" <<EOF
Hostname "$XMC_HOST"
FQDNLookup false
BaseDir "$TL_TMP"
PIDFile "$TL_TMP/collectd-daemon.pid"
Interval $interval
MaxReadInterval $maxread
ReadThreads 3
Timeout 2

PluginDir "$XMC_STOCK_PLUGINDIR"
LoadPlugin logfile
<Plugin logfile>
  LogLevel "info"
  File "$XMC_LOG"
  Timestamp true
  PrintSeverity true
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$XMC_SOCK"
  SocketGroup "$(id -gn)"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$TL_TMP/csv"
  StoreRates false
</Plugin>
$extra

PluginDir "$XM_BUILD"
LoadPlugin xenmode
<Plugin xenmode>
$block
</Plugin>
EOF
}

# xmc_exec FIXTURE COMMAND...: COMMAND on the fake host, with the ASan
# runtime preloaded in front of the fake libxl under XM_SANITIZE=1.
# Writes the fake host's environment to $TL_TMP/fakehost.env (for xmc_ctl)
# and COMMAND's pid to $TL_TMP/command.pid.
xmc_exec() {
    local fixture=$1; shift
    "$XMC_RUN" "$fixture" -- sh -c '
        for v in XENSTORED_PATH XENMODE_FAKE_FIXTURE XENMODE_FAKE_CONTROL \
                 XENMODE_FAKE_XENSTORED_PIDFILE XENMODE_FAKE_XENSTORED_SOCKET XM_BUILD; do
            eval "printf \"%s=%s\\n\" $v \"\$$v\""
        done >"$0/fakehost.env"
        echo $$ >"$0/command.pid"
        if [ -n "$XMC_ASAN" ]; then export LD_PRELOAD="$XMC_ASAN${LD_PRELOAD:+:$LD_PRELOAD}"; fi
        exec "$@"' "$TL_TMP" "$@"
}

# xmc_test_config FIXTURE CONF: `collectd -T -C CONF` on the fake host
# (every read callback once); stdout+stderr to $TL_TMP/collectd-T.out.
# Returns collectd's exit status.
xmc_test_config() {
    rm -f "$XMC_LOG"
    xmc_exec "$1" "$XMC_COLLECTD" -T -C "$2" >"$TL_TMP/collectd-T.out" 2>&1
}

# xmc_start FIXTURE CONF [COMMAND-PREFIX...]: starts `collectd -f -C CONF`
# on the fake host in the background (optionally under a prefix such as
# valgrind) and waits until its unix socket answers. Sets XMC_PID (the
# collectd process, or the prefix that exec'd it) and XMC_RUN_PID.
xmc_start() {
    local fixture=$1 conf=$2; shift 2
    rm -f "$TL_TMP/command.pid" "$XMC_SOCK"
    xmc_exec "$fixture" "$@" "$XMC_COLLECTD" -f -C "$conf" >"$TL_TMP/collectd.out" 2>&1 &
    XMC_RUN_PID=$!
    on_exit "xmc_stop"
    if ! wait_until 20 test -s "$TL_TMP/command.pid"; then
        diag "collectd did not start"; return 1
    fi
    XMC_PID=$(cat "$TL_TMP/command.pid")
    if ! wait_until "${XMC_START_TIMEOUT:-20}" test -S "$XMC_SOCK"; then
        diag "collectd's unix socket did not appear"; sed 's/^/# /' "$TL_TMP/collectd.out" | tail -20
        return 1
    fi
}

# xmc_stop: stops collectd (TERM, then KILL after 30 s) and waits for the
# fake host to go away. Returns collectd's exit status as `run` reports it.
xmc_stop() {
    [ -n "${XMC_RUN_PID:-}" ] || return 0
    kill -TERM "$XMC_PID" 2>/dev/null
    if ! wait_until 30 xmc_gone; then
        kill -KILL "$XMC_PID" 2>/dev/null
    fi
    wait "$XMC_RUN_PID"
    local rc=$?
    XMC_RUN_PID=""
    return $rc
}
xmc_gone() { ! kill -0 "$XMC_PID" 2>/dev/null; }

# xmc_ctl ARGS...: tests/fake-host/xenstored-ctl against the running host.
xmc_ctl() {
    (
        local k v
        while IFS='=' read -r k v; do export "$k=$v"; done <"$TL_TMP/fakehost.env"
        unset LD_PRELOAD
        "$XMC_CTL" "$@" >>"$TL_TMP/xenstored-ctl.out"
    )
}

# xmc_getval INSTANCE TYPE-TINSTANCE: prints the value collectd holds for
# xmtest/xenmode-INSTANCE/TYPE-TINSTANCE as a plain number (1, 0, 2.5), or
# nothing when collectd has none.
xmc_getval() {
    "$XMC_COLLECTDCTL" -s "$XMC_SOCK" getval "$XMC_HOST/xenmode-$1/$2" 2>/dev/null |
        awk -F= '$1 == "value" { print $2 + 0 }'
}

# xmc_listval: every identifier collectd has, one a line.
xmc_listval() {
    "$XMC_COLLECTDCTL" -s "$XMC_SOCK" listval 2>/dev/null
}

# xmc_has_value INSTANCE TYPE-TINSTANCE [VALUE]: succeeds when collectd has
# the value (equal to VALUE when given).
xmc_has_value() {
    local v
    v=$(xmc_getval "$1" "$2")
    [ -n "$v" ] && { [ $# -lt 3 ] || [ "$v" = "$3" ]; }
}

# xmc_csv INSTANCE TYPE-TINSTANCE: the csv plugin's lines "epoch,value" for
# that identifier (all dates), oldest first.
xmc_csv() {
    cat "$XMC_CSV/xenmode-$1/$2"-[0-9][0-9][0-9][0-9]-* 2>/dev/null | grep -v '^epoch' | sort -n
}

# xmc_csv_count INSTANCE TYPE-TINSTANCE: how many values the csv file holds.
xmc_csv_count() { xmc_csv "$1" "$2" | wc -l; }

# xmc_csv_last_time INSTANCE TYPE-TINSTANCE: epoch of the newest value.
xmc_csv_last_time() { xmc_csv "$1" "$2" | tail -1 | cut -d, -f1; }

# xmc_csv_after INSTANCE TYPE-TINSTANCE EPOCH: succeeds when a value newer
# than EPOCH was written.
xmc_csv_after() {
    xmc_csv "$1" "$2" | awk -F, -v t="$3" '$1 > t { found = 1 } END { exit !found }'
}

# xmc_log_count REGEX: lines of collectd's log matching REGEX (grep -E).
xmc_log_count() { grep -cE -- "$1" "$XMC_LOG" 2>/dev/null; }

# xmc_log_problems: collectd's error and warning lines, one per line, less
# one known race in collectd's own unixsock plugin: a connection thread that
# ends before collectd names it logs 'set_thread_name("unixsock conn"): No
# such process' (collectd pull request 2762; still seen with Debian 12's
# 5.12 on a loaded machine). It says nothing about the xenmode plugin.
xmc_log_problems() {
    grep -E '\[(error|warning)\]' "$XMC_LOG" 2>/dev/null |
        grep -vF 'set_thread_name("unixsock conn"): No such process'
}

# xmc_expect FIXTURE: "name mode" per domain the fixture expects reported.
xmc_expect() {
    jq -r '.domains[] | select(.expect != null) | "\(.name) \(.expect.mode)"' "$1"
}

# xmc_expect_hypervisor FIXTURE: "name type-instance value" for the
# hypervisor's facts: gauge-pv_guest_width of PV domains, gauge-hap of HVM
# containers (the fake's defaults: 64-bit, HAP; tests/README.md).
xmc_expect_hypervisor() {
    jq -r '.domains[] | select(.expect != null)
           | if .hvm then "\(.name) gauge-hap \(if .hap == false then 0 else 1 end)"
             else "\(.name) gauge-pv_guest_width \(.guest_width // 64)" end' "$1"
}

# xmc_expect_devices FIXTURE: "name kind count" per expected device count.
xmc_expect_devices() {
    jq -r '.domains[] | select(.expect != null) | .name as $n
           | .expect.pv_devices_connected | to_entries[] | "\($n) \(.key) \(.value)"' "$1"
}

# xmc_now: the current time as seconds since the epoch, with fractions.
xmc_now() { date +%s.%N; }

# xmc_fixture_replace FILE JQ-PROGRAM: rewrites a fixture atomically
# (temporary file + mv), as the fake host requires.
xmc_fixture_replace() {
    local file=$1 prog=$2
    jq "$prog" "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# xmc_fnv1a STRING: 32-bit FNV-1a of STRING's bytes as 8 hex digits, an
# independent implementation of the hash in the plugin's rewritten names.
xmc_fnv1a() {
    local h=2166136261 b
    for b in $(printf '%s' "$1" | od -An -tu1 -v); do
        h=$(( ((h ^ b) * 16777619) & 0xffffffff ))
    done
    printf '%08x' "$h"
}

# xmc_no_sanitizer_report: succeeds when no collectd run of this test
# printed an ASan/UBSan report (only the sanitizer build can print one).
xmc_no_sanitizer_report() {
    ! cat "$TL_TMP"/collectd*.out 2>/dev/null | grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'
}

#!/bin/bash
# make bench: xenmode_exporter on generated fake hosts (10, 100, 1000
# domains by default; BENCH_SIZES or arguments to change), cached (the
# default) and uncached (--no-xen.cache), next to Debian's
# prometheus-node-exporter serving the same series from its textfile
# collector, all measured in the same run with the same client (xm-load).
# For each host:
#   - scrape latency p50/p99 (text, uncompressed, one keep-alive connection)
#     and requests/s on 1 and on 8 concurrent keep-alive connections;
#   - xenstore requests per scrape, from the test server's counter: the first
#     collections, the steady state, and the first scrape after the backend
#     states of 10 domains moved (fixture rewrite + xenstored-ctl reload);
#   - VmRSS of each server after the runs;
#   - page sizes (text, OpenMetrics, gzip) and gzip throughput.
# On the largest host, a burst: BENCH_BURST (500) domains created and then
# destroyed under the running cached exporter; how long until its scrape
# shows exactly the fixture's domains again.
# Figures are printed, not asserted (the targets of issue 10 are compared
# in a summary at the end). docs/bench.md explains every column.
#
# Environment: BENCH_SECONDS (4) per load run, BENCH_CHANGES (10),
# BENCH_BURST (500; 0: no burst), XM_BUILD (build/).
set -u
cd "$(dirname "$0")/.." || exit 1
XM_ROOT=$(pwd)
XM_BUILD=${XM_BUILD:-$XM_ROOT/build}
export XM_ROOT XM_BUILD
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10 100 1000)
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
CHANGES=${BENCH_CHANGES:-10}
BURST=${BENCH_BURST:-500}
NODE_EXPORTER=${BENCH_NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
export SECONDS_PER_RUN CHANGES NODE_EXPORTER

for tool in "$XM_BUILD/xenmode_exporter" "$XM_BUILD/xenmode" "$XM_BUILD/bench/xm-load" \
            "$XM_BUILD/bench/xm-listtime" tests/fake-host/run bench/bench-host.py; do
    [ -x "$tool" ] || { echo "bench: $tool missing (make all)" >&2; exit 1; }
done
if [ ! -x "$NODE_EXPORTER" ]; then
    echo "bench: $NODE_EXPORTER missing (make deps installs prometheus-node-exporter);" \
         "the node_exporter rows are left out" >&2
    NODE_EXPORTER=
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenmode-bench.XXXXXX")
export BENCH_PIDS=$tmp/pids
: >"$BENCH_PIDS"
# Whatever happens (error, Ctrl-C), no server outlives the bench: the
# on-host script stops its own; this catches any left if it was killed.
runpid=
cleanup() {
    local pid exe
    if [ -n "$runpid" ] && kill -TERM "$runpid" 2>/dev/null; then
        wait "$runpid" 2>/dev/null
    fi
    while read -r pid exe; do
        [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$exe" ] && kill -TERM "$pid" 2>/dev/null
    done <"$BENCH_PIDS"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The part that runs on the fake host: start the three servers, measure,
# stop them. Writes NAME key=value... lines to OUT.
cat >"$tmp/on-host.sh" <<'INNER'
#!/bin/bash
set -u
fixture=$1 port_c=$2 port_u=$3 port_n=$4 burst=$5 out=$6 work=$7
ctl() { "$XM_ROOT/tests/fake-host/xenstored-ctl" "$@"; }
# requests [KIND]: the server's cumulative counter (all, or read, directory, watch).
requests() { ctl stats | sed -nE "s/(^|.* )${1:-requests}=([0-9]*).*/\2/p"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
load() { "$XM_BUILD/bench/xm-load" "$@"; }
rss() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
emit() { echo "$*" >>"$out"; }

pids=()
stop_all() {
    local pid deadline
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    deadline=$(( $(now_ms) + 5000 ))
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.02; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    pids=()
}
trap stop_all EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# start NAME PORT COMMAND...: starts a server in the background, waits (20 s
# deadline) until GET /metrics answers 200. Sets $started to its pid.
start() {
    local name=$1 port=$2 deadline pid
    shift 2
    "$@" 2>"$work/$name.log" &
    pid=$!
    pids+=("$pid")
    deadline=$(( $(now_ms) + 20000 ))
    until curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$port/metrics"; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(now_ms)" -ge "$deadline" ]; then
            echo "bench: $name did not start serving on 127.0.0.1:$port:" >&2
            tail -5 "$work/$name.log" >&2
            exit 1
        fi
        sleep 0.02
    done
    # Serving, so exec'd: the executable identifies it for the outer trap.
    echo "$pid $(readlink "/proc/$pid/exe" 2>/dev/null)" >>"$BENCH_PIDS"
    started=$pid
}

# The textfile node_exporter serves: the same host's series, from a full read.
mkdir -p "$work/textfile"
"$XM_BUILD/xenmode" metrics --output "$work/textfile/xen.prom" || exit 1

declare -A pid port
port[c]=$port_c port[u]=$port_u port[n]=$port_n
servers=(c u)
for s in c u; do
    flags=(); [ $s = u ] && flags=(--no-xen.cache)
    r0=$(requests); w0=$(requests watch)
    # The exporter collects once at startup, and the readiness GET once more.
    start "exporter-$s" "${port[$s]}" "$XM_BUILD/xenmode_exporter" --web.listen-address="127.0.0.1:${port[$s]}" \
        --web.max-requests=0 --log.level=error "${flags[@]}"
    pid[$s]=$started
    cold=$(( $(requests) - r0 )); cold_w=$(( $(requests watch) - w0 ))
    n_steady=100; [ $s = u ] && n_steady=10
    r0=$(requests)
    load --connections 1 --requests "$n_steady" 127.0.0.1 "${port[$s]}" /metrics >/dev/null
    steady=$(( $(requests) - r0 ))
    emit "xs_$s cold=$cold cold_watch=$cold_w steady=$steady steady_scrapes=$n_steady"
done
if [ -n "$NODE_EXPORTER" ]; then
    start node_exporter "$port_n" env -u LD_PRELOAD "$NODE_EXPORTER" --collector.disable-defaults \
        --collector.textfile --collector.textfile.directory="$work/textfile" \
        --web.listen-address="127.0.0.1:$port_n"
    pid[n]=$started
    servers+=(n)
fi

# Same client, same connections, one server at a time, interleaved.
for s in "${servers[@]}"; do load --connections 1 --requests 20 127.0.0.1 "${port[$s]}" /metrics >/dev/null; done
for conns in 1 8; do
    for s in "${servers[@]}"; do
        emit "load_${s}_$conns $(load --connections "$conns" --duration "$SECONDS_PER_RUN" \
            127.0.0.1 "${port[$s]}" /metrics)"
    done
done
# Memory after the load runs (text pages only: the OpenMetrics and gzip
# fetches below would add a second rendering and zlib's state).
for s in "${servers[@]}"; do
    emit "rss_$s rss=$(rss "${pid[$s]}" VmRSS) hwm=$(rss "${pid[$s]}" VmHWM) anon=$(rss "${pid[$s]}" RssAnon)" \
         "file=$(rss "${pid[$s]}" RssFile)"
done
for s in c u; do
    n_collect=200; [ $s = u ] && n_collect=10
    emit "collect_$s $(python3 "$XM_ROOT/bench/bench-host.py" collect "http://127.0.0.1:${port[$s]}/metrics" "$n_collect")"
done
# What the test double adds: the fake libxl's listing time and its parsed fixture.
emit "fake $("$XM_BUILD/bench/xm-listtime" 200)"
emit "gzip_c $(load --connections 1 --duration 1 --header 'Accept-Encoding: gzip' 127.0.0.1 "$port_c" /metrics)"
url=http://127.0.0.1:$port_c/metrics
emit "page text=$(curl -s "$url" | wc -c) om=$(curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' "$url" | wc -c)" \
     "gzip=$(curl -s -H 'Accept-Encoding: gzip' "$url" | wc -c)" \
     "domains=$(curl -s "$url" | grep -c '^xen_domain_info{')" \
     "node=$( [ -n "$NODE_EXPORTER" ] && curl -s "http://127.0.0.1:$port_n/metrics" | wc -c)"
# Changes after the memory figures: each fixture rewrite makes the fake libxl
# parse the fixture again inside the exporter, which grows its heap.
for s in c u; do
    emit "chg_$s $(python3 "$XM_ROOT/bench/bench-host.py" changes \
        "http://127.0.0.1:${port[$s]}/metrics" "$fixture" "$CHANGES")"
done
if [ "$burst" -gt 0 ]; then
    emit "burst $(python3 "$XM_ROOT/bench/bench-host.py" burst "$url" "$fixture" "$burst")"
    emit "rss_burst rss=$(rss "${pid[c]}" VmRSS) hwm=$(rss "${pid[c]}" VmHWM)"
fi
stop_all
emit "done"
INNER
chmod +x "$tmp/on-host.sh"

# get NAME KEY: a value from the results of the current host.
get() { sed -nE "/^$1 /{s/(^|.* )$2=([^ ]*).*/\2/p;q}" "$res"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.1f", a / b }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Other processes using the CPU now (over one second, from top): the figures
# depend on them on a small machine.
busy() {
    top -b -n 2 -d 1 -o %CPU -w 200 2>/dev/null | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 10 {
        printf "%s%s (pid %s, nice %s, %s%% CPU)", sep, $12, $1, $4, $9; sep = ", " }'
}
busy=$(busy)
printf '\nxenmode_exporter benchmark: %s, %s CPUs, build %s, revision %s%s\n' "$(uname -m)" "$(nproc)" \
    "$(basename "$XM_BUILD")" "$(git rev-parse --short=12 HEAD 2>/dev/null || echo '?')" \
    "$(git diff --quiet HEAD 2>/dev/null || echo ' (work tree modified)')"
printf 'load average at start: %s%s\n' "$load_before" "${busy:+; busy: $busy}"
printf 'fake host: fake libxl + xenstore test server over a unix socket; client and servers on this machine\n'
printf 'load runs: %s s each, keep-alive, text format, uncompressed; xm-load is the client for every server\n\n' "$SECONDS_PER_RUN"

line() { printf -- '-%.0s' $(seq 1 "$1"); printf '\n'; }
name_of() { case $1 in c) echo cached ;; u) echo uncached ;; n) echo node_exporter ;; esac; }
t1=() t2=() t3=() pages=() burst_lines=() t_steady=() t_p99="" t_rss="" t_ratio=() t_fake="" t_own=""
largest=${sizes[${#sizes[@]}-1]}
for n in "${sizes[@]}"; do
    fix="$tmp/host-$n.json"
    work="$tmp/work-$n"
    mkdir -p "$work"
    bench/gen-fixture.sh "$n" >"$fix"
    res="$tmp/res-$n"
    b=0; [ "$n" = "$largest" ] && b=$BURST
    printf 'bench: %s domains...\n' "$n" >&2
    # In the background, so that a signal to this script reaches its trap at
    # once and cleanup can stop the run (which stops the servers).
    tests/fake-host/run "$fix" -- "$tmp/on-host.sh" "$fix" "$(free_port)" "$(free_port)" "$(free_port)" \
        "$b" "$res" "$work" >"$tmp/run-$n.log" 2>&1 &
    runpid=$!
    wait "$runpid"; rc=$?
    runpid=
    if [ "$rc" != 0 ] || ! grep -q '^done' "$res" 2>/dev/null; then
        echo "bench: run on $n domains failed:" >&2; tail -20 "$tmp/run-$n.log" >&2
        continue
    fi
    for s in c u n; do
        grep -q "^load_${s}_1 " "$res" || continue
        collect="-"; [ $s != n ] && collect=$(get "collect_$s" collect_p50_ms)
        t1+=("$(printf '%7s %-14s| %7s %7s %8s | %7s %8s %8s | %8s' "$n" "$(name_of $s)" \
            "$(get "load_${s}_1" p50_ms)" "$(get "load_${s}_1" p99_ms)" "$(get "load_${s}_1" rps)" \
            "$(get "load_${s}_8" p50_ms)" "$(get "load_${s}_8" p99_ms)" "$(get "load_${s}_8" rps)" "$collect")")
        if [ $s = n ]; then
            xs=("-" "-" "-" "-" "-")
        else
            chg=$(get "chg_$s" xs_next)
            [ "$(get "chg_$s" exact)" = yes ] || chg="$chg!"
            xs=("$(get "xs_$s" cold)" "$(get "xs_$s" cold_watch)" \
                "$(per "$(get "xs_$s" steady)" "$(get "xs_$s" steady_scrapes)")" "$(get "chg_$s" changed)" "$chg")
        fi
        t2+=("$(printf '%7s %-14s| %8s %7s %9s %4s %7s | %8s %8s %8s %8s' "$n" "$(name_of $s)" "${xs[@]}" \
            "$(get "rss_$s" rss)" "$(get "rss_$s" anon)" "$(get "rss_$s" file)" "$(get "rss_$s" hwm)")")
    done
    r1=$(ratio "$(get load_c_1 rps)" "$(get load_n_1 rps)"); r8=$(ratio "$(get load_c_8 rps)" "$(get load_n_8 rps)")
    u1=$(ratio "$(get load_u_1 rps)" "$(get load_n_1 rps)"); u8=$(ratio "$(get load_u_8 rps)" "$(get load_n_8 rps)")
    t3+=("$(printf '%7s | %14s %14s | %14s %14s | %13s %12s' "$n" "x$r1" "x$r8" "x$u1" "x$u8" \
        "$(get fake list_ms)" "$(get fake anon_kB)")")
    pages+=("$(printf '%7s | %8s %8s %7s | %7s %8s | %9s' "$n" \
        "$(get page text)" "$(get page om)" "$(get page gzip)" "$(get gzip_c p50_ms)" "$(get gzip_c rps)" \
        "$(get page node)")")
    t_steady+=("$n: $(per "$(get xs_c steady)" "$(get xs_c steady_scrapes)")")
    t_ratio+=("$n: x$r1 / x$r8")
    if [ "$n" = 1000 ]; then
        t_p99=$(get load_c_1 p99_ms); t_rss=$(get rss_c rss)
        t_fake="$(get fake list_ms) ms of listing per scrape and $(get fake anon_kB) kB of RssAnon"
        t_own=$(awk -v r="$t_rss" -v f="$(get fake anon_kB)" 'BEGIN { if (r != "" && f != "") print r - f }')
    fi
    if [ "$b" -gt 0 ] && grep -q '^burst ' "$res"; then
        burst_lines=(
            "burst on the $n-domain host, cached exporter running: $(get burst burst) domains"
            "  created:   reload $(get burst create_reload_ms) ms, then exact after $(get burst create_exact_ms) ms ($(get burst create_scrapes) scrape(s), the exact one took $(get burst create_last_ms) ms); xenstore requests $(get burst create_xs); watches on the server $(get burst create_watches)"
            "  destroyed: reload $(get burst destroy_reload_ms) ms, then exact after $(get burst destroy_exact_ms) ms ($(get burst destroy_scrapes) scrape(s), the exact one took $(get burst destroy_last_ms) ms); xenstore requests $(get burst destroy_xs); watches on the server $(get burst destroy_watches)"
            "  afterwards the scrape equals a full read: $(get burst final_equal); exporter VmRSS $(get rss_burst rss) kB (peak $(get rss_burst hwm) kB)")
    fi
done

printf '\nscrapes: keep-alive GETs, text format, uncompressed; latency in ms\n'
printf '%7s %-14s| %7s %7s %8s | %7s %8s %8s | %8s\n' domains server p50_1c p99_1c rps_1c p50_8c p99_8c rps_8c collect
line 90; printf '%s\n' "${t1[@]}"
printf '\nrequests/s relative to node_exporter (same series from its textfile collector), and what the fake libxl adds\n'
printf '%7s | %14s %14s | %14s %14s | %13s %12s\n' domains cached_1c cached_8c uncached_1c uncached_8c fake_list_ms fake_anon_kB
line 100; printf '%s\n' "${t3[@]}"
printf '\nxenstore requests (test server counter) and memory after the load runs (kB)\n'
printf '%7s %-14s| %8s %7s %9s %4s %7s | %8s %8s %8s %8s\n' domains server xs_cold of_wat xs_steady chgd xs_chg \
    VmRSS RssAnon RssFile VmHWM
line 100; printf '%s\n' "${t2[@]}"
printf '\npages (bytes) and gzip on 1 connection (cached exporter)\n'
printf '%7s | %8s %8s %7s | %7s %8s | %9s\n' domains text om gzip gz_p50 gz_rps node_text
line 70; printf '%s\n' "${pages[@]}"
[ ${#burst_lines[@]} -gt 0 ] && printf '\n' && printf '%s\n' "${burst_lines[@]}"

busy=$(busy)
printf '\nload average at the end: %s%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "${busy:+; busy: $busy}"
printf '\ntargets of issue 10 (figures, not assertions):\n'
printf '  steady state 0 xenstore requests per scrape, every size (cached): %s\n' "${t_steady[*]}"
if [ -n "$t_p99" ]; then
    printf '  1000 domains, scrape p99 <= 1 ms uncompressed (1 connection): %s ms -> %s\n' "$t_p99" \
        "$(awk -v x="$t_p99" 'BEGIN { printf (x <= 1 ? "met, %.0f%% under" : "missed by %.0f%%"), (x <= 1 ? (1 - x) * 100 : (x - 1) * 100) }')"
    printf '  1000 domains, exporter VmRSS <= 5 MiB (5120 kB) after the runs: %s kB -> %s\n' "$t_rss" \
        "$(awk -v x="$t_rss" 'BEGIN { printf (x <= 5120 ? "met, %.0f%% under" : "missed, %.1fx the target"), (x <= 5120 ? (1 - x / 5120) * 100 : x / 5120) }')"
    printf '    the fake libxl accounts for %s (its parsed fixture);\n' "$t_fake"
    printf '    without it: ~%s kB -> %s\n' "$t_own" \
        "$(awk -v x="$t_own" 'BEGIN { printf (x <= 5120 ? "met, %.0f%% under" : "missed, %.1fx the target"), (x <= 5120 ? (1 - x / 5120) * 100 : x / 5120) }')"
fi
printf '  rps >= 20x node_exporter textfile (cached, 1 conn / 8 conns): %s\n' "${t_ratio[*]}"
cat <<'NOTE'

docs/bench.md explains every column. In short: _1c = one keep-alive connection, _8c = 8
concurrent ones; collect = p50 of xen_exporter_scrape_duration_seconds (the core's snapshot,
the fake libxl's listing included); fake_list_ms/fake_anon_kB = what the fake libxl alone costs
per listing and in resident memory (absent on real Xen); xs_cold = xenstore requests of startup
+ first scrape, of_wat = WATCH requests among them, xs_steady = per scrape of the unchanged host,
xs_chg = the first scrape after the backends of chgd domains moved ("!": not exact yet).
NOTE

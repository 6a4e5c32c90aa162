#!/bin/bash
# make bench: xenmode_exporter on generated fake hosts (10, 100, 1000
# domains by default; BENCH_SIZES or arguments to change). For each host:
# scrape latency p50/p99 and requests per second on 1 keep-alive
# connection and on 8 concurrent ones, the response size (text, OpenMetrics,
# gzip), and the xenstore requests per scrape counted by the test server
# (the first snapshot, which fills the watch cache, and the steady state).
# Figures are printed, not asserted.
set -u
cd "$(dirname "$0")/.."
XM_ROOT=$(pwd)
XM_BUILD=${XM_BUILD:-$XM_ROOT/build}
export XM_ROOT XM_BUILD
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(10 100 1000)
REQ1=${BENCH_REQUESTS_1:-2000}   # requests on the single connection
REQ8=${BENCH_REQUESTS_8:-1000}   # requests per connection, 8 connections

for tool in "$XM_BUILD/xenmode_exporter" "$XM_BUILD/bench/xm-load" tests/fake-host/run; do
    [ -x "$tool" ] || { echo "bench: $tool missing (make all)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenmode-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The part that runs on the fake host: start the exporter, measure, stop.
cat >"$tmp/on-host.sh" <<'INNER'
#!/bin/bash
set -u
port=$1 req1=$2 req8=$3 out=$4
ctl() { "$XM_ROOT/tests/fake-host/xenstored-ctl" "$@"; }
# requests [KIND]: the server's cumulative counter (all, or read, directory, watch).
requests() { ctl stats | sed -nE "s/(^|.* )${1:-requests}=([0-9]*).*/\2/p"; }
url="http://127.0.0.1:$port/metrics"
start=$(requests); start_w=$(requests watch)
"$XM_BUILD/xenmode_exporter" --web.listen-address="127.0.0.1:$port" --web.max-requests=0 \
    --log.level=warn 2>"$out.log" &
pid=$!
for i in $(seq 1 600); do curl -s -o /dev/null "$url" && break; sleep 0.05; done
# The exporter took one snapshot at startup (filling its watch cache) and
# our curl a second; what follows is the steady state. The counter is
# cumulative: differences.
after_start=$(requests)
cold=$((after_start - start))
cold_watch=$(( $(requests watch) - start_w ))
"$XM_BUILD/bench/xm-load" --connections 1 --requests 100 127.0.0.1 "$port" /metrics >/dev/null
steady=$(( $(requests) - after_start ))
text=$(curl -s "$url" | wc -c)
om=$(curl -s -H 'Accept: application/openmetrics-text;version=1.0.0' "$url" | wc -c)
gz=$(curl -s -H 'Accept-Encoding: gzip' "$url" | wc -c)
domains=$(curl -s "$url" | grep -c '^xen_domain_info{')
one=$("$XM_BUILD/bench/xm-load" --connections 1 --requests "$req1" 127.0.0.1 "$port" /metrics)
eight=$("$XM_BUILD/bench/xm-load" --connections 8 --requests "$req8" 127.0.0.1 "$port" /metrics)
gzone=$("$XM_BUILD/bench/xm-load" --connections 1 --requests "$((req1 / 4))" \
    --header 'Accept-Encoding: gzip' 127.0.0.1 "$port" /metrics)
kill "$pid"; wait "$pid"
{
    echo "domains=$domains cold_requests=$cold cold_watches=$cold_watch steady_requests_per_100=$steady"
    echo "size_text=$text size_openmetrics=$om size_gzip=$gz"
    echo "one $one"
    echo "eight $eight"
    echo "gzone $gzone"
} >"$out"
INNER
chmod +x "$tmp/on-host.sh"

field() { sed -nE "s/(^|.* )$2=([^ ]*).*/\2/p" <<<"$1"; }

printf '\nxenmode_exporter benchmark (%s, %s CPUs, build %s)\n' "$(uname -m)" "$(nproc)" "$(basename "$XM_BUILD")"
printf 'fake host: fake libxl + xenstore test server over a unix socket; client and exporter on one machine\n\n'
printf '%8s | %9s %9s %9s | %9s %9s | %8s %8s %8s | %9s %9s %9s\n' \
    domains p50_ms p99_ms rps_1conn p50_ms_8 rps_8conn text_B om_B gzip_B xs_first of_watch xs_steady
printf '%s\n' "---------+-------------------------------+---------------------+----------------------------+------------------------------"
extra=""
for n in "${sizes[@]}"; do
    fix="$tmp/host-$n.json"
    bench/gen-fixture.sh "$n" >"$fix"
    port=$(free_port)
    if ! tests/fake-host/run "$fix" -- "$tmp/on-host.sh" "$port" "$REQ1" "$REQ8" "$tmp/res-$n" \
            >"$tmp/run-$n.log" 2>&1 || [ ! -s "$tmp/res-$n" ]; then
        echo "bench: run on $n domains failed:" >&2; tail -20 "$tmp/run-$n.log" >&2
        [ -f "$tmp/res-$n.log" ] && tail -5 "$tmp/res-$n.log" >&2
        continue
    fi
    r=$(cat "$tmp/res-$n")
    one=$(grep '^one ' <<<"$r"); eight=$(grep '^eight ' <<<"$r")
    steady=$(field "$r" steady_requests_per_100)
    printf '%8s | %9s %9s %9s | %9s %9s | %8s %8s %8s | %9s %9s %9s\n' \
        "$(field "$r" domains)" "$(field "$one" p50_ms)" "$(field "$one" p99_ms)" "$(field "$one" rps)" \
        "$(field "$eight" p50_ms)" "$(field "$eight" rps)" \
        "$(field "$r" size_text)" "$(field "$r" size_openmetrics)" "$(field "$r" size_gzip)" \
        "$(field "$r" cold_requests)" "$(field "$r" cold_watches)" "$(awk -v s="$steady" 'BEGIN { printf "%.2f", s / 100 }')"
    gz=$(grep '^gzone ' <<<"$r")
    extra="$extra$(printf '%8s domains: gzip on 1 connection p50 %s ms, %s req/s; 8 connections p99 %s ms\n' \
        "$n" "$(field "$gz" p50_ms)" "$(field "$gz" rps)" "$(field "$eight" p99_ms)")"$'\n'
done
printf '\n%s' "${extra:-}"
cat <<'NOTE'

columns: latency and req/s of keep-alive scrapes (text format) on 1 connection and on
8 concurrent connections; page sizes in bytes; xenstore requests counted by the test
server: xs_first = all requests of the first collections (startup + first scrape:
the full reads and the watches that keep the cache fresh), of_watch = the WATCH
requests among them, xs_steady = average per scrape afterwards (a host whose
xenstore does not change is answered from the watch cache).
NOTE

#!/bin/bash
# Hostile clients cannot take xenmode_exporter down. Each attack is started
# by tests/tools/xe-hostile.py from 127.0.0.2 while it scrapes /metrics from
# 127.0.0.1 on a new connection every 0.1 s; the attack is stopped after.
#
# The bound, for every attack: every scrape answers 200 and the p99 of the
# scrape latency stays under XE_HOSTILE_P99_MS (default 500 ms: generous
# for a loaded 2-core machine and the sanitizer build; an exporter that
# fails shows scrapes timing out after 5 s or refused with 503).
# The figures of each attack are printed as "# figures: {json}".
#
# XE_HOSTILE_VALGRIND=1 (test-exporter-hostile-valgrind.sh): every exporter
# runs under valgrind memcheck and the same attacks run with fewer
# connections (n), a longer scrape timeout and no latency bound (valgrind
# is 20-50 times slower); each exporter must then stop with no memcheck
# error and no definite or indirect leak.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
HOSTILE="$XM_ROOT/tests/tools/xe-hostile.py"
P99_MS=${XE_HOSTILE_P99_MS:-500}
# Over TLS each scrape is a new handshake, done by Python: 50-250 ms each on
# a loaded 2-core machine before any attack.
TLS_P99_MS=${XE_HOSTILE_TLS_P99_MS:-1500}
VG=${XE_HOSTILE_VALGRIND:-}
SCRAPE_OPTS=() READY=30
if [ -n "$VG" ]; then
    if [ "${XM_SANITIZE:-}" = 1 ]; then
        ok "valgrind memcheck of the hostile-client attacks # SKIP valgrind under ASan"
        finish; exit
    fi
    P99_MS=1e9 TLS_P99_MS=1e9 SCRAPE_OPTS=(--timeout 30) READY=120
fi
# n COUNT: COUNT connections, a tenth (at least 20) under valgrind.
n() { if [ -n "$VG" ]; then echo $(( $1 / 10 > 20 ? $1 / 10 : 20 )); else echo "$1"; fi; }
# vg NAME: xe_start's options to run exporter NAME under valgrind.
vg() { [ -n "$VG" ] && echo "--valgrind $TL_TMP/vg-$1.log"; }
# vg_stop NAME: under valgrind, stops NAME and checks its memcheck report.
vg_stop() {
    [ -n "$VG" ] || return 0
    local name=$1 rc
    xe_stop "$name" 180; rc=$?
    xe_valgrind_clean "$TL_TMP/vg-$name.log" "$name after the attacks" "$rc"
}

# attack NAME MODE [OPTIONS...]: runs the attack with scrapes against the
# exporter NAME; checks the bound; prints the figures.
attack() {
    local name=$1 mode=$2; shift 2
    local out bound=$P99_MS
    [ "${XE_SCHEME[$name]}" = https ] && bound=$TLS_P99_MS
    out=$(python3 "$HOSTILE" "$mode" --port "${XE_PORT[$name]}" "${SCRAPE_OPTS[@]}" "$@" 2>&1)
    diag "figures: $out"
    local scrapes failed p99 opened
    scrapes=$(jq -r .scrapes <<<"$out" 2>/dev/null)
    failed=$(jq -r .failed <<<"$out" 2>/dev/null)
    p99=$(jq -r '.p99_ms // 1e9' <<<"$out" 2>/dev/null)
    opened=$(jq -r .attack_connections <<<"$out" 2>/dev/null)
    check "$mode: the attack opened its connections ($opened)" test "${opened:-0}" -gt 0
    check "$mode: scrapes ran during the attack ($scrapes)" test "${scrapes:-0}" -ge 5
    assert_eq "$mode: no scrape failed during the attack" 0 "$failed"
    check "$mode: scrape p99 ${p99} ms < ${bound} ms" \
        python3 -c "import sys; sys.exit(0 if float('$p99') < $bound else 1)"
    check "$mode: the exporter is still running" xe_alive "$name"
}

# shellcheck disable=SC2046 # vg's options are words
xe_start main "$MIXED" $(vg main) -- --web.max-requests=40
check "exporter answers" xe_wait_ready main "$READY"

# 40 POSTs dripping their bodies would hold every --web.max-requests slot
# before any authentication if a request were counted from its headers.
attack main slowpost --conns "$(n 200)" --duration 5 --drip 2
# Connections that send nothing, and ones that drip their headers.
attack main idle --conns "$(n 2000)" --duration 5
attack main slowheader --conns "$(n 500)" --duration 5 --drip 2
# Bursts of half requests closed at once: the scrapes start right after
# the last burst and last 10 s.
attack main halfclose --conns "$(n 2500)" --bursts 3 --after 6

# --- HTTP laxness ---------------------------------------------------------
# raw_status NAME REQUEST: the status code of the answer to REQUEST (printf
# escapes), sent as it is on a new connection.
raw_status() {
    python3 - "${XE_PORT[$1]}" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
parts = data.split(b"\r\n", 1)[0].split()
print(parts[1].decode() if len(parts) > 1 else "none")
PY
}
assert_eq "GET /metrics%00x is 404, not the metrics" 404 \
    "$(raw_status main 'GET /metrics%00x HTTP/1.1\r\nHost: x\r\n\r\n')"
assert_eq "GET /metrics%2500 is 404" 404 \
    "$(raw_status main 'GET /metrics%2500 HTTP/1.1\r\nHost: x\r\n\r\n')"
assert_eq "an escaped path is unescaped: /%6detrics is 200" 200 \
    "$(raw_status main 'GET /%6detrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
assert_eq "conflicting Content-Length headers: 400" 400 \
    "$(raw_status main 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n')"
assert_eq "HTTP/1.1 without Host: 400" 400 \
    "$(raw_status main 'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n')"
assert_eq "HTTP/1.0 without Host: 200" 200 \
    "$(raw_status main 'GET /metrics HTTP/1.0\r\n\r\n')"
assert_eq "a GET with a chunked body: refused at once (413)" 413 \
    "$(raw_status main 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n')"
assert_eq "a POST: refused at once (405), before its body" 405 \
    "$(raw_status main 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n')"

# --- basic auth: slow bodies hold no slot before authentication ------------
printf 'basic_auth_users:\n  prometheus: %s\n' "$("$XM_BUILD/exporter/tests/xe-bcrypt" 's3cret' 4)" \
    >"$TL_TMP/web.yml"
# shellcheck disable=SC2046
xe_start auth "$MIXED" $(vg auth) -- --web.max-requests=40 --web.config.file="$TL_TMP/web.yml"
check "exporter with basic auth answers" xe_wait_ready auth "$READY"
attack auth slowpost --conns "$(n 200)" --duration 5 --drip 1 --user prometheus:s3cret
vg_stop auth

# --- TLS: the same attacks on the HTTPS port; plain HTTP gets a 400 -----------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TL_TMP/tls.key" -out "$TL_TMP/tls.crt" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
printf 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n' >"$TL_TMP/tls.yml"
# shellcheck disable=SC2046
xe_start tls "$MIXED" $(vg tls) --https -- --web.max-requests=40 --web.config.file="$TL_TMP/tls.yml"
check "exporter with TLS answers" xe_wait_ready tls "$READY"
assert_eq "HTTPS: 200" 200 "$(xe_status tls /metrics)"
body=$(curl -s --max-time 10 -o "$TL_TMP/plain.body" -w '%{http_code}' "http://127.0.0.1:${XE_PORT[tls]}/metrics")
assert_eq "plain HTTP to the HTTPS port: 400" 400 "$body"
check "... telling the client to use HTTPS" grep -q 'Client sent an HTTP request to an HTTPS server' "$TL_TMP/plain.body"
attack tls slowpost --conns "$(n 200)" --duration 5 --drip 1 --tls
attack tls idle --conns "$(n 2000)" --duration 5 --tls
attack tls halfclose --conns "$(n 2500)" --bursts 2 --after 5 --tls
assert_eq "HTTPS still 200 after the attacks" 200 "$(xe_status tls /metrics)"
vg_stop tls

# --- SIGTERM with 500 open connections ---------------------------------------
mkfifo "$TL_TMP/hold.in"
HOLD=$(n 500)
python3 "$HOSTILE" hold --port "${XE_PORT[main]}" --conns "$HOLD" <"$TL_TMP/hold.in" >"$TL_TMP/hold.out" &
hold_pid=$!
exec 7>"$TL_TMP/hold.in"
on_exit "exec 7>&-; kill $hold_pid 2>/dev/null"
check "$HOLD connections held open" wait_until 20 grep -q "^held $HOLD\$" "$TL_TMP/hold.out"
# The exporter's own exit is timed (not the fake host's teardown after it).
xpid=$(cat "${XE_DIR[main]}/pid")
exited() { ! [ -e /proc/$xpid ] || grep -q '^[^)]*) Z' /proc/$xpid/stat 2>/dev/null; }
t0=$(date +%s%N)
kill -TERM "$xpid"
wait_until 180 exited
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
xe_stop main 30; rc=$?
diag "figures: SIGTERM with $HOLD open connections: the exporter exited after $ms ms (status $rc)"
assert_eq "SIGTERM with $HOLD open connections: exit status 0" 0 "$rc"
# LeakSanitizer scans the whole heap at exit: the sanitizer build gets 5 s;
# valgrind's leak check at exit takes 10-30 s.
stop_ms=2000; [ "${XM_SANITIZE:-}" = 1 ] && stop_ms=5000; [ -n "$VG" ] && stop_ms=60000
check "SIGTERM with $HOLD open connections: exit within $stop_ms ms ($ms ms)" test "$ms" -lt "$stop_ms"
exec 7>&-
[ -n "$VG" ] && xe_valgrind_clean "$TL_TMP/vg-main.log" "main after the attacks and SIGTERM" "$rc"

xe_finish

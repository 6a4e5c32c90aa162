#!/bin/bash
# xenmode_exporter's HTTP side on the mixed fake host: promtool accepts the
# text output; content negotiation (OpenMetrics by Accept q-values, gzip by
# Accept-Encoding); HEAD, 404, 405, the landing page, a custom telemetry
# path; 1000 scrapes on one keep-alive connection; 200 concurrent
# connections; --web.max-requests answering 503; flags and startup errors.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
PROM_ACCEPT='application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

xe_start main "$MIXED" -- --web.max-requests=0
check "exporter answers" xe_wait_ready main

# --- formats -------------------------------------------------------------
xe_get main /metrics >"$TL_TMP/plain.txt"
check "text output passes promtool check metrics" promtool check metrics <"$TL_TMP/plain.txt"
assert_eq "the collection succeeded (xen_up 1)" "1" "$(sed -n 's/^xen_up //p' "$TL_TMP/plain.txt")"
assert_eq "every domain of the fixture with its mode" "$(expected_modes "$MIXED")" \
    "$(scraped_modes <"$TL_TMP/plain.txt")"
for m in xen_domain_virt_mode xen_domain_info xen_domain_pv_devices_connected xen_up \
         xen_exporter_scrape_duration_seconds xenmode_exporter_build_info xen_hypervisor_info process_cpu_seconds_total \
         process_resident_memory_bytes process_virtual_memory_bytes process_start_time_seconds \
         process_open_fds process_max_fds; do
    check "family $m present with HELP and TYPE" grep -q "^# TYPE $m " "$TL_TMP/plain.txt"
done
ctype=$(curl -s -o /dev/null -w '%{content_type}' "$(xe_url main)")
assert_eq "default content type is text 0.0.4" "text/plain; version=0.0.4; charset=utf-8" "$ctype"

curl -s -D "$TL_TMP/om.h" -H "Accept: $PROM_ACCEPT" "$(xe_url main)" >"$TL_TMP/om.txt"
assert_eq "Prometheus's Accept gets OpenMetrics 1.0.0" \
    "application/openmetrics-text; version=1.0.0; charset=utf-8" \
    "$(sed -n 's/^Content-Type: \(.*\)\r$/\1/Ip' "$TL_TMP/om.h")"
assert_eq "OpenMetrics page ends with # EOF" "# EOF" "$(tail -n 1 "$TL_TMP/om.txt")"
check "OpenMetrics counter family written without _total" \
    grep -q '^# TYPE process_cpu_seconds counter$' "$TL_TMP/om.txt"
ctype=$(curl -s -o /dev/null -w '%{content_type}' \
    -H 'Accept: application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.5' "$(xe_url main)")
assert_eq "text preferred by q-value gets text" "text/plain; version=0.0.4; charset=utf-8" "$ctype"
assert_eq "text page has no # EOF" "0" "$(grep -c '^# EOF' "$TL_TMP/plain.txt")"

curl -s -D "$TL_TMP/gz.h" -H 'Accept-Encoding: gzip' "$(xe_url main)" >"$TL_TMP/gz.bin"
check "Accept-Encoding: gzip gets Content-Encoding: gzip" grep -qi '^Content-Encoding: gzip' "$TL_TMP/gz.h"
if gunzip -c <"$TL_TMP/gz.bin" >"$TL_TMP/gunzipped.txt"; then ok "gzip body gunzips"; else not_ok "gzip body gunzips"; fi
assert_eq "gunzipped page has the same domain families as the plain one" \
    "$(domain_families <"$TL_TMP/plain.txt")" "$(domain_families <"$TL_TMP/gunzipped.txt")"
check "gunzipped page passes promtool" promtool check metrics <"$TL_TMP/gunzipped.txt"
curl -s -D "$TL_TMP/nogz.h" -o /dev/null -H 'Accept-Encoding: gzip;q=0, identity' "$(xe_url main)"
check "gzip;q=0 is not compressed" bash -c "! grep -qi '^Content-Encoding' '$TL_TMP/nogz.h'"
curl -s -D "$TL_TMP/omgz.h" -H "Accept: $PROM_ACCEPT" -H 'Accept-Encoding: gzip' "$(xe_url main)" |
    gunzip -c >"$TL_TMP/omgz.txt"
assert_eq "OpenMetrics and gzip together" "# EOF" "$(tail -n 1 "$TL_TMP/omgz.txt")"

# --- methods and paths ---------------------------------------------------
assert_eq "HEAD /metrics is 200" 200 "$(xe_status main /metrics -I)"
# Raw HEAD: headers with a Content-Length, and not one byte of body.
head_raw() {
    exec 3<>"/dev/tcp/127.0.0.1/${XE_PORT[main]}" || return 1
    printf 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
    cat <&3 >"$TL_TMP/head.raw"
    exec 3<&-
}
head_raw
hdr_end=$(grep -c $'^\r$' "$TL_TMP/head.raw")
after=$(awk 'found { n += length($0) + 1 } /^\r$/ { found = 1 } END { print n + 0 }' "$TL_TMP/head.raw")
clen=$(sed -n 's/^Content-Length: \([0-9]*\)\r$/\1/Ip' "$TL_TMP/head.raw")
check "HEAD: headers end, no body follows, Content-Length given ($clen)" \
    test "$hdr_end" = 1 -a "$after" = 0 -a "${clen:-0}" -gt 0
assert_eq "GET /nope is 404" 404 "$(xe_status main /nope)"
assert_eq "GET /metrics/ is 404" 404 "$(xe_status main /metrics/)"
assert_eq "GET /metricsx is 404" 404 "$(xe_status main /metricsx)"
for m in POST PUT DELETE PATCH OPTIONS; do
    assert_eq "$m /metrics is 405" 405 "$(xe_status main /metrics -X "$m")"
done
allow=$(curl -s -D - -o /dev/null -X POST "$(xe_url main)" | sed -n 's/^Allow: \(.*\)\r$/\1/Ip')
assert_eq "405 names the allowed methods" "GET, HEAD" "$allow"
assert_eq "POST with a body is 405 too" 405 "$(xe_status main /metrics -X POST --data-binary @"$TL_TMP/plain.txt")"
landing=$(xe_get main /)
check "landing page links to /metrics" grep -q 'href="/metrics"' <<<"$landing"
check "landing page names the exporter and its version" \
    grep -q "xenmode_exporter.*$(cat "$XM_ROOT/VERSION")" <<<"$(tr -d '\n' <<<"$landing")"
assert_eq "landing page is HTML" "text/html; charset=utf-8" \
    "$(curl -s -o /dev/null -w '%{content_type}' "$(xe_url main /)")"

# --- connections ---------------------------------------------------------
out=$("$XE_LOAD" --connections 1 --requests 1000 127.0.0.1 "${XE_PORT[main]}" /metrics)
diag "1 connection: $out"
check "1000 scrapes over one keep-alive connection, all 200, never reconnected" \
    grep -q 'requests=1000 ok=1000 status_other=0 errors=0 reconnects=0 ' <<<"$out"
# curl reuses its connection for many URLs in one invocation, as Prometheus
# does. %{num_connects} (the connections a transfer opened) is stable across
# curl versions, unlike the wording of -v.
urls=(); for i in $(seq 1 50); do urls+=(-o /dev/null "$(xe_url main)"); done
connects=$(curl -s -w '%{num_connects}\n' "${urls[@]}")
assert_eq "curl: 50 scrapes, one connection opened, 49 on the reused one" "1 49" \
    "$(awk '{ n += $1 } $1 == 0 { z++ } END { print n, z }' <<<"$connects")"
out=$("$XE_LOAD" --connections 200 --requests 3 --barrier 127.0.0.1 "${XE_PORT[main]}" /metrics)
diag "200 connections: $out"
check "200 concurrent connections (opened before any request) all answered 200" \
    grep -q 'requests=600 ok=600 status_other=0 errors=0 reconnects=0 ' <<<"$out"
check "exporter still serving after the burst" test "$(xe_up main)" = 1

# --- --web.max-requests: requests whose handler runs count; one more gets 503
# Without the cache every scrape reads xenstore: with the fake xenstored
# stopped (SIGSTOP), two scrapes stay in their handler.
xe_start limited "$MIXED" -- --web.max-requests=2 --no-xen.cache
check "exporter with --web.max-requests=2 answers" xe_wait_ready limited
xs_pid=$(tr '\0' '\n' <"${XE_DIR[limited]}/env" | sed -n 's/^XENMODE_FAKE_XENSTORED_PIDFILE=//p' | xargs cat)
kill -STOP "$xs_pid"; on_exit "kill -CONT $xs_pid 2>/dev/null"
exec 4<>"/dev/tcp/127.0.0.1/${XE_PORT[limited]}" 5<>"/dev/tcp/127.0.0.1/${XE_PORT[limited]}"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >&4
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >&5
# (a connection landing on a worker thread held by one of them waits: retry)
third_is_503() { [ "$(xe_status limited /metrics --max-time 1)" = 503 ]; }
check "with 2 requests in progress, a third gets 503" wait_until 30 third_is_503
kill -CONT "$xs_pid"
read_status() { local line; IFS= read -r -t 10 line <&"$1"; echo "${line%$'\r'}"; }
assert_eq "the first held request completes with 200" "HTTP/1.1 200 OK" "$(read_status 4)"
assert_eq "the second held request completes with 200" "HTTP/1.1 200 OK" "$(read_status 5)"
exec 4<&- 5<&-
check "once they are done, requests get 200 again" \
    wait_until 10 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $(xe_url limited))\" = 200 ]"
# A request announcing a body is answered at once, without waiting for it.
exec 4<>"/dev/tcp/127.0.0.1/${XE_PORT[limited]}"
printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n' >&4
assert_eq "a GET announcing a body gets 413 before sending it" "HTTP/1.1 413 Content Too Large" "$(read_status 4)"
exec 4<&-

# --- custom path, several addresses --------------------------------------
P2=$(free_port)
ipv6=0; [ -e /proc/net/if_inet6 ] && python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null && ipv6=1
if [ "$ipv6" = 1 ]; then extra="--web.listen-address=[::1]:$P2"; else extra="--web.listen-address=127.0.0.2:$P2"; fi
xe_start custom "$MIXED" -- --web.telemetry-path=/xen/metrics "$extra"
check "exporter with a custom path answers" xe_wait_ready custom
assert_eq "custom telemetry path serves the metrics" 200 "$(xe_status custom /xen/metrics)"
assert_eq "/metrics is 404 then" 404 "$(xe_status custom /metrics)"
check "landing page links to the custom path" grep -q 'href="/xen/metrics"' <<<"$(xe_get custom /)"
if [ "$ipv6" = 1 ]; then addr2="http://[::1]:$P2/xen/metrics"; else addr2="http://127.0.0.2:$P2/xen/metrics"; fi
check "second --web.listen-address serves too ($addr2)" \
    bash -c "curl -s '$addr2' | grep -q '^xen_up 1$'"

# --- flags and startup errors (no fake host needed) -----------------------
"$XE_BIN" --version >"$TL_TMP/v.out" 2>&1; rc=$?
check "--version exits 0 and names the version" \
    test "$rc" = 0 -a -n "$(grep "xenmode_exporter $(cat "$XM_ROOT/VERSION")" "$TL_TMP/v.out")"
"$XE_BIN" --help >"$TL_TMP/h.out" 2>&1; rc=$?
check "--help exits 0 and lists every flag" test "$rc" = 0 -a \
    "$(grep -cE -- '--web.listen-address|--web.telemetry-path|--web.config.file|--web.max-requests|--log.level|--log.format|--version' "$TL_TMP/h.out")" -ge 7
for bad in --nope --log.level=loud --log.format=xml --web.max-requests=many \
           --web.telemetry-path=metrics stray-argument; do
    timeout 10 "$XE_BIN" "$bad" >"$TL_TMP/bad.out" 2>"$TL_TMP/bad.err"; rc=$?
    check "bad flag $bad: exit 2, reason and usage on stderr, nothing on stdout" \
        test "$rc" = 2 -a -s "$TL_TMP/bad.err" -a ! -s "$TL_TMP/bad.out" -a \
        -n "$(grep -F -- "${bad%%=*}" "$TL_TMP/bad.err")" -a -n "$(grep '^usage:' "$TL_TMP/bad.err")"
done
timeout 10 "$XE_BIN" --web.listen-address="127.0.0.1:${XE_PORT[main]}" 2>"$TL_TMP/busy.err"; rc=$?
check "a busy port: exit 1 naming the address" test "$rc" = 1 -a \
    -n "$(grep "127.0.0.1:${XE_PORT[main]}.*Address already in use" "$TL_TMP/busy.err")"
timeout 10 "$XE_BIN" --web.listen-address=nonsense 2>"$TL_TMP/addr.err"; rc=$?
check "a malformed listen address: exit 1 naming it" \
    test "$rc" = 1 -a -n "$(grep 'nonsense' "$TL_TMP/addr.err")"

# --- logging -------------------------------------------------------------
jq_true() { jq -e -s "$@" >/dev/null; }
xe_start json "$MIXED" -- --log.format=json --log.level=debug
check "exporter with --log.format=json answers" xe_wait_ready json
xe_get json >/dev/null
xe_stop json; rc=$?
assert_eq "SIGTERM stops the exporter with status 0" 0 "$rc"
check "every log line is a JSON object with ts, level, msg" \
    jq_true 'length > 3 and all(.[]; has("ts") and has("level") and has("msg"))' "${XE_DIR[json]}/log"
check "json log has the request line at debug" \
    jq_true 'any(.[]; .msg == "request" and .path == "/metrics" and .status == "200")' "${XE_DIR[json]}/log"
check "logfmt lines: ts=... level=... msg=..." \
    grep -qE '^ts=[0-9T:.-]+Z level=info msg=listening address=127\.0\.0\.1:[0-9]+ ' "${XE_DIR[main]}/log"
check "info level hides request lines" bash -c "! grep -q 'msg=request' '${XE_DIR[main]}/log'"
check "no line on stdout" test ! -s "${XE_DIR[main]}/out"

xe_finish

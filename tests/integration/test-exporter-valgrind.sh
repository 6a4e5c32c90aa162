#!/bin/bash
# valgrind memcheck over a long exporter run: more than 500 scrapes in the
# three formats (text, OpenMetrics, gzip), with injected libxl failures, the
# xenstore server killed and restarted, 404/405/landing page, concurrent
# connections; then SIGTERM. No leak (definite/indirect) and no error.
# A second, shorter run covers HTTPS + basic auth and libxl failing from
# the start. Under the sanitizer build the binaries carry ASan, which cannot
# run inside valgrind: that build's other tests are its leak check.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir; [ -n "${XE_KEEP:-}" ] && TL_CLEANUP=()
MIXED="$XM_ROOT/tests/fixtures/mixed.json"

if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "valgrind memcheck of xenmode_exporter # SKIP valgrind under ASan"
    finish; exit
fi

# load NAME N [HEADER]: N scrapes on one connection; prints the number answered 200.
load() {
    local out
    out=$("$XE_LOAD" --connections 1 --requests "$2" ${3:+--header "$3"} 127.0.0.1 "${XE_PORT[$1]}" /metrics)
    sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$out"
}
up_is() { [ "$(xe_up "$1")" = "$2" ]; }

FIX="$TL_TMP/host.json"
write_fixture "$MIXED" "$FIX"
xe_start vg "$FIX" --valgrind "$TL_TMP/vg.log" -- --web.max-requests=0
check "exporter under valgrind answers" xe_wait_ready vg 120

total=0
n=$(load vg 150); total=$((total + n))
assert_eq "150 text scrapes" 150 "$n"
n=$(load vg 60 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'); total=$((total + n))
assert_eq "60 OpenMetrics scrapes" 60 "$n"
n=$(load vg 60 'Accept-Encoding: gzip'); total=$((total + n))
assert_eq "60 gzip scrapes" 60 "$n"

write_fixture "$MIXED" "$FIX" '.fail = ["list"]'
check "injected list failure seen" wait_until 30 up_is vg 0
n=$(load vg 60); total=$((total + n))
assert_eq "60 scrapes while libxl_list_domain fails" 60 "$n"
write_fixture "$MIXED" "$FIX" '.fail = ["userdata", "domain_info"]'
n=$(load vg 40); total=$((total + n))
assert_eq "40 scrapes with userdata and domain_info failing" 40 "$n"
write_fixture "$MIXED" "$FIX" 'del(.fail)'
check "recovered" wait_until 30 up_is vg 1

xe_ctl vg kill >/dev/null
check "xenstore killed: xen_up 0" wait_until 30 up_is vg 0
n=$(load vg 60); total=$((total + n))
assert_eq "60 scrapes with xenstore gone" 60 "$n"
xe_ctl vg start >/dev/null
check "xenstore back: xen_up 1" wait_until 30 up_is vg 1
xe_ctl vg drop-connections >/dev/null
n=$(load vg 40); total=$((total + n))
assert_eq "40 scrapes around dropped xenstore connections" 40 "$n"

out=$("$XE_LOAD" --connections 8 --requests 10 --barrier 127.0.0.1 "${XE_PORT[vg]}" /metrics)
n=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' <<<"$out"); total=$((total + n))
assert_eq "80 scrapes on 8 concurrent connections" 80 "$n"
for p in / /nope; do xe_status vg "$p" >/dev/null; done
xe_status vg /metrics -X POST >/dev/null
total=$((total + 1)); xe_get vg >/dev/null
diag "scrapes under valgrind: $total"
check "at least 500 scrapes under valgrind" test "$total" -ge 500

xe_stop vg 120; rc=$?
xe_valgrind_clean "$TL_TMP/vg.log" "long run with injected failures" "$rc"

# HTTPS + basic auth, and libxl failing from the start.
cd "$TL_TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.crt >/dev/null 2>&1
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  u: %s\n' \
    "$("$XM_BUILD/exporter/tests/xe-bcrypt" pw 4)" >web.yml
xe_start vgtls "$MIXED" --https --env XENMODE_FAKE_LIBXL_FAIL=ctx_alloc --valgrind "$TL_TMP/vgtls.log" -- \
    --web.config.file="$TL_TMP/web.yml"
check "HTTPS exporter under valgrind answers" xe_wait_ready vgtls 120
urls=(); for i in $(seq 1 30); do urls+=("$(xe_url vgtls)"); done
n=$(curl -s --cacert server.crt -u u:pw "${urls[@]}" | grep -c '^xen_up 0$')
assert_eq "30 authenticated HTTPS scrapes, libxl failing: xen_up 0" 30 "$n"
assert_eq "wrong password under valgrind: 401" 401 "$(xe_status vgtls /metrics --cacert server.crt -u u:no)"
xe_stop vgtls 120; rc=$?
xe_valgrind_clean "$TL_TMP/vgtls.log" "HTTPS + basic auth, libxl failing" "$rc"

# A startup error path: bad web config, under valgrind.
printf 'tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n' >bad.yml
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --log-file="$TL_TMP/vgbad.log" "$XE_BIN" --web.config.file="$TL_TMP/bad.yml" 2>/dev/null; rc=$?
[ "$rc" = 1 ] && rc=0
xe_valgrind_clean "$TL_TMP/vgbad.log" "startup error (bad web config)" "$rc"

xe_finish

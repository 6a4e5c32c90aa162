#!/bin/bash
# valgrind memcheck over the web config's TLS and reload paths: mutual TLS
# with good and refused client certificates, SAN checks, a refused cipher,
# basic auth (right, wrong, unknown user, cached), headers, rate limit,
# reloads by SIGHUP and by a certificate replaced on disk, a broken edit
# refused, then SIGTERM. No error, no definite or indirect leak.
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
cd "$TL_TMP" || exit 1

if [ "${XM_SANITIZE:-}" = 1 ]; then
    ok "valgrind memcheck of the web config paths # SKIP valgrind under ASan"
    finish; exit
fi

mkca() { openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" -keyout "$1.key" -out "$1.crt" >>openssl.log 2>&1; }
mkcert() {
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr" >>openssl.log 2>&1 &&
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
        -extfile <(printf 'subjectAltName=%s\n' "$3") -out "$1.crt" >>openssl.log 2>&1
}
mkca ca1; mkca ca2
mkcert server ca1 IP:127.0.0.1; mkcert server2 ca1 IP:127.0.0.1
mkcert client1 ca1 DNS:prom.example; mkcert client2 ca1 DNS:other.example; mkcert client3 ca2 DNS:prom.example
check "test certificates made" test -s client3.crt -a -s server2.crt
HASH=$("$XM_BUILD/exporter/tests/xe-bcrypt" 'pw' 5)

cat >web.yml <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: VerifyClientCertIfGiven
  client_ca_file: ca1.crt
  client_allowed_sans: [prom.example]
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  prom: '$HASH'
EOF
xe_start vg "$MIXED" --valgrind "$TL_TMP/vg.log" --https -- --web.config.file="$TL_TMP/web.yml"
check "exporter under valgrind answers over mutual TLS" xe_wait_ready vg 120 --cacert ca1.crt --cert client1.crt --key client1.key
PORT=${XE_PORT[vg]}
URL="https://127.0.0.1:$PORT/metrics"
code() { curl -s --max-time 30 -o /dev/null -w '%{http_code}' --cacert ca1.crt "$@" "$URL"; }
C1=(--cert client1.crt --key client1.key)
assert_eq "client cert with an allowed SAN + password: 200" 200 "$(code "${C1[@]}" -u prom:pw)"
assert_eq "again (cached credentials): 200" 200 "$(code "${C1[@]}" -u prom:pw)"
assert_eq "wrong password: 401" 401 "$(code "${C1[@]}" -u prom:nope)"
assert_eq "unknown user: 401" 401 "$(code "${C1[@]}" -u nobody:pw)"
assert_eq "SAN not allowed: handshake fails" 000 "$(code --cert client2.crt --key client2.key -u prom:pw)"
assert_eq "certificate from another CA: handshake fails" 000 "$(code --cert client3.crt --key client3.key -u prom:pw)"
check "a cipher suite combination not listed fails" \
    bash -c "! openssl s_client -connect 127.0.0.1:$PORT -CAfile ca1.crt -cert client1.crt -key client1.key -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384 </dev/null >/dev/null 2>&1"
gauge() { curl -s --max-time 30 --cacert ca1.crt "${C1[@]}" -u prom:pw "$URL" | sed -n "s/^$1 //p"; }

printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nrate_limit:\n  interval: 1m\n  burst: 2\n' >web.yml.new
mv -f web.yml.new web.yml
kill -HUP "$(cat "${XE_DIR[vg]}/pid")"
check "SIGHUP reload to TLS without client certificates and a rate limit" \
    wait_until 60 bash -c "[ \"\$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' --cacert ca1.crt $URL)\" = 200 ]"
codes=""; for i in 1 2 3; do codes="$codes $(code)"; done
check "rate limit reached: 429" grep -q 429 <<<"$codes"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >web.yml.new; mv -f web.yml.new web.yml
check "reload on change (rate limit gone)" \
    wait_until 60 bash -c "for i in 1 2 3 4; do [ \"\$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' --cacert ca1.crt $URL)\" = 200 ] || exit 1; done"
cp server2.key k.new && cp server2.crt c.new && mv -f k.new server.key && mv -f c.new server.crt
want=$(openssl x509 -noout -fingerprint -sha256 -in server2.crt | sed 's/.*=//')
check "a replaced certificate is served" \
    wait_until 60 bash -c "[ \"\$(openssl s_client -connect 127.0.0.1:$PORT </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')\" = '$want' ]"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [nope]\n' >web.yml.new; mv -f web.yml.new web.yml
check "a broken edit is refused (gauge 0)" \
    wait_until 60 bash -c "[ \"\$(curl -s --max-time 30 --cacert ca1.crt $URL | sed -n 's/^xenmode_exporter_web_config_last_reload_successful //p')\" = 0 ]"
assert_eq "and the last good config still serves" 200 "$(code)"

xe_stop vg 180; rc=$?
xe_valgrind_clean vg.log "TLS, client certificates, auth and reloads" "$rc"
finish

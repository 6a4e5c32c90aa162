#!/bin/bash
# --web.config.file: HTTPS with a self-signed certificate made here with
# openssl, basic auth with a bcrypt hash (401 without or with wrong
# credentials, 200 with the right ones), and startup errors that name the
# file and the problem (unknown key, missing certificate, unreadable file).
source "$(dirname "$0")/../lib/testlib.sh"
source "$XM_ROOT/tests/lib/exporter-testlib.sh"
tl_tmpdir
MIXED="$XM_ROOT/tests/fixtures/mixed.json"
BCRYPT="$XM_BUILD/exporter/tests/xe-bcrypt"
cd "$TL_TMP" || exit 1

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout server.key -out server.crt >openssl.log 2>&1
check "openssl made a self-signed certificate" test -s server.crt -a -s server.key
HASH=$("$BCRYPT" 's3cret pass' 6)
check "a bcrypt hash was made" grep -q '^\$2y\$06\$' <<<"$HASH"

cat >web.yml <<EOF2
# TLS from files next to this one, two users.
tls_server_config:
  cert_file: server.crt
  key_file: $TL_TMP/server.key
basic_auth_users:
  prometheus: '$HASH'
  other: '$("$BCRYPT" other 4)'
EOF2

xe_start tls "$MIXED" --https -- --web.config.file="$TL_TMP/web.yml" --log.level=debug
check "HTTPS exporter answers" xe_wait_ready tls 30 --cacert server.crt
CURL_TLS=(--cacert "$TL_TMP/server.crt")
code=$(curl -s -o body.txt -w '%{http_code}' "${CURL_TLS[@]}" -u 'prometheus:s3cret pass' "$(xe_url tls)")
assert_eq "HTTPS with the right credentials: 200 (certificate verified)" 200 "$code"
check "and the metrics are served" grep -q '^xen_up 1$' body.txt
assert_eq "no credentials: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" "$(xe_url tls)")"
assert_eq "wrong password: 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -u 'prometheus:s3cret' "$(xe_url tls)")"
assert_eq "unknown user: 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -u 'nobody:s3cret pass' "$(xe_url tls)")"
assert_eq "the second user's credentials: 200" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -u 'other:other' "$(xe_url tls)")"
assert_eq "one user's name with the other's password: 401" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -u 'other:s3cret pass' "$(xe_url tls)")"
check "401 asks for Basic auth" \
    bash -c "curl -s -D - -o /dev/null --cacert '$TL_TMP/server.crt' '$(xe_url tls)' | grep -qi '^WWW-Authenticate: Basic realm=\"xenmode_exporter\"'"
assert_eq "every path needs credentials (landing page: 401)" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" "$(xe_url tls /)")"
assert_eq "every path needs credentials (unknown path: 401, not 404)" 401 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" "$(xe_url tls /nope)")"
assert_eq "authenticated unknown path: 404" 404 \
    "$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -u 'other:other' "$(xe_url tls /nope)")"
check "plain HTTP to the HTTPS port gets no metrics" \
    bash -c "! curl -s --max-time 5 -u 'other:other' 'http://127.0.0.1:${XE_PORT[tls]}/metrics' | grep -q xen_up"
# Repeated scrapes with the same credentials are fast (the match is
# remembered); 20 over one connection.
urls=(); for i in $(seq 1 20); do urls+=("$(xe_url tls)"); done
n=$(curl -s "${CURL_TLS[@]}" -u 'prometheus:s3cret pass' "${urls[@]}" | grep -c '^xen_up 1$')
assert_eq "20 authenticated HTTPS scrapes on one connection" 20 "$n"
check "log says TLS and basic auth are on" \
    grep -q 'msg=listening .*tls=true basic_auth=true' "${XE_DIR[tls]}/log"

# Basic auth without TLS works (with a warning in the log).
cat >auth-only.yml <<EOF2
basic_auth_users:
  prometheus: '$HASH'
EOF2
xe_start auth "$MIXED" -- --web.config.file="$TL_TMP/auth-only.yml"
check "HTTP exporter with basic auth answers" xe_wait_ready auth
assert_eq "HTTP + basic auth, right credentials: 200" 200 "$(xe_status auth /metrics -u 'prometheus:s3cret pass')"
assert_eq "HTTP + basic auth, none: 401" 401 "$(xe_status auth /metrics)"
check "the log warns about passwords in clear text" grep -q 'level=warn msg="basic auth without TLS' "${XE_DIR[auth]}/log"

# TLS only.
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' >tls-only.yml
xe_start tlsonly "$MIXED" --https -- --web.config.file="$TL_TMP/tls-only.yml"
check "HTTPS-only exporter answers" xe_wait_ready tlsonly 30 --cacert server.crt
assert_eq "HTTPS without auth: 200" 200 "$(xe_status tlsonly /metrics --cacert "$TL_TMP/server.crt")"

# --- bad web configs: exit non-zero, naming the file and the problem -------
# bad_config DESCRIPTION FILE PATTERN...: the exporter must exit (not hang)
# with status 1 and every PATTERN in its log.
bad_config() {
    local desc=$1 file=$2; shift 2
    timeout 20 "$XE_BIN" --web.listen-address=127.0.0.1:0 --web.config.file="$file" \
        >bad.out 2>bad.err
    local rc=$? p missing=""
    for p in "$@"; do grep -qF -- "$p" bad.err || missing="$missing [$p]"; done
    if [ "$rc" = 1 ] && [ -z "$missing" ]; then ok "$desc"
    else not_ok "$desc"; diag "exit $rc, missing:$missing"; sed 's/^/#   /' bad.err; fi
}
printf 'tls_server_config:\n  cert_file: server.crt\n  key_fil: server.key\n' >typo.yml
bad_config "unknown key: exit 1 naming file, line and key" "$TL_TMP/typo.yml" \
    "$TL_TMP/typo.yml:3" "tls_server_config.key_fil" "unknown key"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth:\n  a: b\n' >top.yml
bad_config "unknown top-level key: exit 1 naming it" "$TL_TMP/top.yml" "$TL_TMP/top.yml:4" "basic_auth" "unknown key"
printf 'tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n' >nocert.yml
bad_config "missing certificate file: exit 1 naming the config, the key and the missing file" \
    "$TL_TMP/nocert.yml" "$TL_TMP/nocert.yml:2" "tls_server_config.cert_file" \
    "$TL_TMP/missing.crt" "No such file or directory"
bad_config "unreadable web config: exit 1 naming it" "$TL_TMP/absent.yml" \
    "$TL_TMP/absent.yml" "cannot read the web config" "No such file or directory"
printf 'basic_auth_users:\n  prometheus: plaintext\n' >plain.yml
bad_config "a password that is not a bcrypt hash: exit 1" "$TL_TMP/plain.yml" \
    "$TL_TMP/plain.yml:2" "basic_auth_users.prometheus" "not a bcrypt hash"
printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_ca_file: server.crt\n' >mtls.yml
bad_config "a client CA without client_auth_type: exit 1 naming the key" "$TL_TMP/mtls.yml" \
    "$TL_TMP/mtls.yml:" "tls_server_config.client_ca_file" "without a Client Auth Policy"
printf 'tls_server_config:\n  cert_file: server.key\n  key_file: server.crt\n' >swapped.yml
bad_config "certificate and key swapped: exit 1 naming the certificate file" "$TL_TMP/swapped.yml" \
    "$TL_TMP/swapped.yml:2: tls_server_config.cert_file: $TL_TMP/server.key: not a PEM certificate"
printf 'tls_server_config: [unclosed\n' >syntax.yml
bad_config "YAML syntax error: exit 1 naming the file" "$TL_TMP/syntax.yml" "$TL_TMP/syntax.yml" "YAML syntax error"

xe_finish

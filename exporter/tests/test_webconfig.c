/* cmocka tests of the web config parser (exporter/xe_webconfig.c), the
 * basic auth checks (xe_auth.c) and the rate limiter (xe_ratelimit.c).
 * The TLS side and reload run against real clients in
 * tests/integration/test-exporter-webconfig.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "xe_auth.h"
#include "xe_ratelimit.h"
#include "xe_webconfig.h"

#define PATH "/nonexistent/web.yml"

static struct xe_webconfig *parse_ok(const char *text)
{
    struct xe_webconfig *wc = NULL;
    char err[1024] = "";
    int rc = xe_webconfig_parse(PATH, text, strlen(text), &wc, err, sizeof err);
    if (rc != 0)
        print_error("unexpected error: %s\n", err);
    assert_int_equal(rc, 0);
    assert_non_null(wc);
    return wc;
}

/* The error must be one line starting with the file and holding want. */
static void parse_bad(const char *text, size_t len, const char *want)
{
    struct xe_webconfig *wc = NULL;
    char err[1024] = "";
    int rc = xe_webconfig_parse(PATH, text, len, &wc, err, sizeof err);
    assert_int_equal(rc, -1);
    assert_null(wc);
    assert_true(strncmp(err, PATH ":", strlen(PATH) + 1) == 0);
    assert_null(strchr(err, '\n'));
    if (!strstr(err, want))
        print_error("error \"%s\" lacks \"%s\"\n", err, want);
    assert_non_null(strstr(err, want));
}

static void defaults(void **state)
{
    (void)state;
    struct xe_webconfig *wc = parse_ok("# nothing\n");
    assert_false(wc->tls);
    assert_int_equal(wc->min_version, XE_TLS12);
    assert_int_equal(wc->max_version, XE_TLS13);
    assert_true(wc->prefer_server_cipher_suites);
    assert_true(wc->http2);
    assert_int_equal(wc->n_users, 0);
    assert_int_equal(wc->rate_interval_ns, 0);
    xe_webconfig_free(wc);
}

static void inline_tls_and_lists(void **state)
{
    (void)state;
    struct xe_webconfig *wc = parse_ok(
        "tls_server_config:\n  cert: CERT\n  key: KEY\n  client_ca: CA\n"
        "  client_auth_type: VerifyClientCertIfGiven\n  min_version: TLS13\n"
        "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
        "  curve_preferences: [X25519, CurveP384]\n  client_allowed_sans: [a, b]\n"
        "  prefer_server_cipher_suites: false\n");
    assert_true(wc->tls);
    assert_string_equal(wc->cert_pem, "CERT");
    assert_string_equal(wc->key_pem, "KEY");
    assert_string_equal(wc->client_ca_pem, "CA");
    assert_int_equal(wc->client_auth, XE_VERIFY_CLIENT_CERT_IF_GIVEN);
    assert_int_equal(wc->min_version, XE_TLS13);
    assert_int_equal(wc->n_cipher_suites, 2);
    assert_int_equal(xe_cipher_suites[wc->cipher_suites[0]].id, 0xC02F);
    assert_int_equal(wc->n_curves, 2);
    assert_string_equal(xe_curves[wc->curves[0]].group, "GROUP-X25519");
    assert_int_equal(wc->n_allowed_sans, 2);
    assert_false(wc->prefer_server_cipher_suites);
    xe_webconfig_free(wc);
}

static void http_and_rate(void **state)
{
    (void)state;
    struct xe_webconfig *wc = parse_ok(
        "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n"
        "    X-XSS-Protection: ''\nrate_limit:\n  interval: 1m30.5s\n  burst: 7\n");
    assert_false(wc->http2);
    assert_int_equal(wc->n_headers, 1); /* a blank value unsets */
    assert_string_equal(wc->headers[0].name, "X-Frame-Options");
    assert_int_equal(wc->rate_interval_ns, 90500000000ull);
    assert_int_equal(wc->rate_burst, 7);
    xe_webconfig_free(wc);
    wc = parse_ok("rate_limit:\n  interval: 250\n");
    assert_int_equal(wc->rate_interval_ns, 250); /* a bare integer: nanoseconds, as yaml.v2 */
    xe_webconfig_free(wc);
}

static void mistakes(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *want;
    } t[] = {
        {"tls_server_config:\n  cert: A\n  key: B\n  client_ca: C\n",
         ":2: tls_server_config.client_ca_file: client CA's have been configured without"},
        {"tls_server_config:\n  key: B\n", "missing one of cert or cert_file"},
        {"tls_server_config:\n  cert: A\n", "missing one of key or key_file"},
        {"tls_server_config:\n  cert_file: ''\n  key: B\n", ":2: tls_server_config.cert_file: empty"},
        {"tls_server_config:\n  cert_file: nope.crt\n  key: B\n",
         ":2: tls_server_config.cert_file: cannot read /nonexistent/nope.crt"},
        {"tls_server_config:\n  min_version: TLS9\n", ":2: tls_server_config.min_version: unknown TLS"},
        {"tls_server_config:\n  cert: A\n  key: B\n  min_version: TLS13\n  max_version: TLS12\n",
         "min_version: above max_version"},
        {"tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
         ":2: tls_server_config.cipher_suites: unknown cipher: TLS_RSA_WITH_RC4_128_SHA"},
        {"tls_server_config:\n  curve_preferences: [P256]\n", "unknown curve: P256"},
        {"tls_server_config:\n  client_auth_type: Maybe\n", "invalid ClientAuth: Maybe"},
        {"tls_server_config:\n  prefer_server_cipher_suites: 2\n", "expected true or false"},
        {"tls_server_config:\n  bogus: 1\n", ":2: tls_server_config.bogus: unknown key"},
        {"tls_server_config:\n  cert: A\n  key: B\n  cert_file: /etc/hostname\n",
         "give cert or cert_file, not both"},
        {"http_server_config:\n  headers:\n    Content-Type: x\n",
         ":3: http_server_config.headers.Content-Type: HTTP header can not be configured"},
        {"http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n", "invalid value"},
        {"http_server_config:\n  http3: true\n", "http_server_config.http3: unknown key"},
        {"basic_auth_users:\n  u: secret\n", ":2: basic_auth_users.u: not a bcrypt hash"},
        {"basic_auth_users:\n  u: $2y$16$abcdefghijklmnopqrstuuFZxNnq9uPNN0wbpP8fSIgk6xb5Azxja\n",
         "basic_auth_users.u: bcrypt cost 16 is above 15"},
        {"basic_auth_users:\n  u: $2y$04$abcdefghijklmnopqrstuuFZxNnq9uPNN0wbpP8fSIgk6xb5Azxj\n",
         "not a bcrypt hash"},
        {"rate_limit:\n  interval: -1s\n", "rate_limit.interval"},
        {"rate_limit:\n  burst: x\n", "rate_limit.burst"},
        {"rate_limit:\n  bursts: 1\n", "rate_limit.bursts: unknown key"},
        {"tls_server_config: {}\ntls_server_config: {}\n", ":2: tls_server_config: given twice"},
        /* found by fuzz_webconfig: a repeated inline key was freed twice */
        {"tls_server_config:\n  cert: |\n    A\n  cert: [x]\n", ":4: tls_server_config.cert: given twice"},
        {"rate_limit:\n  burst: 1\n  burst: 2\n", ":3: rate_limit.burst: given twice"},
        {"a: 1\n---\nb: 2\n", ":2: a second YAML document"},
        {"- a\n", ":1: expected a mapping"},
        {"basic_auth_users: [\n", "YAML syntax error"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        parse_bad(t[i].yaml, strlen(t[i].yaml), t[i].want);
}

static void deep_nesting_is_refused_fast(void **state)
{
    (void)state;
    size_t n = 50000;
    char *text = malloc(n + 1);
    memset(text, '[', n);
    text[n] = '\0';
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    parse_bad(text, n, "nested deeper than 32 levels");
    clock_gettime(CLOCK_MONOTONIC, &b);
    double took = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    print_message("# 50,000 '[' refused in %.4f s\n", took);
    free(text);
    parse_bad("a: \"x\0y\"\n", 9, "NUL");
}

static void bcrypt_cost(void **state)
{
    (void)state;
    assert_int_equal(xe_bcrypt_cost("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"), 10);
    assert_int_equal(xe_bcrypt_cost("$2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"), 0);
    assert_int_equal(xe_bcrypt_cost("$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"), 0);
    assert_int_equal(xe_bcrypt_cost("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!"), 0);
}

static char *b64(const char *in, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = calloc(1, len * 2 + 16), *o = out;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)(unsigned char)in[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)in[i + 2];
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? tab[v & 63] : '=';
    }
    return out;
}

static enum xe_auth_result check(struct xe_auth *a, const char *scheme, const char *cred,
                                 size_t len)
{
    char header[512];
    char *enc = b64(cred, len);
    snprintf(header, sizeof header, "%s %s", scheme, enc);
    free(enc);
    return xe_auth_check(a, header);
}

static void basic_auth(void **state)
{
    (void)state;
    char hash[128], yaml[512], err[128];
    assert_int_equal(xe_auth_hash_password("secret", 4, hash, sizeof hash, err, sizeof err), 0);
    assert_int_equal(xe_bcrypt_cost(hash), 4);
    snprintf(yaml, sizeof yaml, "basic_auth_users:\n  alice: '%s'\n", hash);
    struct xe_webconfig *wc = parse_ok(yaml);
    struct xe_auth *a = NULL;
    assert_int_equal(xe_auth_new(wc, &a, err, sizeof err), 0);
    assert_true(xe_auth_enabled(a));
    assert_int_equal(check(a, "Basic", "alice:secret", 12), XE_AUTH_OK);
    assert_int_equal(check(a, "Basic", "alice:secret", 12), XE_AUTH_OK); /* remembered */
    assert_int_equal(check(a, "basic", "alice:secret", 12), XE_AUTH_OK);
    assert_int_equal(check(a, "bAsIc", "alice:secret", 12), XE_AUTH_OK);
    assert_int_equal(check(a, "Basic", "alice:secret\0junk", 17), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Basic", "alice\0:secret", 13), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Basic", "alice:Secret", 12), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Basic", "alice:secretx", 13), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Basic", "bob:secret", 10), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Basic", "alicesecret", 11), XE_AUTH_DENIED);
    assert_int_equal(check(a, "Bearer", "alice:secret", 12), XE_AUTH_DENIED);
    assert_int_equal(xe_auth_check(a, NULL), XE_AUTH_DENIED);
    assert_int_equal(xe_auth_check(a, "Basic YWxpY2U6c2VjcmV0"), XE_AUTH_OK);
    assert_int_equal(xe_auth_check(a, "Basic YWxpY2U6c2VjcmV0="), XE_AUTH_DENIED);
    assert_int_equal(xe_auth_check(a, "Basic YWxpY2U6c2VjcmV0!"), XE_AUTH_DENIED);
    assert_int_equal(xe_auth_check(a, "Basic"), XE_AUTH_DENIED);
    xe_auth_free(a);
    xe_webconfig_free(wc);
}

static void rate_limit(void **state)
{
    (void)state;
    struct xe_ratelimit r;
    xe_ratelimit_init(&r, 1000000000ull, 2);
    uint64_t t = 5000000000ull;
    assert_true(xe_ratelimit_allow(&r, t));
    assert_true(xe_ratelimit_allow(&r, t));
    assert_false(xe_ratelimit_allow(&r, t));
    assert_false(xe_ratelimit_allow(&r, t + 500000000ull));
    assert_true(xe_ratelimit_allow(&r, t + 1000000000ull)); /* one token a second */
    assert_false(xe_ratelimit_allow(&r, t + 1000000001ull));
    assert_true(xe_ratelimit_allow(&r, t + 60000000000ull));
    assert_true(xe_ratelimit_allow(&r, t + 60000000000ull)); /* refills to burst only */
    assert_false(xe_ratelimit_allow(&r, t + 60000000000ull));
    xe_ratelimit_dispose(&r);
    xe_ratelimit_init(&r, 0, 0);
    assert_true(xe_ratelimit_allow(&r, t)); /* interval 0: no limit */
    xe_ratelimit_dispose(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(inline_tls_and_lists),
        cmocka_unit_test(http_and_rate),
        cmocka_unit_test(mistakes),
        cmocka_unit_test(deep_nesting_is_refused_fast),
        cmocka_unit_test(bcrypt_cost),
        cmocka_unit_test(basic_auth),
        cmocka_unit_test(rate_limit),
    };
    return cmocka_run_group_tests_name("webconfig", tests, NULL, NULL);
}

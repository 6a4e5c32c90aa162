/* The web config's TLS settings as GnuTLS credentials and priorities,
 * applied per session; client certificate checks in the handshake. */
#include "xe_tls.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

struct xe_tls {
    const struct xe_webconfig *wc;
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
    char *prio_text;
};

/* "FILE:LINE: tls_server_config.KEY: problem", KEY the file key when the
 * value came from a file, else the inline key. */
static int fail_at(const struct xe_webconfig *wc, const struct xe_origin *at, const char *file_key,
                   const char *inline_key, char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int fail_at(const struct xe_webconfig *wc, const struct xe_origin *at, const char *file_key,
                   const char *inline_key, char *err, size_t errsz, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at->file)
        snprintf(err, errsz, "%s:%u: tls_server_config.%s: %s: %s", wc->path, at->line, file_key,
                 at->file, msg);
    else
        snprintf(err, errsz, "%s:%u: tls_server_config.%s: %s", wc->path, at->line, inline_key,
                 msg);
    return -1;
}

static bool has_token(const char *list, const char *tok)
{
    size_t l = strlen(tok);
    for (const char *p = list; (p = strstr(p, tok)); p += l)
        if (p[-1] == '+' && (p[l] == ':' || p[l] == '\0'))
            return true;
    return false;
}

static void add(char *buf, size_t sz, const char *tok)
{
    if (has_token(buf, tok))
        return;
    size_t n = strlen(buf);
    snprintf(buf + n, sz - n, ":+%s", tok);
}

static char *build_priorities(const struct xe_webconfig *wc)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "NORMAL%s:-VERS-ALL",
             wc->prefer_server_cipher_suites ? ":%SERVER_PRECEDENCE" : "");
    static const char *const vers[] = {"VERS-TLS1.0", "VERS-TLS1.1", "VERS-TLS1.2",
                                       "VERS-TLS1.3"};
    for (unsigned v = wc->max_version; v >= wc->min_version && v >= XE_TLS10; v--)
        add(buf, sizeof buf, vers[v - XE_TLS10]);

    /* Key exchange: Go's ECDHE only (no static RSA, no DHE). */
    size_t n12 = 0;
    for (size_t i = 0; i < wc->n_cipher_suites; i++)
        n12 += xe_cipher_suites[wc->cipher_suites[i]].kx != NULL;
    strncat(buf, ":-KX-ALL", sizeof buf - strlen(buf) - 1);
    if (n12) {
        for (size_t i = 0; i < wc->n_cipher_suites; i++)
            if (xe_cipher_suites[wc->cipher_suites[i]].kx)
                add(buf, sizeof buf, xe_cipher_suites[wc->cipher_suites[i]].kx);
        /* The listed suites' ciphers first, so the server's choice is one
         * of them when the client offers one; then TLS 1.3's. */
        strncat(buf, ":-CIPHER-ALL:-MAC-ALL", sizeof buf - strlen(buf) - 1);
        for (size_t i = 0; i < wc->n_cipher_suites; i++) {
            const struct xe_cipher_suite *cs = &xe_cipher_suites[wc->cipher_suites[i]];
            if (cs->kx) {
                add(buf, sizeof buf, cs->cipher);
                add(buf, sizeof buf, cs->mac);
            }
        }
        if (wc->max_version >= XE_TLS13) {
            add(buf, sizeof buf, "AES-128-GCM");
            add(buf, sizeof buf, "AES-256-GCM");
            add(buf, sizeof buf, "CHACHA20-POLY1305");
            add(buf, sizeof buf, "AEAD");
        }
    } else {
        add(buf, sizeof buf, "ECDHE-ECDSA");
        add(buf, sizeof buf, "ECDHE-RSA");
    }
    if (wc->n_curves) {
        strncat(buf, ":-GROUP-ALL", sizeof buf - strlen(buf) - 1);
        for (size_t i = 0; i < wc->n_curves; i++)
            add(buf, sizeof buf, xe_curves[wc->curves[i]].group);
    }
    return strdup(buf);
}

/* True when one of the leaf certificate's SANs is in the allowed list:
 * DNS names, e-mail addresses, IP addresses (as Go prints them) and URIs,
 * matched exactly. */
static bool san_allowed(const struct xe_webconfig *wc, const gnutls_datum_t *leaf)
{
    gnutls_x509_crt_t crt;
    bool ok = false;
    if (gnutls_x509_crt_init(&crt) < 0)
        return false;
    if (gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(crt);
        return false;
    }
    for (unsigned seq = 0; !ok; seq++) {
        char buf[1024];
        size_t size = sizeof buf - 1;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);
        if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue; /* longer than any name worth allowing */
        if (type < 0)
            break;
        char text[INET6_ADDRSTRLEN + 1];
        const char *value = NULL;
        size_t vlen = 0;
        switch (type) {
        case GNUTLS_SAN_DNSNAME:
        case GNUTLS_SAN_RFC822NAME:
        case GNUTLS_SAN_URI:
            value = buf;
            vlen = size;
            break;
        case GNUTLS_SAN_IPADDRESS:
            if ((size == 4 && inet_ntop(AF_INET, buf, text, sizeof text)) ||
                (size == 16 && inet_ntop(AF_INET6, buf, text, sizeof text))) {
                value = text;
                vlen = strlen(text);
            }
            break;
        default:
            break;
        }
        if (!value || memchr(value, '\0', vlen))
            continue;
        for (size_t i = 0; i < wc->n_allowed_sans && !ok; i++)
            ok = strlen(wc->allowed_sans[i]) == vlen && memcmp(wc->allowed_sans[i], value, vlen) == 0;
    }
    gnutls_x509_crt_deinit(crt);
    return ok;
}

/* GnuTLS calls this in the handshake once the client's certificate has
 * arrived; non-zero ends the handshake. The session's xe_tls is in its
 * database pointer (libmicrohttpd keeps the session pointer for itself and
 * uses no session database). */
static int verify_client(gnutls_session_t s)
{
    struct xe_tls *t = gnutls_db_get_ptr(s);
    if (!t)
        return -1;
    const struct xe_webconfig *wc = t->wc;
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
    if (!certs || n == 0) {
        if (wc->client_auth == XE_REQUIRE_ANY_CLIENT_CERT ||
            wc->client_auth == XE_REQUIRE_AND_VERIFY_CLIENT_CERT || wc->allowed_sans)
            return -1;
        return 0;
    }
    if (wc->client_auth == XE_VERIFY_CLIENT_CERT_IF_GIVEN ||
        wc->client_auth == XE_REQUIRE_AND_VERIFY_CLIENT_CERT) {
        unsigned status = 0;
        if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
            return -1;
    }
    if (wc->allowed_sans && !san_allowed(wc, &certs[0]))
        return -1;
    return 0;
}

/* Right after the ServerHello is written: the suite GnuTLS chose (read
 * from the message, as GnuTLS reports the next epoch's cipher only later)
 * must be a listed one, for TLS <= 1.2 (TLS 1.3's suites are not
 * configurable, as in Go). An error here ends the handshake. */
static int check_suite(gnutls_session_t s, unsigned htype, unsigned when, unsigned incoming,
                       const gnutls_datum_t *msg)
{
    (void)htype;
    (void)when;
    (void)incoming;
    struct xe_tls *t = gnutls_db_get_ptr(s);
    if (!t)
        return GNUTLS_E_INTERNAL_ERROR;
    if (gnutls_protocol_get_version(s) == GNUTLS_TLS1_3)
        return 0;
    /* ServerHello: version (2), random (32), session id (1 + n), suite (2). */
    if (!msg || msg->size < 35 || msg->size < 35u + msg->data[34] + 2)
        return GNUTLS_E_NO_CIPHER_SUITES;
    size_t at = 35u + msg->data[34];
    unsigned id = (unsigned)msg->data[at] << 8 | msg->data[at + 1];
    for (size_t i = 0; i < t->wc->n_cipher_suites; i++)
        if (xe_cipher_suites[t->wc->cipher_suites[i]].id == id)
            return 0;
    return GNUTLS_E_NO_CIPHER_SUITES;
}

static int load_pair(struct xe_tls *t, char *err, size_t errsz)
{
    const struct xe_webconfig *wc = t->wc;
    gnutls_datum_t cert = {(unsigned char *)wc->cert_pem, (unsigned)strlen(wc->cert_pem)};
    gnutls_datum_t key = {(unsigned char *)wc->key_pem, (unsigned)wc->key_len};

    /* Each half alone first, so the message names the half that is wrong. */
    gnutls_x509_crt_t *list = NULL;
    unsigned n = 0;
    int rc = gnutls_x509_crt_list_import2(&list, &n, &cert, GNUTLS_X509_FMT_PEM, 0);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(list[i]);
    gnutls_free(list);
    if (rc < 0 || n == 0)
        return fail_at(wc, &wc->cert_at, "cert_file", "cert", err, errsz,
                       "not a PEM certificate (%s)", rc < 0 ? gnutls_strerror(rc) : "none found");
    gnutls_x509_privkey_t pk;
    if (gnutls_x509_privkey_init(&pk) < 0)
        return fail_at(wc, &wc->key_at, "key_file", "key", err, errsz, "out of memory");
    rc = gnutls_x509_privkey_import2(pk, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_x509_privkey_deinit(pk);
    if (rc < 0) {
        bool encrypted = strstr(wc->key_pem, "ENCRYPTED") != NULL;
        return fail_at(wc, &wc->key_at, "key_file", "key", err, errsz, "%s (%s)",
                       encrypted ? "an encrypted private key: give it unencrypted"
                                 : "not a PEM private key",
                       gnutls_strerror(rc));
    }
    rc = gnutls_certificate_set_x509_key_mem2(t->cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0)
        return fail_at(wc, &wc->key_at, "key_file", "key", err, errsz, "%s (%s)",
                       rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
                           ? "does not match the certificate"
                           : "cannot be used with the certificate",
                       gnutls_strerror(rc));
    return 0;
}

int xe_tls_new(const struct xe_webconfig *wc, struct xe_tls **out, char *err, size_t errsz)
{
    *out = NULL;
    struct xe_tls *t = calloc(1, sizeof *t);
    if (!t || gnutls_certificate_allocate_credentials(&t->cred) < 0) {
        free(t);
        snprintf(err, errsz, "%s: out of memory", wc->path);
        return -1;
    }
    t->wc = wc;
    if (load_pair(t, err, errsz) != 0)
        goto fail;
    if (wc->client_ca_pem) {
        gnutls_datum_t ca = {(unsigned char *)wc->client_ca_pem,
                             (unsigned)strlen(wc->client_ca_pem)};
        int n = gnutls_certificate_set_x509_trust_mem(t->cred, &ca, GNUTLS_X509_FMT_PEM);
        if (n <= 0) {
            fail_at(wc, &wc->client_ca_at, "client_ca_file", "client_ca", err, errsz,
                    "no PEM certificate in it (%s)", n < 0 ? gnutls_strerror(n) : "none found");
            goto fail;
        }
    }
    gnutls_certificate_set_verify_function(t->cred, verify_client);
    t->prio_text = build_priorities(wc);
    const char *errpos = NULL;
    int rc = t->prio_text ? gnutls_priority_init(&t->prio, t->prio_text, &errpos)
                          : GNUTLS_E_MEMORY_ERROR;
    if (rc < 0) {
        snprintf(err, errsz, "%s: tls_server_config: GnuTLS refuses the priorities %s at %s (%s)",
                 wc->path, t->prio_text ? t->prio_text : "", errpos ? errpos : "?",
                 gnutls_strerror(rc));
        t->prio = NULL;
        goto fail;
    }
    *out = t;
    return 0;
fail:
    xe_tls_free(t);
    return -1;
}

int xe_tls_session_setup(struct xe_tls *t, gnutls_session_t s, char *err, size_t errsz)
{
    int rc = gnutls_priority_set(s, t->prio);
    if (rc >= 0)
        rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, t->cred);
    if (rc < 0) {
        snprintf(err, errsz, "%s", gnutls_strerror(rc));
        return -1;
    }
    static const gnutls_certificate_request_t req[] = {
        [XE_NO_CLIENT_CERT] = GNUTLS_CERT_IGNORE,
        [XE_REQUEST_CLIENT_CERT] = GNUTLS_CERT_REQUEST,
        [XE_REQUIRE_ANY_CLIENT_CERT] = GNUTLS_CERT_REQUIRE,
        [XE_VERIFY_CLIENT_CERT_IF_GIVEN] = GNUTLS_CERT_REQUEST,
        [XE_REQUIRE_AND_VERIFY_CLIENT_CERT] = GNUTLS_CERT_REQUIRE,
    };
    enum xe_client_auth a = t->wc->client_auth;
    gnutls_certificate_server_set_request(s, req[a]);
    gnutls_db_set_ptr(s, t);
    if (t->wc->n_cipher_suites)
        gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_SERVER_HELLO, GNUTLS_HOOK_POST,
                                           check_suite);
    return 0;
}

const char *xe_tls_priorities(const struct xe_tls *t)
{
    return t->prio_text;
}

void xe_tls_free(struct xe_tls *t)
{
    if (!t)
        return;
    if (t->prio)
        gnutls_priority_deinit(t->prio);
    gnutls_certificate_free_credentials(t->cred);
    free(t->prio_text);
    free(t);
}

/* The web config file: read it without blocking, check its shape with a
 * depth-limited pass over the YAML events, then walk the document into a
 * struct xe_webconfig. Errors name the file, the line and the key path
 * (tls_server_config.cert_file). */
#include "xe_webconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

const struct xe_cipher_suite xe_cipher_suites[] = {
    /* TLS 1.3: accepted, as in Go, but not configurable there either. */
    {"TLS_AES_128_GCM_SHA256", 0x1301, NULL, "AES-128-GCM", "AEAD"},
    {"TLS_AES_256_GCM_SHA384", 0x1302, NULL, "AES-256-GCM", "AEAD"},
    {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, NULL, "CHACHA20-POLY1305", "AEAD"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xC009, "ECDHE-ECDSA", "AES-128-CBC", "SHA1"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xC00A, "ECDHE-ECDSA", "AES-256-CBC", "SHA1"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xC013, "ECDHE-RSA", "AES-128-CBC", "SHA1"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xC014, "ECDHE-RSA", "AES-256-CBC", "SHA1"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xC02B, "ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xC02C, "ECDHE-ECDSA", "AES-256-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "ECDHE-RSA", "AES-128-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030, "ECDHE-RSA", "AES-256-GCM", "AEAD"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA8, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xCCA9, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD"},
};
const size_t xe_n_cipher_suites = sizeof xe_cipher_suites / sizeof xe_cipher_suites[0];

const struct xe_curve xe_curves[] = {
    {"CurveP256", "GROUP-SECP256R1"},
    {"CurveP384", "GROUP-SECP384R1"},
    {"CurveP521", "GROUP-SECP521R1"},
    {"X25519", "GROUP-X25519"},
};
const size_t xe_n_curves = sizeof xe_curves / sizeof xe_curves[0];

/* exporter-toolkit's settable headers; NULL-terminated allowed values, or
 * none for any value. */
static const struct {
    const char *name;
    const char *values[3];
} settable_headers[] = {
    {"Strict-Transport-Security", {NULL}},
    {"X-Content-Type-Options", {"nosniff", NULL}},
    {"X-Frame-Options", {"deny", "sameorigin", NULL}},
    {"X-XSS-Protection", {NULL}},
    {"Content-Security-Policy", {NULL}},
};

struct loader {
    const char *path;
    yaml_document_t *doc;
    struct xe_webconfig *wc;
    char *err;
    size_t errsz;
};

static int failf(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int failf(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the file held. */
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (at)
        snprintf(ld->err, ld->errsz, "%s:%lu: %s", ld->path,
                 (unsigned long)at->start_mark.line + 1, msg);
    else
        snprintf(ld->err, ld->errsz, "%s: %s", ld->path, msg);
    return -1;
}

/* The reading itself; errno values, turned into a reason below. */
static int read_regular(const char *path, size_t max, char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return EFBIG;
    }
    /* The size may change while we read: read to EOF, within max. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap + 1);
    int rc = 0;
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                rc = EFBIG;
                break;
            }
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) {
                rc = ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = errno;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (!buf)
        return ENOMEM;
    if (!rc && n > max)
        rc = EFBIG;
    if (rc) {
        explicit_bzero(buf, n);
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int xe_read_regular_file(const char *path, size_t max, char **data, size_t *len, char *err,
                         size_t errsz)
{
    int rc = read_regular(path, max, data, len);
    if (rc)
        snprintf(err, errsz, "%s", rc == EINVAL ? "not a regular file" : strerror(rc));
    return rc ? -1 : 0;
}

static const char *bcrypt_alphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

unsigned xe_bcrypt_cost(const char *h)
{
    if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
        h[4] < '0' || h[4] > '3' || h[5] < '0' || h[5] > '9' || h[6] != '$')
        return 0;
    for (size_t i = 7; i < 60; i++)
        if (!strchr(bcrypt_alphabet, h[i]) || !h[i])
            return 0;
    unsigned cost = (unsigned)(h[4] - '0') * 10 + (unsigned)(h[5] - '0');
    return cost >= 4 && cost <= 31 ? cost : 0;
}

/* A scalar's text as a new C string; NULL when the node is not a scalar
 * or the text holds a NUL. */
static char *scalar(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
        return NULL;
    return strndup((const char *)n->data.scalar.value, n->data.scalar.length);
}

static bool is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    size_t l = n->data.scalar.length;
    return l == 0 || (l == 1 && v[0] == '~') ||
           (l == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

static bool key_is(const yaml_node_t *k, const char *name)
{
    return k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(name) &&
           memcmp(k->data.scalar.value, name, k->data.scalar.length) == 0;
}

/* True when the key of pair pr appeared earlier in map: YAML allows that
 * in libyaml, the config does not. */
static bool repeated(yaml_document_t *doc, const yaml_node_t *map, const yaml_node_pair_t *pr)
{
    const yaml_node_t *k = yaml_document_get_node(doc, pr->key);
    if (k->type != YAML_SCALAR_NODE)
        return false;
    for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pr; q++) {
        const yaml_node_t *o = yaml_document_get_node(doc, q->key);
        if (o->type == YAML_SCALAR_NODE && o->data.scalar.length == k->data.scalar.length &&
            memcmp(o->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
            return true;
    }
    return false;
}

static int fail_repeated(struct loader *ld, const yaml_node_t *k, const char *section)
{
    char *name = scalar(k);
    int rc = failf(ld, k, "%s.%s: given twice", section, name ? name : "?");
    free(name);
    return rc;
}

/* Relative file names in the config are relative to the config's directory,
 * as in exporter-toolkit. */
static char *resolve(const char *config_path, const char *name)
{
    const char *slash = strrchr(config_path, '/');
    if (name[0] == '/' || !slash)
        return strdup(name);
    size_t dirlen = (size_t)(slash - config_path) + 1;
    char *p = malloc(dirlen + strlen(name) + 1);
    if (p) {
        memcpy(p, config_path, dirlen);
        strcpy(p + dirlen, name);
    }
    return p;
}

static int get_string(struct loader *ld, const yaml_node_t *v, const char *key, char **out)
{
    if (is_null(v)) {
        *out = NULL;
        return 0;
    }
    char *s = scalar(v);
    if (!s)
        return failf(ld, v, "%s: expected a string", key);
    *out = s;
    return 0;
}

static int get_bool(struct loader *ld, const yaml_node_t *v, const char *key, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
            if (key_is(v, yes[i])) {
                *out = true;
                return 0;
            }
            if (key_is(v, no[i])) {
                *out = false;
                return 0;
            }
        }
    }
    return failf(ld, v, "%s: expected true or false", key);
}

/* A list of strings: each item checked by pick (returns an index or -1). */
static int get_list(struct loader *ld, const yaml_node_t *v, const char *key,
                    int (*pick)(const char *), const char *what, size_t **idx, char ***strs,
                    size_t *n)
{
    if (is_null(v))
        return 0;
    if (v->type != YAML_SEQUENCE_NODE)
        return failf(ld, v, "%s: expected a list", key);
    size_t cap = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (idx && !(*idx = calloc(cap ? cap : 1, sizeof **idx)))
        return failf(ld, v, "out of memory");
    if (strs && !(*strs = calloc(cap ? cap : 1, sizeof **strs)))
        return failf(ld, v, "out of memory");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
        char *s = scalar(item);
        if (!s)
            return failf(ld, item ? item : v, "%s: expected a list of strings", key);
        if (pick) {
            int i = pick(s);
            if (i < 0) {
                int rc = failf(ld, item, "%s: unknown %s: %s", key, what, s);
                free(s);
                return rc;
            }
            (*idx)[(*n)++] = (size_t)i;
            free(s);
        } else {
            (*strs)[(*n)++] = s;
        }
    }
    return 0;
}

static int pick_cipher(const char *s)
{
    for (size_t i = 0; i < xe_n_cipher_suites; i++)
        if (strcmp(s, xe_cipher_suites[i].go_name) == 0)
            return (int)i;
    return -1;
}

static int pick_curve(const char *s)
{
    for (size_t i = 0; i < xe_n_curves; i++)
        if (strcmp(s, xe_curves[i].go_name) == 0)
            return (int)i;
    return -1;
}

static int get_version(struct loader *ld, const yaml_node_t *v, const char *key, unsigned *out)
{
    static const char *const names[] = {"TLS10", "TLS11", "TLS12", "TLS13"};
    for (unsigned i = 0; i < 4; i++) {
        if (v->type == YAML_SCALAR_NODE && key_is(v, names[i])) {
            *out = XE_TLS10 + i;
            return 0;
        }
    }
    char *s = scalar(v);
    int rc = failf(ld, v, "%s: unknown TLS version: %s (TLS10, TLS11, TLS12 or TLS13)", key,
                   s ? s : "(not a string)");
    free(s);
    return rc;
}

static int get_client_auth(struct loader *ld, const yaml_node_t *v, enum xe_client_auth *out)
{
    static const struct {
        const char *name;
        enum xe_client_auth v;
    } t[] = {
        {"", XE_NO_CLIENT_CERT},
        {"NoClientCert", XE_NO_CLIENT_CERT},
        {"RequestClientCert", XE_REQUEST_CLIENT_CERT},
        {"RequireAnyClientCert", XE_REQUIRE_ANY_CLIENT_CERT},
        {"RequireClientCert", XE_REQUIRE_ANY_CLIENT_CERT}, /* old name, kept by exporter-toolkit */
        {"VerifyClientCertIfGiven", XE_VERIFY_CLIENT_CERT_IF_GIVEN},
        {"RequireAndVerifyClientCert", XE_REQUIRE_AND_VERIFY_CLIENT_CERT},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (v->type == YAML_SCALAR_NODE && key_is(v, t[i].name)) {
            *out = t[i].v;
            return 0;
        }
    }
    char *s = scalar(v);
    int rc = failf(ld, v, "tls_server_config.client_auth_type: invalid ClientAuth: %s",
                   s ? s : "(not a string)");
    free(s);
    return rc;
}

/* A PEM from a file key (read now) or an inline key, never both. */
static int get_pem_file(struct loader *ld, const yaml_node_t *v, const char *key, char **pem,
                        size_t *len, struct xe_origin *at)
{
    char *name = NULL;
    if (get_string(ld, v, key, &name) != 0)
        return -1;
    if (!name || !name[0]) {
        free(name);
        return failf(ld, v, "%s: empty file name", key);
    }
    char *path = resolve(ld->path, name);
    free(name);
    if (!path)
        return failf(ld, v, "out of memory");
    char why[128];
    if (xe_read_regular_file(path, XE_WEBCONFIG_MAX_FILE, pem, len, why, sizeof why) != 0) {
        failf(ld, v, "%s: cannot read %s: %s", key, path, why);
        free(path);
        return -1;
    }
    at->line = (unsigned)v->start_mark.line + 1;
    at->file = path;
    return 0;
}

static int load_tls(struct loader *ld, const yaml_node_t *map)
{
    struct xe_webconfig *wc = ld->wc;
    if (is_null(map))
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "tls_server_config: expected a mapping");
    char *cert = NULL, *key = NULL, *ca = NULL;
    bool cert_file = false, key_file = false, ca_file = false;
    unsigned cert_line = 0, key_line = 0, ca_line = 0;
    int rc = 0;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
         rc == 0 && pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        unsigned line = (unsigned)k->start_mark.line + 1;
        if (repeated(ld->doc, map, pr)) {
            rc = fail_repeated(ld, k, "tls_server_config");
        } else if (key_is(k, "cert_file")) {
            rc = get_pem_file(ld, v, "tls_server_config.cert_file", &wc->cert_pem, NULL,
                              &wc->cert_at);
            cert_file = wc->cert_pem != NULL;
        } else if (key_is(k, "key_file")) {
            rc = get_pem_file(ld, v, "tls_server_config.key_file", &wc->key_pem, &wc->key_len,
                              &wc->key_at);
            key_file = wc->key_pem != NULL;
        } else if (key_is(k, "client_ca_file")) {
            rc = get_pem_file(ld, v, "tls_server_config.client_ca_file", &wc->client_ca_pem, NULL,
                              &wc->client_ca_at);
            ca_file = wc->client_ca_pem != NULL;
        } else if (key_is(k, "cert")) { /* each key at most once: see repeated() */
            rc = get_string(ld, v, "tls_server_config.cert", &cert);
            cert_line = line;
        } else if (key_is(k, "key")) {
            rc = get_string(ld, v, "tls_server_config.key", &key);
            key_line = line;
        } else if (key_is(k, "client_ca")) {
            rc = get_string(ld, v, "tls_server_config.client_ca", &ca);
            ca_line = line;
        } else if (key_is(k, "client_auth_type")) {
            rc = get_client_auth(ld, v, &wc->client_auth);
            if (rc == 0 && !is_null(v) && v->data.scalar.length)
                wc->tls = true;
        } else if (key_is(k, "client_allowed_sans")) {
            rc = get_list(ld, v, "tls_server_config.client_allowed_sans", NULL, NULL, NULL,
                          &wc->allowed_sans, &wc->n_allowed_sans);
            if (rc == 0 && !wc->allowed_sans && v->type == YAML_SEQUENCE_NODE)
                wc->allowed_sans = calloc(1, sizeof *wc->allowed_sans);
        } else if (key_is(k, "min_version")) {
            rc = get_version(ld, v, "tls_server_config.min_version", &wc->min_version);
        } else if (key_is(k, "max_version")) {
            rc = get_version(ld, v, "tls_server_config.max_version", &wc->max_version);
        } else if (key_is(k, "cipher_suites")) {
            rc = get_list(ld, v, "tls_server_config.cipher_suites", pick_cipher, "cipher",
                          &wc->cipher_suites, NULL, &wc->n_cipher_suites);
        } else if (key_is(k, "curve_preferences")) {
            rc = get_list(ld, v, "tls_server_config.curve_preferences", pick_curve, "curve",
                          &wc->curves, NULL, &wc->n_curves);
        } else if (key_is(k, "prefer_server_cipher_suites")) {
            rc = get_bool(ld, v, "tls_server_config.prefer_server_cipher_suites",
                          &wc->prefer_server_cipher_suites);
        } else {
            char *name = scalar(k);
            rc = failf(ld, k, "tls_server_config.%s: unknown key", name ? name : "?");
            free(name);
        }
    }
    /* Inline values, checked against their file twins. */
    if (rc == 0 && cert && cert[0]) {
        if (cert_file)
            rc = failf(ld, map, "tls_server_config.cert: give cert or cert_file, not both");
        else {
            wc->cert_pem = cert;
            wc->cert_at.line = cert_line;
            cert = NULL;
        }
    }
    if (rc == 0 && key && key[0]) {
        if (key_file)
            rc = failf(ld, map, "tls_server_config.key: give key or key_file, not both");
        else {
            wc->key_pem = key;
            wc->key_len = strlen(key);
            wc->key_at.line = key_line;
            key = NULL;
        }
    }
    if (rc == 0 && ca && ca[0]) {
        if (ca_file)
            rc = failf(ld, map, "tls_server_config.client_ca: give client_ca or client_ca_file, "
                                "not both");
        else {
            wc->client_ca_pem = ca;
            wc->client_ca_at.line = ca_line;
            ca = NULL;
        }
    }
    free(cert);
    if (key) {
        explicit_bzero(key, strlen(key));
        free(key);
    }
    free(ca);
    if (rc != 0)
        return -1;
    if (wc->cert_pem || wc->key_pem || wc->client_ca_pem)
        wc->tls = true;
    if (!wc->tls)
        return 0; /* e.g. only min_version: TLS stays off, as in exporter-toolkit */
    if (!wc->cert_pem)
        return failf(ld, map, "tls_server_config: missing one of cert or cert_file");
    if (!wc->key_pem)
        return failf(ld, map, "tls_server_config: missing one of key or key_file");
    if (wc->client_ca_pem && wc->client_auth == XE_NO_CLIENT_CERT)
        return failf(ld, map, "tls_server_config.client_ca_file: client CA's have been "
                              "configured without a Client Auth Policy (client_auth_type)");
    if (wc->min_version > wc->max_version)
        return failf(ld, map, "tls_server_config.min_version: above max_version");
    if ((wc->client_auth == XE_VERIFY_CLIENT_CERT_IF_GIVEN ||
         wc->client_auth == XE_REQUIRE_AND_VERIFY_CLIENT_CERT) && !wc->client_ca_pem)
        return failf(ld, map, "tls_server_config.client_ca_file: client_auth_type %s needs "
                              "client_ca_file or client_ca",
                     wc->client_auth == XE_VERIFY_CLIENT_CERT_IF_GIVEN
                         ? "VerifyClientCertIfGiven" : "RequireAndVerifyClientCert");
    return 0;
}

static int load_headers(struct loader *ld, const yaml_node_t *map)
{
    struct xe_webconfig *wc = ld->wc;
    if (is_null(map))
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "http_server_config.headers: expected a mapping");
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    if (!(wc->headers = calloc(n ? n : 1, sizeof *wc->headers)))
        return failf(ld, map, "out of memory");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        char *name = scalar(k);
        if (!name)
            return failf(ld, k, "http_server_config.headers: expected header: value");
        size_t h = 0;
        while (h < sizeof settable_headers / sizeof settable_headers[0] &&
               strcmp(settable_headers[h].name, name) != 0)
            h++;
        if (h == sizeof settable_headers / sizeof settable_headers[0]) {
            int rc = failf(ld, k, "http_server_config.headers.%s: HTTP header can not be "
                                  "configured", name);
            free(name);
            return rc;
        }
        char *value = is_null(v) ? strdup("") : scalar(v);
        bool ok = value != NULL;
        for (const char *p = value; ok && *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                ok = false;
        if (ok && settable_headers[h].values[0]) {
            ok = false;
            for (size_t i = 0; settable_headers[h].values[i]; i++)
                ok |= strcmp(value, settable_headers[h].values[i]) == 0;
        }
        if (!ok) {
            int rc = failf(ld, v, "http_server_config.headers.%s: invalid value%s%s%s", name,
                           settable_headers[h].values[0] ? ", expected " : "",
                           settable_headers[h].values[0] ? settable_headers[h].values[0] : "",
                           settable_headers[h].values[1] ? " or sameorigin" : "");
            free(name);
            free(value);
            return rc;
        }
        for (size_t i = 0; i < wc->n_headers; i++) {
            if (strcmp(wc->headers[i].name, name) == 0) {
                int rc = failf(ld, k, "http_server_config.headers.%s: given twice", name);
                free(name);
                free(value);
                return rc;
            }
        }
        if (!value[0]) { /* blank: unset */
            free(name);
            free(value);
            continue;
        }
        wc->headers[wc->n_headers].name = name;
        wc->headers[wc->n_headers].value = value;
        wc->n_headers++;
    }
    return 0;
}

static int load_http(struct loader *ld, const yaml_node_t *map)
{
    if (is_null(map))
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "http_server_config: expected a mapping");
    bool seen_h2 = false, seen_headers = false;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        if (key_is(k, "http2") && !seen_h2) {
            seen_h2 = true;
            if (get_bool(ld, v, "http_server_config.http2", &ld->wc->http2) != 0)
                return -1;
        } else if (key_is(k, "headers") && !seen_headers) {
            seen_headers = true;
            if (load_headers(ld, v) != 0)
                return -1;
        } else {
            char *name = scalar(k);
            int rc = failf(ld, k, "http_server_config.%s: %s", name ? name : "?",
                           key_is(k, "http2") || key_is(k, "headers") ? "given twice"
                                                                      : "unknown key");
            free(name);
            return rc;
        }
    }
    return 0;
}

static int load_users(struct loader *ld, const yaml_node_t *map)
{
    struct xe_webconfig *wc = ld->wc;
    if (is_null(map))
        return 0; /* "basic_auth_users:" with nothing: no users */
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "basic_auth_users: expected a mapping of user: bcrypt-hash");
    size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    wc->users = calloc(n ? n : 1, sizeof *wc->users);
    if (!wc->users)
        return failf(ld, map, "out of memory");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        char *name = scalar(k), *hash = scalar(v);
        if (!name || !hash) {
            free(name);
            free(hash);
            return failf(ld, k, "basic_auth_users: expected user: bcrypt-hash");
        }
        int rc = 0;
        unsigned cost = xe_bcrypt_cost(hash);
        for (size_t i = 0; i < wc->n_users && rc == 0; i++)
            if (strcmp(wc->users[i].name, name) == 0)
                rc = failf(ld, k, "basic_auth_users.%s: given twice", name);
        if (rc == 0 && strchr(name, ':'))
            rc = failf(ld, k, "basic_auth_users.%s: a user name cannot hold ':' (RFC 7617)", name);
        if (rc == 0 && !cost)
            rc = failf(ld, v, "basic_auth_users.%s: not a bcrypt hash ($2y$10$... as "
                              "xenmode_exporter --web.hash-password makes)", name);
        if (rc == 0 && cost > XE_BCRYPT_MAX_COST)
            rc = failf(ld, v, "basic_auth_users.%s: bcrypt cost %u is above %u (each check "
                              "would take too long)", name, cost, XE_BCRYPT_MAX_COST);
        if (rc != 0) {
            free(name);
            free(hash);
            return rc;
        }
        wc->users[wc->n_users++] = (struct xe_user){.name = name, .hash = hash, .cost = cost};
    }
    return 0;
}

/* Go's time.ParseDuration ("1s", "1m30s", "250ms", "1.5h"); a plain
 * integer is nanoseconds, as yaml.v2 reads a time.Duration. */
int xe_parse_duration(const char *s, uint64_t *ns)
{
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {{"ns", 1},          {"us", 1000},          {"\xc2\xb5s", 1000},
                 {"ms", 1000000},    {"s", 1000000000ull},  {"m", 60000000000ull},
                 {"h", 3600000000000ull}};
    char *end;
    if (!*s)
        return -1;
    if (strspn(s, "0123456789") == strlen(s)) {
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
            return -1;
        *ns = v;
        return 0;
    }
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    long double total = 0;
    while (*s) {
        if (!strchr("0123456789.", *s))
            return -1;
        long double v = strtold(s, &end);
        if (end == s)
            return -1;
        s = end;
        size_t best = 0, bestlen = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(s, units[i].unit, l) == 0 && l > bestlen) {
                best = i;
                bestlen = l;
            }
        }
        if (!bestlen)
            return -1;
        s += bestlen;
        total += v * (long double)units[best].ns;
        if (total > 9.2e18L)
            return -1;
    }
    *ns = (uint64_t)total;
    return 0;
}

static int load_rate(struct loader *ld, const yaml_node_t *map)
{
    if (is_null(map))
        return 0;
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "rate_limit: expected a mapping with interval and burst");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        if (repeated(ld->doc, map, pr))
            return fail_repeated(ld, k, "rate_limit");
        char *s = scalar(v);
        int rc = 0;
        if (key_is(k, "interval")) {
            if (!s || xe_parse_duration(s, &ld->wc->rate_interval_ns) != 0)
                rc = failf(ld, v, "rate_limit.interval: expected a duration such as 1s or 100ms");
        } else if (key_is(k, "burst")) {
            char *end = NULL;
            errno = 0;
            unsigned long b = s && s[0] != '-' ? strtoul(s, &end, 10) : 0;
            if (!s || !s[0] || s[0] == '-' || *end || errno || b > 1000000)
                rc = failf(ld, v, "rate_limit.burst: expected an integer from 0 to 1000000");
            else
                ld->wc->rate_burst = (unsigned)b;
        } else {
            char *name = scalar(k);
            rc = failf(ld, k, "rate_limit.%s: unknown key", name ? name : "?");
            free(name);
        }
        free(s);
        if (rc)
            return rc;
    }
    return 0;
}

static int load_root(struct loader *ld, const yaml_node_t *root)
{
    static const char *const sections[] = {"tls_server_config", "http_server_config",
                                           "basic_auth_users", "rate_limit"};
    static int (*const loaders[])(struct loader *, const yaml_node_t *) = {
        load_tls, load_http, load_users, load_rate};
    if (!root || is_null(root))
        return 0; /* an empty file: nothing configured, as in exporter-toolkit */
    if (root->type != YAML_MAPPING_NODE)
        return failf(ld, root, "expected a mapping (tls_server_config, http_server_config, "
                               "basic_auth_users, rate_limit)");
    bool seen[4] = {false};
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        size_t i = 0;
        while (i < 4 && !key_is(k, sections[i]))
            i++;
        if (i == 4) {
            char *name = scalar(k);
            int rc = failf(ld, k, "%s: unknown key", name ? name : "?");
            free(name);
            return rc;
        }
        if (seen[i])
            return failf(ld, k, "%s: given twice", sections[i]);
        seen[i] = true;
        if (loaders[i](ld, v) != 0)
            return -1;
    }
    return 0;
}

/* One pass over the events before building the document: refuses deep
 * nesting (libyaml's composer would take seconds over 50,000 '[') and a
 * second document (yaml.v2 would read only the first; a silently ignored
 * half of a config is worse than an error). */
static int check_shape(struct loader *ld, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p))
        return failf(ld, NULL, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, docs = 0, rc = 0;
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            snprintf(ld->err, ld->errsz, "%s:%lu: YAML syntax error: %s", ld->path,
                     (unsigned long)p.problem_mark.line + 1, p.problem ? p.problem : "unknown");
            rc = -1;
            break;
        }
        yaml_event_type_t t = ev.type;
        unsigned long line = (unsigned long)ev.start_mark.line + 1;
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            snprintf(ld->err, ld->errsz, "%s:%lu: a second YAML document: the web config is one "
                                         "document", ld->path, line);
            rc = -1;
            break;
        }
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            if (++depth > XE_WEBCONFIG_MAX_DEPTH) {
                snprintf(ld->err, ld->errsz, "%s:%lu: nested deeper than %d levels", ld->path,
                         line, XE_WEBCONFIG_MAX_DEPTH);
                rc = -1;
                break;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

int xe_webconfig_parse(const char *path, const char *text, size_t len, struct xe_webconfig **out,
                       char *err, size_t errsz)
{
    struct loader ld = {.path = path, .err = err, .errsz = errsz};
    yaml_parser_t parser;
    yaml_document_t doc;

    *out = NULL;
    if (memchr(text, '\0', len))
        return failf(&ld, NULL, "the web config holds a NUL byte");
    if (check_shape(&ld, text, len) != 0)
        return -1;
    struct xe_webconfig *wc = calloc(1, sizeof *wc);
    if (!wc || !(wc->path = strdup(path))) {
        free(wc);
        return failf(&ld, NULL, "out of memory");
    }
    wc->min_version = XE_TLS12;
    wc->max_version = XE_TLS13;
    wc->prefer_server_cipher_suites = true;
    wc->http2 = true;
    ld.wc = wc;
    if (!yaml_parser_initialize(&parser)) {
        xe_webconfig_free(wc);
        return failf(&ld, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errsz, "%s:%lu: YAML syntax error: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unknown problem");
        yaml_parser_delete(&parser);
        xe_webconfig_free(wc);
        return -1;
    }
    ld.doc = &doc;
    int rc = load_root(&ld, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        xe_webconfig_free(wc);
        return -1;
    }
    *out = wc;
    return 0;
}

int xe_webconfig_load(const char *path, struct xe_webconfig **out, char *err, size_t errsz)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    char why[128];
    if (xe_read_regular_file(path, XE_WEBCONFIG_MAX_FILE, &text, &len, why, sizeof why) != 0) {
        snprintf(err, errsz, "%s: cannot read the web config: %s", path, why);
        return -1;
    }
    int rc = xe_webconfig_parse(path, text, len, out, err, errsz);
    /* Inline keys are secrets too. */
    explicit_bzero(text, len);
    free(text);
    return rc;
}

void xe_webconfig_free(struct xe_webconfig *wc)
{
    if (!wc)
        return;
    for (size_t i = 0; i < wc->n_users; i++) {
        free(wc->users[i].name);
        free(wc->users[i].hash);
    }
    free(wc->users);
    for (size_t i = 0; i < wc->n_headers; i++) {
        free(wc->headers[i].name);
        free(wc->headers[i].value);
    }
    free(wc->headers);
    for (size_t i = 0; i < wc->n_allowed_sans; i++)
        free(wc->allowed_sans[i]);
    free(wc->allowed_sans);
    free(wc->cipher_suites);
    free(wc->curves);
    if (wc->key_pem)
        explicit_bzero(wc->key_pem, wc->key_len);
    free(wc->key_pem);
    free(wc->cert_pem);
    free(wc->client_ca_pem);
    free(wc->cert_at.file);
    free(wc->key_at.file);
    free(wc->client_ca_at.file);
    free(wc->path);
    free(wc);
}

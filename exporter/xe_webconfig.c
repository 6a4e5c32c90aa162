/* The web config file: read it, walk the YAML document, load the PEM
 * files it names, check bcrypt hashes. Errors name the file, the line and
 * the key path (tls_server_config.cert_file). */
#include "xe_webconfig.h"

#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_FILE (16u << 20) /* no sane config, certificate or key is bigger */

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
    if (at)
        snprintf(ld->err, ld->errsz, "%s:%lu: %s", ld->path,
                 (unsigned long)at->start_mark.line + 1, msg);
    else
        snprintf(ld->err, ld->errsz, "%s: %s", ld->path, msg);
    return -1;
}

/* Reads a whole file; returns 0 or errno (EFBIG when too large). */
static int slurp(const char *path, char **data, size_t *len)
{
    FILE *fp = fopen(path, "rbe");
    if (!fp)
        return errno;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= MAX_FILE) {
                rc = EFBIG;
                break;
            }
            char *p = realloc(buf, cap * 2);
            if (!p) {
                rc = ENOMEM;
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                rc = errno ? errno : EIO;
            break;
        }
    }
    fclose(fp);
    if (!buf)
        return ENOMEM;
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

/* A scalar's text as a new C string, or NULL when the node is not a scalar. */
static char *scalar(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    return strndup((const char *)n->data.scalar.value, n->data.scalar.length);
}

static bool key_is(const yaml_node_t *k, const char *name)
{
    return k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(name) &&
           memcmp(k->data.scalar.value, name, k->data.scalar.length) == 0;
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

static int load_pem(struct loader *ld, const yaml_node_t *value, const char *key, char **file_out,
                    char **pem_out)
{
    char *name = scalar(value);
    if (!name || !name[0]) {
        free(name);
        return failf(ld, value, "tls_server_config.%s: expected a file name", key);
    }
    char *path = resolve(ld->path, name);
    free(name);
    if (!path)
        return failf(ld, value, "out of memory");
    int rc = slurp(path, pem_out, NULL);
    if (rc) {
        failf(ld, value, "tls_server_config.%s: cannot read %s: %s", key, path, strerror(rc));
        free(path);
        return -1;
    }
    if (file_out)
        *file_out = path;
    else
        free(path);
    return 0;
}

/* Keys exporter-toolkit knows that this exporter does not implement: they
 * get their own message, so the user knows it is not a typo. */
static const char *const unsupported_tls[] = {
    "cert", "key", "client_auth_type", "client_ca_file", "client_allowed_sans",
    "cipher_suites", "curve_preferences", "min_version", "max_version",
    "prefer_server_cipher_suites", NULL,
};

static bool in_list(const yaml_node_t *k, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (key_is(k, list[i]))
            return true;
    return false;
}

static int load_tls(struct loader *ld, const yaml_node_t *map)
{
    struct xe_webconfig *wc = ld->wc;
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
        return failf(ld, map, "tls_server_config: cert_file and key_file are required");
    if (map->type != YAML_MAPPING_NODE)
        return failf(ld, map, "tls_server_config: expected a mapping");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        if (key_is(k, "cert_file")) {
            if (wc->cert_pem)
                return failf(ld, k, "tls_server_config.cert_file: given twice");
            if (load_pem(ld, v, "cert_file", &wc->cert_file, &wc->cert_pem) != 0)
                return -1;
        } else if (key_is(k, "key_file")) {
            if (wc->key_pem)
                return failf(ld, k, "tls_server_config.key_file: given twice");
            if (load_pem(ld, v, "key_file", NULL, &wc->key_pem) != 0)
                return -1;
        } else {
            char *name = scalar(k);
            int rc = failf(ld, k, "tls_server_config.%s: %s", name ? name : "?",
                           in_list(k, unsupported_tls) ? "not supported by xenmode_exporter"
                                                      : "unknown key");
            free(name);
            return rc;
        }
    }
    if (!wc->cert_pem)
        return failf(ld, map, "tls_server_config.cert_file: missing (key_file needs it)");
    if (!wc->key_pem)
        return failf(ld, map, "tls_server_config.key_file: missing (cert_file needs it)");
    return 0;
}

/* A bcrypt hash libxcrypt accepts: crypt_r returns it back (same salt and
 * cost) for some password, and a failure token ("*0") for a bad hash. */
static bool valid_bcrypt(const char *hash)
{
    if (strncmp(hash, "$2a$", 4) != 0 && strncmp(hash, "$2b$", 4) != 0 &&
        strncmp(hash, "$2y$", 4) != 0)
        return false;
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return false;
    const char *r = crypt_r("", hash, cd);
    bool ok = r && r[0] == '$' && strlen(r) == strlen(hash) && strncmp(r, hash, 29) == 0;
    free(cd);
    return ok;
}

static int load_users(struct loader *ld, const yaml_node_t *map)
{
    struct xe_webconfig *wc = ld->wc;
    if (map->type == YAML_SCALAR_NODE && map->data.scalar.length == 0)
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
        struct xe_user *u = &wc->users[wc->n_users];
        if (!name || !name[0] || !hash) {
            free(name);
            free(hash);
            return failf(ld, k, "basic_auth_users: expected user: bcrypt-hash");
        }
        for (size_t i = 0; i < wc->n_users; i++) {
            if (strcmp(wc->users[i].name, name) == 0) {
                int rc = failf(ld, k, "basic_auth_users.%s: given twice", name);
                free(name);
                free(hash);
                return rc;
            }
        }
        if (!valid_bcrypt(hash)) {
            int rc = failf(ld, v, "basic_auth_users.%s: not a bcrypt hash ($2y$..., as "
                                  "htpasswd -nbB makes)", name);
            free(name);
            free(hash);
            return rc;
        }
        u->name = name;
        u->hash = hash;
        wc->n_users++;
    }
    return 0;
}

static int load_root(struct loader *ld, const yaml_node_t *root)
{
    if (!root)
        return 0; /* an empty file: nothing configured, as in exporter-toolkit */
    if (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return failf(ld, root, "expected a mapping with tls_server_config and/or basic_auth_users");
    bool seen_tls = false, seen_users = false;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, pr->value);
        if (key_is(k, "tls_server_config")) {
            if (seen_tls)
                return failf(ld, k, "tls_server_config: given twice");
            seen_tls = true;
            if (load_tls(ld, v) != 0)
                return -1;
        } else if (key_is(k, "basic_auth_users")) {
            if (seen_users)
                return failf(ld, k, "basic_auth_users: given twice");
            seen_users = true;
            if (load_users(ld, v) != 0)
                return -1;
        } else {
            char *name = scalar(k);
            bool known = key_is(k, "http_server_config") || key_is(k, "rate_limit");
            int rc = failf(ld, k, "%s: %s", name ? name : "?",
                           known ? "not supported by xenmode_exporter" : "unknown key");
            free(name);
            return rc;
        }
    }
    return 0;
}

int xe_webconfig_load(const char *path, struct xe_webconfig **out, char *err, size_t errsz)
{
    struct loader ld = {.path = path, .err = err, .errsz = errsz};
    char *text = NULL;
    size_t len = 0;
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc;

    *out = NULL;
    if ((rc = slurp(path, &text, &len)) != 0)
        return failf(&ld, NULL, "cannot read the web config: %s", strerror(rc));
    struct xe_webconfig *wc = calloc(1, sizeof *wc);
    if (!wc || pthread_mutex_init(&wc->lock, NULL) != 0) {
        free(wc);
        free(text);
        return failf(&ld, NULL, "out of memory");
    }
    ld.wc = wc;
    if (!yaml_parser_initialize(&parser)) {
        free(text);
        xe_webconfig_free(wc);
        return failf(&ld, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errsz, "%s:%lu: YAML syntax error: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unknown problem");
        yaml_parser_delete(&parser);
        free(text);
        xe_webconfig_free(wc);
        return -1;
    }
    ld.doc = &doc;
    rc = load_root(&ld, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(text);
    if (rc != 0) {
        xe_webconfig_free(wc);
        return -1;
    }
    *out = wc;
    return 0;
}

/* Equal strings, in time that depends on the lengths only. */
static bool ct_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la && i < lb; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static bool bcrypt_matches(const char *password, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return false;
    const char *r = crypt_r(password, hash, cd);
    bool ok = r && r[0] == '$' && ct_equal(r, hash);
    free(cd);
    return ok;
}

bool xe_webconfig_authorize(struct xe_webconfig *wc, const char *user, const char *password)
{
    if (!wc || wc->n_users == 0)
        return true;
    if (!user || !password)
        return false;
    struct xe_user *u = NULL;
    for (size_t i = 0; i < wc->n_users; i++)
        if (strcmp(wc->users[i].name, user) == 0)
            u = &wc->users[i];
    if (!u) {
        bcrypt_matches(password, wc->users[0].hash); /* same cost as a known user */
        return false;
    }
    pthread_mutex_lock(&wc->lock);
    bool cached = u->verified && ct_equal(u->verified, password);
    pthread_mutex_unlock(&wc->lock);
    if (cached)
        return true;
    if (!bcrypt_matches(password, u->hash))
        return false;
    char *copy = strdup(password);
    pthread_mutex_lock(&wc->lock);
    free(u->verified);
    u->verified = copy; /* NULL on allocation failure: just no cache */
    pthread_mutex_unlock(&wc->lock);
    return true;
}

void xe_webconfig_free(struct xe_webconfig *wc)
{
    if (!wc)
        return;
    for (size_t i = 0; i < wc->n_users; i++) {
        free(wc->users[i].name);
        free(wc->users[i].hash);
        if (wc->users[i].verified)
            explicit_bzero(wc->users[i].verified, strlen(wc->users[i].verified));
        free(wc->users[i].verified);
    }
    free(wc->users);
    if (wc->key_pem)
        explicit_bzero(wc->key_pem, strlen(wc->key_pem));
    free(wc->key_pem);
    free(wc->cert_pem);
    free(wc->cert_file);
    pthread_mutex_destroy(&wc->lock);
    free(wc);
}

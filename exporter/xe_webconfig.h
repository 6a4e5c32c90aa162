/*
 * xe_webconfig.h - the --web.config.file of the Prometheus exporter-toolkit:
 *
 *   tls_server_config:
 *     cert_file: server.crt     # PEM; relative paths are taken from the
 *     key_file: server.key      # directory of the config file
 *   basic_auth_users:
 *     alice: $2y$10$...         # bcrypt hash
 *
 * Parsed with libyaml. Any other key is a startup error (a typo must not
 * silently turn authentication off); so is a file that cannot be read, a
 * certificate or key file that cannot be read, or a hash that is not bcrypt.
 * Passwords are checked with libxcrypt's crypt_r.
 */
#ifndef XE_WEBCONFIG_H
#define XE_WEBCONFIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct xe_user {
    char *name;
    char *hash;
    char *verified; /* last password that matched: skips bcrypt on every scrape */
};

struct xe_webconfig {
    char *cert_pem;   /* NULL: no TLS */
    char *key_pem;
    char *cert_file;  /* as resolved, for messages */
    struct xe_user *users;
    size_t n_users;   /* 0: no authentication */
    pthread_mutex_t lock; /* guards users[].verified */
};

/*
 * xe_webconfig_load
 *
 * RETURN VALUE: 0 and *out set (free with xe_webconfig_free), or -1 with
 * err set to "FILE:LINE: KEY: problem" (or "FILE: problem").
 */
int xe_webconfig_load(const char *path, struct xe_webconfig **out, char *err, size_t errsz);

/*
 * xe_webconfig_authorize
 *
 * True when user and password match a basic_auth_users entry. An unknown
 * user costs one bcrypt like a known one, so timing does not tell names.
 * Safe to call from several threads.
 */
bool xe_webconfig_authorize(struct xe_webconfig *wc, const char *user, const char *password);

void xe_webconfig_free(struct xe_webconfig *wc);

#endif

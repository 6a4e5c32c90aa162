/*
 * xe_webconfig.h - the --web.config.file of Prometheus's exporter-toolkit,
 * parsed into plain data (no TLS library objects: see xe_tls.h; no auth
 * state: see xe_auth.h; reload: see xe_web.h).
 *
 *   tls_server_config:        cert_file|cert, key_file|key, client_auth_type,
 *                             client_ca_file|client_ca, client_allowed_sans,
 *                             min_version, max_version, cipher_suites,
 *                             curve_preferences, prefer_server_cipher_suites
 *   http_server_config:       http2, headers
 *   basic_auth_users:         user: bcrypt-hash
 *   rate_limit:               interval, burst
 *
 * Parsed with libyaml, strictly: an unknown key, a key given twice, a
 * value of the wrong type, a second YAML document, nesting deeper than
 * XE_WEBCONFIG_MAX_DEPTH are errors. Files (the config and the PEM files
 * it names, relative to its directory) must be regular files: a FIFO or a
 * device is refused without blocking. Errors are one line:
 * "FILE:LINE: KEY.PATH: problem".
 */
#ifndef XE_WEBCONFIG_H
#define XE_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XE_WEBCONFIG_MAX_DEPTH 32
#define XE_WEBCONFIG_MAX_FILE (4u << 20) /* no sane config, certificate or key is bigger */
/* bcrypt costs above this are refused: cost 15 is about 2 s per check on a
 * 2020s core, and each step doubles it (cost 31 would take days). */
#define XE_BCRYPT_MAX_COST 15

enum xe_client_auth {
    XE_NO_CLIENT_CERT,
    XE_REQUEST_CLIENT_CERT,
    XE_REQUIRE_ANY_CLIENT_CERT,
    XE_VERIFY_CLIENT_CERT_IF_GIVEN,
    XE_REQUIRE_AND_VERIFY_CLIENT_CERT,
};

/* TLS protocol versions as in Go: 0x0301 (TLS10) ... 0x0304 (TLS13). */
enum { XE_TLS10 = 0x0301, XE_TLS11, XE_TLS12, XE_TLS13 };

/* The Go cipher suite names exporter-toolkit accepts (Go's
 * tls.CipherSuites()), with what they are made of in GnuTLS terms. */
struct xe_cipher_suite {
    const char *go_name;
    unsigned id;                   /* IANA number */
    const char *kx, *cipher, *mac; /* GnuTLS priority keywords; kx NULL: TLS 1.3 */
};
extern const struct xe_cipher_suite xe_cipher_suites[];
extern const size_t xe_n_cipher_suites;

struct xe_curve {
    const char *go_name;
    const char *group; /* GnuTLS priority keyword */
};
extern const struct xe_curve xe_curves[];
extern const size_t xe_n_curves;

struct xe_header {
    char *name, *value;
};

struct xe_user {
    char *name;
    char *hash;   /* "$2y$10$...", validated */
    unsigned cost;
};

/* Where a value came from, for messages about it found later (a
 * certificate that does not parse is reported against its key). */
struct xe_origin {
    unsigned line;  /* 1-based line of the key in the config */
    char *file;     /* resolved file name, NULL when inline */
};

struct xe_webconfig {
    char *path;             /* the config file, as given */

    bool tls;               /* any of cert*, key*, client_ca*, client_auth_type */
    char *cert_pem;         /* NULL when !tls */
    char *key_pem;          /* the one plaintext copy; wiped when freed */
    size_t key_len;
    char *client_ca_pem;    /* NULL: none */
    struct xe_origin cert_at, key_at, client_ca_at;
    enum xe_client_auth client_auth;
    char **allowed_sans;    /* NULL: no SAN check */
    size_t n_allowed_sans;
    unsigned min_version, max_version;
    size_t *cipher_suites;  /* indexes into xe_cipher_suites, in order */
    size_t n_cipher_suites;
    size_t *curves;         /* indexes into xe_curves, in order */
    size_t n_curves;
    bool prefer_server_cipher_suites;

    bool http2;             /* accepted; the exporter serves HTTP/1.1 only */
    struct xe_header *headers;
    size_t n_headers;

    struct xe_user *users;
    size_t n_users;         /* 0: no authentication */

    uint64_t rate_interval_ns; /* 0: no rate limit */
    unsigned rate_burst;
};

/*
 * xe_webconfig_load / xe_webconfig_parse
 *
 * load reads path (a regular file, opened without blocking); parse takes
 * the text (path only names it in messages and anchors relative file
 * names, which it reads).
 * RETURN VALUE: 0 and *out set (free with xe_webconfig_free), or -1 with
 * err set to one line "FILE:LINE: KEY: problem" (or "FILE: problem").
 */
int xe_webconfig_load(const char *path, struct xe_webconfig **out, char *err, size_t errsz);
int xe_webconfig_parse(const char *path, const char *text, size_t len, struct xe_webconfig **out,
                       char *err, size_t errsz);

/*
 * xe_read_regular_file
 *
 * Reads a whole regular file of at most max bytes (NUL-terminated). Opens
 * with O_NONBLOCK and refuses anything but a regular file, so a FIFO
 * cannot hang the caller.
 * RETURN VALUE: 0, or -1 with the reason in err ("not a regular file",
 * "File too large", ...), for the caller to prefix with the file and key.
 */
int xe_read_regular_file(const char *path, size_t max, char **data, size_t *len, char *err,
                         size_t errsz);

/* A duration as Go's time.ParseDuration reads it ("5s", "1m30s", "250ms");
 * a plain integer is nanoseconds, as yaml.v2 reads a time.Duration.
 * RETURN VALUE: 0, or -1 when s is not a duration. */
int xe_parse_duration(const char *s, uint64_t *ns);

/* The cost of a well-formed bcrypt hash ($2a$, $2b$, $2y$), or 0. */
unsigned xe_bcrypt_cost(const char *hash);

void xe_webconfig_free(struct xe_webconfig *wc);

#endif

/*
 * xe_tls.h - the TLS side of a web config, in GnuTLS objects: the server's
 * certificate and key, the client CA, the priority string made from
 * min/max_version, cipher_suites, curve_preferences and
 * prefer_server_cipher_suites, the client certificate policy and
 * client_allowed_sans.
 *
 * libmicrohttpd creates each connection's GnuTLS session with its own
 * daemon-wide settings; xe_tls_session_setup, called from the connection
 * notification (before the handshake), replaces them with these. So a
 * reloaded config applies to the next connection without restarting the
 * daemon (libmicrohttpd 0.9.75, Debian 12, and 1.0.x, Debian 13, both
 * notify after creating the session and before the first read).
 *
 * Client certificates are checked in the handshake (a failure ends it, as
 * in Go): VerifyClientCertIfGiven and RequireAndVerifyClientCert against
 * the client CA; client_allowed_sans against the leaf's DNS, e-mail, IP
 * and URI SANs.
 *
 * cipher_suites: GnuTLS picks key exchange, cipher and MAC from separate
 * lists, so the priority string allows their combinations; a hook after
 * the ServerHello then refuses a TLS <= 1.2 suite that is not listed (by its
 * IANA number, read from the ServerHello).
 */
#ifndef XE_TLS_H
#define XE_TLS_H

#include <stddef.h>

#include <gnutls/gnutls.h>

#include "xe_webconfig.h"

struct xe_tls;

/*
 * xe_tls_new
 *
 * Loads wc's certificate, key and client CA into GnuTLS. A certificate
 * that does not parse, a key that does not parse or is encrypted, a pair
 * that does not match, a client CA without certificates: an error naming
 * the config file, the line and the key. wc must outlive the result.
 * RETURN VALUE: 0 and *out set, or -1 with err set.
 */
int xe_tls_new(const struct xe_webconfig *wc, struct xe_tls **out, char *err, size_t errsz);

/* Applies the config to a server session that has not shaken hands yet.
 * The xe_tls must outlive the session. RETURN VALUE: 0, or -1 with
 * GnuTLS's reason in err. */
int xe_tls_session_setup(struct xe_tls *t, gnutls_session_t session, char *err, size_t errsz);

/* The priority string built from the config, for logs and tests. */
const char *xe_tls_priorities(const struct xe_tls *t);

void xe_tls_free(struct xe_tls *t);

#endif

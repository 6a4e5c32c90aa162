/*
 * xe_auth.h - basic_auth_users: the Authorization header checked against
 * bcrypt hashes.
 *
 * - The header is decoded here (RFC 7617: the scheme "Basic" in any case,
 *   strict base64, user up to the first ':'); credentials holding a NUL
 *   are refused, so "secret\0junk" is not "secret".
 * - Checked credentials are remembered by an HMAC-SHA256 of user and
 *   password under a key made at random for this config (never the
 *   password itself), right and wrong ones in separate tables: a scrape
 *   with the same credentials, and a flood repeating the same wrong ones,
 *   cost no bcrypt, and wrong ones never push right ones out.
 * - At most XE_AUTH_BCRYPT_SLOTS bcrypt checks run at once in the process;
 *   a check that finds no free slot is answered XE_AUTH_BUSY at once (the
 *   caller sends 429) instead of tying a server thread up, so bad-password
 *   floods cannot starve scrapes whose credentials are remembered.
 * - Every bcrypt check takes as long as one at the highest cost among the
 *   users (the rest is slept), and an unknown user costs one check too:
 *   neither the user's existence nor its hash's cost shows in the timing.
 */
#ifndef XE_AUTH_H
#define XE_AUTH_H

#include <stdio.h>

#include "xe_webconfig.h"

#define XE_AUTH_BCRYPT_SLOTS 1

enum xe_auth_result { XE_AUTH_OK, XE_AUTH_DENIED, XE_AUTH_BUSY };

struct xe_auth;

/* wc must outlive the result. RETURN VALUE: 0, or -1 with a one-line
 * reason in err. */
int xe_auth_new(const struct xe_webconfig *wc, struct xe_auth **out, char *err, size_t errsz);

/* True when the config has users (every request then needs credentials). */
bool xe_auth_enabled(const struct xe_auth *a);

/* authorization: the request's Authorization header, or NULL. Thread-safe. */
enum xe_auth_result xe_auth_check(struct xe_auth *a, const char *authorization);

void xe_auth_free(struct xe_auth *a);

/*
 * xe_auth_hash_password
 *
 * A bcrypt hash ($2y$, cost) of password, for --web.hash-password.
 * RETURN VALUE: 0 and out (at least 61 bytes) set, or -1 with a one-line
 * reason in err.
 */
int xe_auth_hash_password(const char *password, unsigned cost, char *out, size_t outsz,
                          char *err, size_t errsz);

/*
 * xe_auth_hash_password_main
 *
 * --web.hash-password: reads one line (the password) from in, writes its
 * bcrypt hash at cost 10 and a newline to out; problems go to errout.
 * RETURN VALUE: the exit status.
 */
int xe_auth_hash_password_main(FILE *in, FILE *out, FILE *errout);

#endif

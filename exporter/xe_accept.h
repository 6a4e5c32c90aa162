/*
 * xe_accept.h - the accept loop of the HTTPS listeners.
 *
 * libmicrohttpd starts a TLS handshake on whatever a new connection sends,
 * so plain HTTP sent to the HTTPS port would just be closed. Here one
 * thread accepts on the HTTPS listening sockets, waits (at most
 * XE_ACCEPT_FIRST_BYTE_SECONDS) for the first byte without reading it, and
 * hands a TLS handshake (0x16, or 0x80: an SSLv2-style hello) to
 * libmicrohttpd with MHD_add_connection; anything else gets exporter-
 * toolkit's (Go's) answer, "400 Bad Request: Client sent an HTTP request to
 * an HTTPS server.", and is closed. Connections waiting for their first
 * byte are bounded per client address and in total, like the served ones.
 */
#ifndef XE_ACCEPT_H
#define XE_ACCEPT_H

#include <stddef.h>

#include <microhttpd.h>

#define XE_ACCEPT_FIRST_BYTE_SECONDS 10

struct xe_accept;

/*
 * xe_accept_start
 *
 * fds[i] is served by daemons[i] (started with MHD_USE_NO_LISTEN_SOCKET and
 * MHD_USE_ITC). The sockets belong to the loop from now on, also on failure.
 * RETURN VALUE: 0 and *out set, or -1 with the reason in err.
 */
int xe_accept_start(struct xe_accept **out, const int *fds, struct MHD_Daemon *const *daemons,
                    size_t n, unsigned per_address, unsigned max_waiting, char *err,
                    size_t errsz);

/* Stops the thread, closes the waiting connections and the listening
 * sockets. Call before stopping the daemons. NULL-safe. */
void xe_accept_free(struct xe_accept *a);

#endif

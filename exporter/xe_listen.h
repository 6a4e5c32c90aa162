/*
 * xe_listen.h - --web.listen-address values and their sockets.
 *
 * Accepted forms, as Go's net.Listen takes them: ":PORT" (every address,
 * IPv6 and IPv4 on one dual-stack socket when the host has IPv6),
 * "IPv4:PORT", "[IPv6]:PORT" and "HOSTNAME:PORT" (its first address).
 * The exporter opens the sockets itself, so a bind failure is reported with
 * the address and the reason before anything starts; or it takes the ones
 * systemd passes (--web.systemd-socket).
 */
#ifndef XE_LISTEN_H
#define XE_LISTEN_H

#include <stddef.h>

struct xe_listen_addr {
    char host[256]; /* "" for every address; IPv6 without brackets */
    char port[8];
};

/* RETURN VALUE: 0, or -1 with the reason in err. */
int xe_listen_parse(const char *spec, struct xe_listen_addr *out, char *err, size_t errsz);

/*
 * xe_listen_open
 *
 * Creates, binds and listens; the socket is non-blocking and close-on-exec.
 * bound (may be NULL) receives the address actually bound, e.g.
 * "[::]:9717" or "127.0.0.1:41234".
 * RETURN VALUE: the socket, or -1 with the reason in err.
 */
int xe_listen_open(const struct xe_listen_addr *a, char *bound, size_t boundsz, char *err,
                   size_t errsz);

/*
 * xe_listen_systemd
 *
 * The listening sockets systemd passed (socket activation, sd_listen_fds),
 * made non-blocking and close-on-exec, with a name each ("127.0.0.1:9717").
 * *fds and *names (n entries, each name allocated) are the caller's, also
 * on failure.
 * RETURN VALUE: 0, or -1 with the reason in err (none passed, or one that
 * is not a listening stream socket).
 */
int xe_listen_systemd(int **fds, char ***names, size_t *n, char *err, size_t errsz);

#endif

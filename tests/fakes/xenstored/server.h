/* The server's shared state, and the operations the protocol and the
 * control socket perform on it. */
#ifndef FXS_SERVER_H
#define FXS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "conn.h"
#include "fixture.h"
#include "store.h"

/* by_type[XS_TYPE_COUNT] counts types the server does not know. */
struct stats {
    uint64_t total;
    uint64_t by_type[XS_TYPE_COUNT + 1];
};

struct ctl_conn;

struct server {
    struct store store;           /* the live store; fires watches */
    struct store_watcher watcher;
    struct conn *conns;           /* xenstore clients, newest first */
    struct ctl_conn *ctls;        /* control clients */
    struct domlist domains;       /* domids of the fixture last loaded */
    struct stats stats;
    const char *fixture;
    int listen_fd, ctl_fd, sig_fd;
    bool accept_paused;           /* out of fds: wait for a disconnect */
    bool stop;
};

/* Zeroes srv and records the fixture path; the caller then loads the store,
 * opens the sockets and calls server_run(). */
void server_init(struct server *srv, const char *fixture_path);
/* Serves until SIGTERM/SIGINT. Returns 0, or -1 on a fatal error. */
int server_run(struct server *srv);
/* Closes every connection and socket and frees the store. */
void server_close(struct server *srv);

/* Re-reads the fixture and applies the difference to the live store (see
 * reload.c). Returns 0, or -1 with err set and the store unchanged. */
int server_reload(struct server *srv, char *err, size_t errlen);

/* Live clients, and their watches, for the stats line. */
size_t server_conn_count(const struct server *srv);
size_t server_watch_count(const struct server *srv);

#endif

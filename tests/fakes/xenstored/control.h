/* The control socket: one command line in, one reply line out. */
#ifndef FXS_CONTROL_H
#define FXS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

struct ctl_conn {
    struct ctl_conn *prev, *next;
    int fd;
    bool dead;
    char *in;
    size_t inlen, incap;
    char *out;
    size_t outlen, outcap;
};

/* Accepts every pending control connection. */
void ctl_accept(struct server *srv);
/* Reads and answers complete lines; marks the connection dead at EOF or
 * on error. */
void ctl_on_readable(struct server *srv, struct ctl_conn *cc);
/* Sends queued replies; marks the connection dead on error. */
void ctl_flush(struct ctl_conn *cc);
/* Unlinks and frees the connection. */
void ctl_free(struct server *srv, struct ctl_conn *cc);

/* Runs one command line (without its newline) and writes the reply line
 * (without newline) into reply. Exposed for SIGHUP, which is "reload". */
void ctl_execute(struct server *srv, char *line, char *reply, size_t len);

#endif

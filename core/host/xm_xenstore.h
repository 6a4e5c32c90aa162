/*
 * xm_xenstore.h - the xenstore connection: open, close, and reads that
 * tell "missing" from "connection lost", each counted as a request (what
 * is read per domain is in xm_devices.h).
 */
#ifndef XM_XENSTORE_H
#define XM_XENSTORE_H

#include "xenmode/util.h"

struct xs_handle;
struct xm_deadline;

struct xm_xs {
    struct xs_handle *h;
    unsigned long requests; /* requests sent since open */
    struct xm_deadline *guard; /* NULL, or the watchdog that gets this
                                  connection's socket (set by the owner) */
};

enum { XM_XS_FOUND = 0, XM_XS_MISSING = 1, XM_XS_FAILED = -1 };

void xm_xs_init(struct xm_xs *xs);
int xm_xs_open(struct xm_xs *xs, struct xm_error *err);
void xm_xs_close(struct xm_xs *xs);
/* Where libxenstore connects: XENSTORED_PATH, or the run directory's socket. */
const char *xm_xs_socket_path(void);

/* After an outage, "is xenstored answering again?" without ever blocking:
 * libxenstore's connect() would hang once a stalled xenstored's listen
 * backlog is full, and every request would wait for the deadline. The probe
 * connects without blocking and sends one read of "/", then each check
 * looks for the reply, keeping the same connection across checks: an outage
 * costs one queued connection, and only the check that sends a request
 * waits for its answer (until wait_until, monotonic seconds); the others
 * return at once. */
struct xm_xs_probe {
    int fd; /* -1: none in flight */
};
void xm_xs_probe_init(struct xm_xs_probe *p);
/* XM_OK when xenstored answered (or there is nothing to probe, or it is
 * gone: xs_open reports why); XM_ERR_TIMEOUT with err filled while it does
 * not answer. */
int xm_xs_probe_check(struct xm_xs_probe *p, double wait_until, struct xm_error *err);
void xm_xs_probe_close(struct xm_xs_probe *p);

/* XM_XS_FOUND with *value malloc'd (NUL-terminated), XM_XS_MISSING (node
 * absent or not readable by us), or XM_XS_FAILED with err filled (the
 * connection is unusable: the caller closes and reopens). */
int xm_xs_read(struct xm_xs *xs, const char *path, char **value, struct xm_error *err);
/* As xm_xs_read; *names is one malloc'd block (free(*names) only). */
int xm_xs_directory(struct xm_xs *xs, const char *path, char ***names, unsigned *n,
                    struct xm_error *err);

#endif

/*
 * xm_xenstore.h - the xenstore connection: open, close, and reads that
 * tell "missing" from "connection lost", each counted as a request (what
 * is read per domain is in xm_devices.h).
 */
#ifndef XM_XENSTORE_H
#define XM_XENSTORE_H

#include "xenmode/util.h"

struct xs_handle;

struct xm_xs {
    struct xs_handle *h;
    unsigned long requests; /* requests sent since open */
};

enum { XM_XS_FOUND = 0, XM_XS_MISSING = 1, XM_XS_FAILED = -1 };

void xm_xs_init(struct xm_xs *xs);
int xm_xs_open(struct xm_xs *xs, struct xm_error *err);
void xm_xs_close(struct xm_xs *xs);

/* XM_XS_FOUND with *value malloc'd (NUL-terminated), XM_XS_MISSING (node
 * absent or not readable by us), or XM_XS_FAILED with err filled (the
 * connection is unusable: the caller closes and reopens). */
int xm_xs_read(struct xm_xs *xs, const char *path, char **value, struct xm_error *err);
/* As xm_xs_read; *names is one malloc'd block (free(*names) only). */
int xm_xs_directory(struct xm_xs *xs, const char *path, char ***names, unsigned *n,
                    struct xm_error *err);

#endif

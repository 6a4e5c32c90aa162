/* xm_internal.h - helpers shared by the core's own files, not a public API. */
#ifndef XM_INTERNAL_H
#define XM_INTERNAL_H

#include <stdarg.h>

#include "xenmode.h"

/* The domains of a snapshot, shared by every snapshot that saw the same
 * host: a cached collector hands out the same block while nothing changes. */
struct xm_snapshot_block {
    unsigned refs; /* atomic */
    struct xm_domain *domains;
    size_t n;
};

/* A snapshot over block (takes one reference). NULL on allocation failure. */
struct xm_snapshot *xm_snapshot_wrap(struct xm_snapshot_block *block);
/* A new block owning domains[0..n) (refs 1); NULL on failure (domains kept). */
struct xm_snapshot_block *xm_block_new(struct xm_domain *domains, size_t n);
void xm_block_ref(struct xm_snapshot_block *b);
void xm_block_unref(struct xm_snapshot_block *b);

/* Frees what a domain owns (not the struct itself). */
void xm_domain_dispose(struct xm_domain *d);

/* Fills err (may be NULL) with code and a formatted one-line message;
 * returns code, so `return xm_set_error(err, ...)` reads naturally. */
int xm_set_error(struct xm_error *err, enum xm_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

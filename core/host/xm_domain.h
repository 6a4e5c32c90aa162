/* xm_domain.h - the domains of a snapshot and the blocks that share them
 * between snapshots; internal to core/host/. */
#ifndef XM_DOMAIN_H
#define XM_DOMAIN_H

#include "xenmode/host.h"

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
/* Deep copy of a domain; false on allocation failure (dst then empty). */
bool xm_domain_copy(struct xm_domain *dst, const struct xm_domain *src);

#endif

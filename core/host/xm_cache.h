/*
 * xm_cache.h - per-domain evidence cached between snapshots and kept fresh
 * by xenstore watches, so that a scrape of an unchanged host sends no
 * xenstore request at all (libxl_list_domain, one hypercall, still runs at
 * every snapshot and stays the truth for which domains exist).
 *
 * Watches, chosen narrowly (guests write to their own /local/domain/<id>
 * tree constantly: data/, memory/, control/ ... a watch there would turn
 * guest chatter into re-reads):
 *   @introduceDomain, @releaseDomain     domains appearing and going away
 *   /libxl                               libxl's type records (/libxl/<id>/type)
 *   /local/domain/<b>/backend            backend state of every backend
 *                                        domain: dom0 and each driver domain
 *                                        a frontend points at
 *   /local/domain/<id>/name              per domain: xl rename
 *   /local/domain/<id>/domain-type       per domain: XenServer's type record
 *   /local/domain/<id>/device            per domain: frontends added/removed
 * An event marks the domain it names dirty; a dirty, new or unwatched
 * domain is read afresh at the next snapshot. The first event of every new
 * watch (xenstored fires one at registration) is recognised by its token
 * and ignored, since the read that follows registration sees that state.
 * When the connection drops, everything here is discarded and rebuilt.
 */
#ifndef XM_CACHE_H
#define XM_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/host.h"
#include "xm_devices.h"

struct xm_cache_entry {
    uint32_t domid;
    uint8_t uuid[16];  /* raw: compared at every snapshot, formatting it
                          each time was most of a cached snapshot's cost */
    bool dirty;        /* read afresh at the next snapshot */
    bool watched;      /* its per-domain watches are registered */
    bool have;         /* dom holds a complete cached domain */
    struct xm_domain dom;
    uint64_t tokens[3]; /* name, domain-type, device watches */
    uint32_t backends[XM_MAX_BACKEND_DOMS]; /* backend domains its frontends use */
    size_t n_backends;
};

struct xm_watch_rec {
    uint64_t seq;       /* the token is "xm<seq>" */
    char *path;
    bool initial_pending;
};

struct xm_cache {
    struct xm_cache_entry *entries; /* sorted by domid */
    size_t n, cap;
    struct xm_watch_rec *watches;   /* sorted by seq */
    size_t n_watches, cap_watches;
    uint64_t next_seq;
    uint32_t *backend_doms;         /* backend domains watched */
    size_t n_backend_doms;
    bool all_dirty;
};

void xm_cache_init(struct xm_cache *c);
/* Drops every entry and forgets every watch (the connection is gone). */
void xm_cache_clear(struct xm_cache *c);

/* Registers a watch; false on failure (errno set by libxenstore). */
bool xm_cache_watch(struct xm_cache *c, struct xm_xs *xs, const char *path, uint64_t *seq_out);
void xm_cache_unwatch(struct xm_cache *c, struct xm_xs *xs, uint64_t seq);

/* Reads every queued watch event and marks what it names dirty.
 * XM_OK, or XM_ERR_XENSTORE when the connection is broken. */
int xm_cache_drain(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err);

/* The entry for domid, or NULL. */
struct xm_cache_entry *xm_cache_find(struct xm_cache *c, uint32_t domid);
/* Inserts an empty dirty entry (kept sorted); NULL on allocation failure. */
struct xm_cache_entry *xm_cache_insert(struct xm_cache *c, uint32_t domid);
/* Removes the entry at index i, unwatching its watches. */
void xm_cache_remove(struct xm_cache *c, struct xm_xs *xs, size_t i);

/* Ensures /local/domain/<b>/backend is watched. */
void xm_cache_watch_backend(struct xm_cache *c, struct xm_xs *xs, uint32_t b);
/* Unwatches backend domains other than dom0 that no cached entry's
 * frontends point at (whether or not that domain still runs: a frontend
 * left pointing at a dead driver domain must still see its tree go). */
void xm_cache_prune_backends(struct xm_cache *c, struct xm_xs *xs);

/* Deep copy of a domain; false on allocation failure (dst then empty). */
bool xm_domain_copy(struct xm_domain *dst, const struct xm_domain *src);

#endif

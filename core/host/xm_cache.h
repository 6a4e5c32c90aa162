/*
 * xm_cache.h - per-domain evidence cached between snapshots and kept fresh
 * by xenstore watches, so that a scrape of an unchanged host sends no
 * xenstore request at all (libxl_list_domain, one hypercall, still runs at
 * every snapshot and stays the truth for which domains exist).
 *
 * The cache owns its watches and answers one question for the collector:
 * must this listed domain be read afresh (xm_cache_must_read)? A cache
 * made without watching (the one-shot collector) answers "yes" for every
 * domain and registers nothing, so both collectors take the same path.
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
 *   /local/domain/<id>/attr/PVAddons,    per domain: what guest agents and
 *     data/os_{distro,name,majorver,       Windows PV drivers report
 *     minorver}, drivers                   (xm_agent.h), each node itself,
 *                                        not data/ as a whole
 * An event marks the domain it names dirty; a dirty, new or unwatched
 * domain is read afresh at the next snapshot. The first event of every new
 * watch (xenstored fires one at registration) is recognised by its token
 * and ignored, since the read that follows registration sees that state.
 * When the connection drops, everything here is discarded and rebuilt
 * (xm_cache_lost).
 */
#ifndef XM_CACHE_H
#define XM_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/host.h"
#include "xm_agent.h"
#include "xm_devices.h"

/* Per domain: name, domain-type, device, and the agent's nodes. */
#define XM_CACHE_DOMAIN_WATCHES (3 + XM_AGENT_N_WATCHED)

/* One tracked domain. */
struct xm_cache_entry {
    uint32_t domid;
    uint8_t uuid[16];  /* raw: compared at every snapshot, formatting it
                          each time was most of a cached snapshot's cost */
    bool dirty;        /* read afresh at the next snapshot */
    bool watched;      /* its per-domain watches are registered */
    bool have;         /* dom holds a complete cached domain */
    struct xm_domain dom;
    bool cut_noted;    /* a cut by the per-domain bounds was reported */
    uint64_t tokens[XM_CACHE_DOMAIN_WATCHES]; /* its per-domain watches */
    uint32_t *backends; /* backend domains its frontends use (malloc'd, no cap:
                           each is watched) */
    size_t n_backends;
};

struct xm_watch_rec {
    uint64_t seq;       /* the token is "xm<seq>" */
    char *path;
    bool initial_pending;
};

/* The fields are the cache's own: callers use the functions below. */
struct xm_cache {
    bool watching;                  /* false: no watches, every domain read afresh */
    bool live;                      /* the global watches are registered */
    struct xm_cache_entry *entries; /* sorted by domid */
    size_t n, cap;
    struct xm_watch_rec *watches;   /* sorted by seq */
    size_t n_watches, cap_watches;
    uint64_t next_seq;
    uint32_t *backend_doms;         /* backend domains watched */
    size_t n_backend_doms;
    bool all_dirty;
    bool broken;                    /* a drain found the connection broken */
};

/* watching false: a cache that keeps no watch and so trusts nothing. */
void xm_cache_init(struct xm_cache *c, bool watching);
/* Frees what the cache owns (xenstore is not told: the connection goes too). */
void xm_cache_dispose(struct xm_cache *c);

/*
 * xm_cache_begin
 *
 * Starts a snapshot on the open connection xs: registers the watches that
 * do not belong to one domain when they are not registered on it yet (a
 * failure leaves the cache off for this connection: every domain is read
 * afresh), then reads every queued watch event and marks what it names.
 * RETURN VALUE: XM_OK, or XM_ERR_XENSTORE with err filled when the
 * connection is broken (the caller reopens it, calls xm_cache_lost and
 * begins again).
 */
int xm_cache_begin(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err);

/*
 * xm_cache_drain
 *
 * Reads every watch event libxenstore has queued and marks what it names
 * (nothing when the cache is not live). libxenstore keeps each event in
 * its own memory until it is read, so a front end calls this between
 * snapshots as events arrive (xs_fileno): a guest writing its device/
 * subtree in a loop then costs a dirty flag, not a queue.
 * RETURN VALUE: XM_OK, or XM_ERR_XENSTORE with err filled when the
 * connection is broken.
 */
int xm_cache_drain(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err);

/* Whether a cut by the per-domain bounds on domid is new: true the first
 * time for a tracked domain (and always when not watching), so it is
 * reported once per domain, not at every read. */
bool xm_cache_note_cut(struct xm_cache *c, uint32_t domid);

/* The connection the watches were on is gone: forgets every entry and
 * watch. RETURN VALUE: true when the cache was live (a rebuild). */
bool xm_cache_lost(struct xm_cache *c);

/* Stops tracking every domain for which listed(ctx, domid) is false.
 * RETURN VALUE: true when any was dropped. */
bool xm_cache_drop_unlisted(struct xm_cache *c, struct xm_xs *xs,
                            bool (*listed)(const void *ctx, uint32_t domid), const void *ctx);

/*
 * xm_cache_must_read
 *
 * The question: must the listed domain (domid, uuid, hvm flag) be read
 * afresh, or does the cached domain stand? A domain not tracked yet (or
 * whose uuid changed: a new domain under a reused domid) starts being
 * tracked and watched. RETURN VALUE: 1 read it, 0 the cached one stands,
 * -1 out of memory.
 */
int xm_cache_must_read(struct xm_cache *c, struct xm_xs *xs, uint32_t domid,
                       const uint8_t uuid[16], bool hvm_flag);

/* Keeps what was read for a domain xm_cache_must_read asked for (takes
 * what *dom owns; *dom is zeroed) and watches the backend domains its
 * frontends use (all of them; one that cannot be watched leaves the
 * domain to be read afresh at the next snapshot). */
void xm_cache_store(struct xm_cache *c, struct xm_xs *xs, struct xm_domain *dom,
                    const uint32_t *backends, size_t n_backends);

/* The domain last stored for domid (same uuid: xm_cache_must_read drops an
 * entry whose uuid changed), or NULL. Valid until the next store. */
const struct xm_domain *xm_cache_peek(const struct xm_cache *c, uint32_t domid);

/* Stops tracking domid (it went away while it was read). */
void xm_cache_forget(struct xm_cache *c, struct xm_xs *xs, uint32_t domid);

/* Ends a snapshot: unwatches backend domains other than dom0 that no
 * tracked domain's frontends point at (whether or not that domain still
 * runs: a frontend left pointing at a dead driver domain must still see
 * its tree go). */
void xm_cache_end(struct xm_cache *c, struct xm_xs *xs);

/*
 * xm_cache_domains
 *
 * The domains held, in domid order, as a new array (*out, *n): deep copies
 * when watching (the cache keeps its own), moved out otherwise (they are
 * read afresh next time anyway). RETURN VALUE: XM_OK, or XM_ERR_NOMEM with
 * err filled.
 */
int xm_cache_domains(struct xm_cache *c, struct xm_domain **out, size_t *n,
                     struct xm_error *err);

/* How many domains are tracked. */
size_t xm_cache_count(const struct xm_cache *c);
/* Whether it was made watching (an unchanged host can then be told). */
bool xm_cache_watching(const struct xm_cache *c);

#endif

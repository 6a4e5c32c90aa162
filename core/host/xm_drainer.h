/*
 * xm_drainer.h - reads xenstore watch events as they arrive, between
 * snapshots.
 *
 * libxenstore's reader thread queues every watch event in the client's
 * memory until xs_check_watch takes it, and a guest can make events as fast
 * as xenstored accepts writes to its own device/ subtree. Were the queue
 * read only at the next scrape, 400k writes between two scrapes would hold
 * some 40 MB (and glibc keeps the reader thread's arena afterwards). The
 * drainer waits on the watch pipe (xs_fileno) and hands each event to the
 * cache at once, which keeps a dirty flag per domain: what is pending is
 * O(domains), whatever a guest writes.
 *
 * It shares the collector's lock: events are read between snapshots, never
 * during one (a snapshot drains what arrived before it itself).
 */
#ifndef XM_DRAINER_H
#define XM_DRAINER_H

#include <pthread.h>
#include <stdbool.h>

#include "xm_cache.h"
#include "xm_xenstore.h"

struct xm_drainer {
    pthread_t thread;
    int stop_pipe[2];
    bool running;
    pthread_mutex_t *lock; /* the collector's: guards xs and cache */
    struct xm_xs *xs;
    struct xm_cache *cache;
};

/* Starts the thread (signals blocked in it). RETURN VALUE: XM_OK, or
 * XM_ERR_NOMEM with err filled. */
int xm_drainer_start(struct xm_drainer *d, pthread_mutex_t *lock, struct xm_xs *xs,
                     struct xm_cache *cache, struct xm_error *err);
/* Stops and joins it (call without holding lock); no-op if not running. */
void xm_drainer_stop(struct xm_drainer *d);

#endif

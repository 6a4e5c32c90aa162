/* The watch-event drainer: one thread per watching collector, asleep in
 * poll() until libxenstore has an event queued. */
#include "xm_drainer.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

/* How long poll() trusts an fd: the snapshot path may close the connection
 * and open another meanwhile, and closing an fd does not wake a poll() on
 * it in another thread. A stale wait costs at most this long. */
#define RECHECK_MS 1000

static void *drain_loop(void *arg)
{
    struct xm_drainer *d = arg;
    for (;;) {
        struct xs_handle *h;
        int fd = -1;
        pthread_mutex_lock(d->lock);
        h = d->xs->h;
        if (h && d->cache->live && !d->cache->broken)
            fd = xs_fileno(h);
        pthread_mutex_unlock(d->lock);

        struct pollfd p[2] = {{d->stop_pipe[0], POLLIN, 0}, {fd, POLLIN, 0}};
        int n = poll(p, fd >= 0 ? 2 : 1, RECHECK_MS);
        if (n < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (n <= 0 || !(p[1].revents & POLLIN))
            continue;
        pthread_mutex_lock(d->lock);
        if (d->xs->h == h) {
            struct xm_error err;
            /* A failure is the snapshot's to handle: the cache remembers it
             * (and is not polled again until it is rebuilt). */
            (void)xm_cache_drain(d->cache, d->xs, &err);
        }
        pthread_mutex_unlock(d->lock);
    }
    return NULL;
}

int xm_drainer_start(struct xm_drainer *d, pthread_mutex_t *lock, struct xm_xs *xs,
                     struct xm_cache *cache, struct xm_error *err)
{
    memset(d, 0, sizeof *d);
    d->lock = lock;
    d->xs = xs;
    d->cache = cache;
    if (pipe(d->stop_pipe) != 0)
        return xm_set_error(err, XM_ERR_NOMEM, "cannot create a pipe: %s", strerror(errno));
    /* The front end's signals (SIGTERM, SIGHUP) are for its own threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&d->thread, NULL, drain_loop, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        close(d->stop_pipe[0]);
        close(d->stop_pipe[1]);
        return xm_set_error(err, XM_ERR_NOMEM, "cannot start the watch drainer: %s",
                            strerror(e));
    }
    d->running = true;
    return XM_OK;
}

void xm_drainer_stop(struct xm_drainer *d)
{
    if (!d->running)
        return;
    char b = 0;
    while (write(d->stop_pipe[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(d->thread, NULL);
    close(d->stop_pipe[0]);
    close(d->stop_pipe[1]);
    d->running = false;
}

/* The watchdog thread and the search for xenstored's sockets (see
 * xm_deadline.h for why shutdown(2) of our own dup). */
#include "xm_deadline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xenmode/util.h"

int xm_deadline_init(struct xm_deadline *d)
{
    memset(d, 0, sizeof *d);
    d->wait_until = INFINITY;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    int e = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (e == 0)
        e = pthread_cond_init(&d->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (e != 0)
        return -1;
    if (pthread_mutex_init(&d->lock, NULL) != 0) {
        pthread_cond_destroy(&d->cond);
        return -1;
    }
    return 0;
}

static void close_guards(struct xm_deadline *d, bool all, enum xm_guard_owner owner)
{
    size_t k = 0;
    for (size_t i = 0; i < d->n_guards; i++) {
        if (all || d->guards[i].owner == owner)
            close(d->guards[i].fd);
        else
            d->guards[k++] = d->guards[i];
    }
    d->n_guards = k;
}

void xm_deadline_dispose(struct xm_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_broadcast(&d->cond);
    bool started = d->started;
    pthread_mutex_unlock(&d->lock);
    if (started)
        pthread_join(d->thread, NULL);
    close_guards(d, true, XM_GUARD_XS);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
}

/* Waits for an armed deadline to pass, then ends the guarded connections:
 * the blocked call gets EOF or EPIPE and the snapshot unwinds. */
static void *watchdog(void *arg)
{
    struct xm_deadline *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        if (!d->armed || d->fired) {
            d->wait_until = INFINITY;
            pthread_cond_wait(&d->cond, &d->lock);
            continue;
        }
        if (xm_monotonic_seconds() < d->deadline) {
            d->wait_until = d->deadline;
            struct timespec ts = xm_monotonic_timespec(d->deadline);
            pthread_cond_timedwait(&d->cond, &d->lock, &ts);
            continue;
        }
        d->fired = true;
        for (size_t i = 0; i < d->n_guards; i++)
            shutdown(d->guards[i].fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* The thread takes no signal: a front end's handlers run on its own threads. */
static int start_thread(struct xm_deadline *d)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&d->thread, NULL, watchdog, d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0)
        return -1;
    d->started = true;
    return 0;
}

int xm_deadline_arm(struct xm_deadline *d, double deadline)
{
    pthread_mutex_lock(&d->lock);
    int rc = d->started ? 0 : start_thread(d);
    if (rc == 0) {
        d->armed = true;
        d->fired = d->interrupted;
        d->deadline = deadline;
        /* A thread already waiting until an earlier time looks again then:
         * a snapshot every few milliseconds costs no wake-up each. */
        if (deadline < d->wait_until || d->fired)
            pthread_cond_broadcast(&d->cond);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

bool xm_deadline_disarm(struct xm_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    bool fired = d->fired;
    d->armed = false;
    d->fired = false;
    pthread_mutex_unlock(&d->lock);
    return fired;
}

void xm_deadline_interrupt(struct xm_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    d->interrupted = true;
    if (d->armed && !d->fired) {
        d->fired = true;
        for (size_t i = 0; i < d->n_guards; i++)
            shutdown(d->guards[i].fd, SHUT_RDWR);
    }
    pthread_mutex_unlock(&d->lock);
}

bool xm_deadline_interrupted(struct xm_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    bool v = d->interrupted;
    pthread_mutex_unlock(&d->lock);
    return v;
}

/* Called with d->lock held. */
static int add_guard(struct xm_deadline *d, int fd, enum xm_guard_owner owner)
{
    if (d->n_guards >= sizeof d->guards / sizeof d->guards[0])
        return -1;
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (dup_fd < 0)
        return -1;
    d->guards[d->n_guards++] = (struct xm_guard){dup_fd, owner};
    /* Opened after the deadline passed (a reconnect racing the watchdog). */
    if (d->armed && d->fired)
        shutdown(dup_fd, SHUT_RDWR);
    return 0;
}

static int cmp_fd(const void *a, const void *b)
{
    int x = ((const struct xm_fd_id *)a)->fd, y = ((const struct xm_fd_id *)b)->fd;
    return (x > y) - (x < y);
}

void xm_fdset_take(struct xm_fdset *s)
{
    s->fds = NULL;
    s->n = 0;
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        char *end;
        long v = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || v < 0 || v == dirfd(dir))
            continue;
        struct stat st;
        if (fstat((int)v, &st) != 0)
            continue; /* closed since the directory was read */
        if (s->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct xm_fd_id *nf = realloc(s->fds, ncap * sizeof *nf);
            if (!nf)
                break;
            s->fds = nf;
            cap = ncap;
        }
        s->fds[s->n++] = (struct xm_fd_id){(int)v, st.st_dev, st.st_ino};
    }
    closedir(dir);
    if (s->n)
        qsort(s->fds, s->n, sizeof *s->fds, cmp_fd);
}

void xm_fdset_dispose(struct xm_fdset *s)
{
    free(s->fds);
    s->fds = NULL;
    s->n = 0;
}

/* A unix stream socket whose peer is bound at sockpath. */
static bool is_xenstored_socket(int fd, const char *sockpath)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return false;
    int type = 0;
    socklen_t tl = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM)
        return false;
    struct sockaddr_un peer;
    socklen_t pl = sizeof peer;
    memset(&peer, 0, sizeof peer);
    if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0 || peer.sun_family != AF_UNIX)
        return false;
    size_t n = pl > offsetof(struct sockaddr_un, sun_path)
                   ? pl - offsetof(struct sockaddr_un, sun_path) : 0;
    n = strnlen(peer.sun_path, n < sizeof peer.sun_path ? n : sizeof peer.sun_path);
    return n == strlen(sockpath) && memcmp(peer.sun_path, sockpath, n) == 0;
}

size_t xm_deadline_adopt(struct xm_deadline *d, const struct xm_fdset *before,
                         const char *sockpath, enum xm_guard_owner owner)
{
    struct xm_fdset now;
    size_t adopted = 0;
    xm_fdset_take(&now);
    for (size_t i = 0; i < now.n; i++) {
        int fd = now.fds[i].fd;
        const struct xm_fd_id *was =
            before->n ? bsearch(&now.fds[i], before->fds, before->n, sizeof *before->fds, cmp_fd)
                      : NULL;
        if (was && was->dev == now.fds[i].dev && was->ino == now.fds[i].ino)
            continue;
        if (!is_xenstored_socket(fd, sockpath))
            continue;
        pthread_mutex_lock(&d->lock);
        adopted += add_guard(d, fd, owner) == 0;
        pthread_mutex_unlock(&d->lock);
    }
    xm_fdset_dispose(&now);
    return adopted;
}

void xm_deadline_release(struct xm_deadline *d, enum xm_guard_owner owner)
{
    pthread_mutex_lock(&d->lock);
    close_guards(d, false, owner);
    pthread_mutex_unlock(&d->lock);
}

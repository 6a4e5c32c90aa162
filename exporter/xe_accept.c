/* One thread sorting new HTTPS connections by their first byte. */
#include "xe_accept.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xenmode/util.h"

struct waiting {
    int fd;
    size_t listener;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    double deadline;
};

struct xe_accept {
    int *fds;
    struct MHD_Daemon *const *daemons;
    size_t n;
    unsigned per_address, max_waiting;
    struct waiting *w;
    size_t n_w;
    struct pollfd *pfd;
    int wake[2];
    pthread_t thread;
    bool started;
};

static const char https_only[] = "HTTP/1.0 400 Bad Request\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Connection: close\r\n\r\n"
                                 "Client sent an HTTP request to an HTTPS server.\n";

/* The client address without the port. */
static bool same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, sizeof(struct in_addr)) == 0;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return true;
}

static void drop_waiting(struct xe_accept *a, size_t i, bool close_fd)
{
    if (close_fd)
        close(a->w[i].fd);
    a->w[i] = a->w[--a->n_w];
}

static void accept_all(struct xe_accept *a, size_t listener)
{
    for (;;) {
        struct waiting c = {.listener = listener, .addrlen = sizeof c.addr};
        c.fd = accept4(a->fds[listener], (struct sockaddr *)&c.addr, &c.addrlen,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c.fd < 0)
            return; /* EAGAIN, or an error for this one connection only */
        unsigned same = 0;
        for (size_t i = 0; i < a->n_w; i++)
            same += same_address(&a->w[i].addr, &c.addr);
        if (a->n_w >= a->max_waiting || same >= a->per_address) {
            close(c.fd);
            continue;
        }
        c.deadline = xm_monotonic_seconds() + XE_ACCEPT_FIRST_BYTE_SECONDS;
        a->w[a->n_w++] = c;
    }
}

/* Decides one waiting connection once it is readable; true when done. */
static bool sort_one(struct xe_accept *a, size_t i)
{
    unsigned char first;
    ssize_t got = recv(a->w[i].fd, &first, 1, MSG_PEEK);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    if (got == 1 && (first == 0x16 || first == 0x80)) {
        struct waiting c = a->w[i];
        drop_waiting(a, i, false);
        /* libmicrohttpd owns (and on failure closes) the socket now. */
        MHD_add_connection(a->daemons[c.listener], c.fd, (const struct sockaddr *)&c.addr,
                           c.addrlen);
        return true;
    }
    if (got == 1)
        (void)send(a->w[i].fd, https_only, sizeof https_only - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    drop_waiting(a, i, true);
    return true;
}

static void *loop(void *arg)
{
    struct xe_accept *a = arg;
    for (;;) {
        size_t np = 0;
        a->pfd[np++] = (struct pollfd){.fd = a->wake[0], .events = POLLIN};
        for (size_t i = 0; i < a->n; i++)
            a->pfd[np++] = (struct pollfd){.fd = a->fds[i], .events = POLLIN};
        for (size_t i = 0; i < a->n_w; i++)
            a->pfd[np++] = (struct pollfd){.fd = a->w[i].fd, .events = POLLIN | POLLRDHUP};
        if (poll(a->pfd, np, 1000) < 0 && errno != EINTR)
            continue;
        if (a->pfd[0].revents)
            return NULL;
        /* Waiting connections first (the array changes as they go); walk
         * backwards so removal by swapping in the last one is safe. */
        size_t n_w = a->n_w;
        double t = xm_monotonic_seconds();
        for (size_t k = n_w; k-- > 0;) {
            short ev = a->pfd[1 + a->n + k].revents;
            if (ev && sort_one(a, k))
                continue;
            if (t >= a->w[k].deadline)
                drop_waiting(a, k, true);
        }
        for (size_t i = 0; i < a->n; i++)
            if (a->pfd[1 + i].revents & POLLIN)
                accept_all(a, i);
    }
}

int xe_accept_start(struct xe_accept **out, const int *fds, struct MHD_Daemon *const *daemons,
                    size_t n, unsigned per_address, unsigned max_waiting, char *err,
                    size_t errsz)
{
    *out = NULL;
    struct xe_accept *a = calloc(1, sizeof *a);
    if (a) {
        a->wake[0] = a->wake[1] = -1;
        a->fds = calloc(n ? n : 1, sizeof *a->fds);
        a->w = calloc(max_waiting ? max_waiting : 1, sizeof *a->w);
        a->pfd = calloc(1 + n + max_waiting, sizeof *a->pfd);
    }
    if (!a || !a->fds || !a->w || !a->pfd || pipe2(a->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errsz, "cannot start the HTTPS accept loop: %s",
                 a ? strerror(errno) : "out of memory");
        for (size_t i = 0; i < n; i++)
            close(fds[i]);
        xe_accept_free(a); /* nothing taken over yet: n is 0 */
        return -1;
    }
    memcpy(a->fds, fds, n * sizeof *fds);
    a->daemons = daemons;
    a->n = n;
    a->per_address = per_address;
    a->max_waiting = max_waiting;
    int e = pthread_create(&a->thread, NULL, loop, a);
    a->started = e == 0;
    if (e != 0) {
        snprintf(err, errsz, "cannot start the HTTPS accept loop: %s", strerror(e));
        xe_accept_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void xe_accept_free(struct xe_accept *a)
{
    if (!a)
        return;
    if (a->started) {
        ssize_t w = write(a->wake[1], "x", 1);
        (void)w;
        pthread_join(a->thread, NULL);
    }
    for (size_t i = 0; i < a->n_w; i++)
        close(a->w[i].fd);
    for (size_t i = 0; i < a->n; i++)
        close(a->fds[i]);
    if (a->wake[0] >= 0) {
        close(a->wake[0]);
        close(a->wake[1]);
    }
    free(a->fds);
    free(a->w);
    free(a->pfd);
    free(a);
}

/* The poll() loop: accepts clients, frames requests, flushes replies, and
 * dispatches control commands and signals. Single-threaded, so handlers
 * never race with each other or with reloads. */
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "protocol.h"
#include "watch.h"

size_t server_conn_count(const struct server *srv)
{
    size_t n = 0;
    for (const struct conn *c = srv->conns; c; c = c->next)
        n += !c->dead;
    return n;
}

size_t server_watch_count(const struct server *srv)
{
    size_t n = 0;
    for (const struct conn *c = srv->conns; c; c = c->next)
        if (!c->dead)
            n += c->nwatches;
    return n;
}

static void fire(void *ctx, const char *path, bool exact)
{
    struct server *srv = ctx;
    watch_fire(srv->conns, path, exact);
}

void server_init(struct server *srv, const char *fixture_path)
{
    memset(srv, 0, sizeof(*srv));
    srv->fixture = fixture_path;
    srv->listen_fd = srv->ctl_fd = srv->sig_fd = -1;
    srv->watcher.fire = fire;
    srv->watcher.ctx = srv;
}

static void accept_clients(struct server *srv)
{
    for (;;) {
        int fd = accept4(srv->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                errno == ENOMEM) {
                /* The listening socket stays readable: stop polling it
                 * until a client goes away, or the loop would spin. */
                fprintf(stderr, "fake-xenstored: accept: %s (pausing until "
                        "a client disconnects)\n", strerror(errno));
                srv->accept_paused = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                fprintf(stderr, "fake-xenstored: accept: %s\n",
                        strerror(errno));
            }
            return;
        }
        struct conn *c = conn_new(fd);
        if (!c) {
            close(fd);
            continue;
        }
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
    }
}

/* Handles buffered requests and sends replies until the client's input is
 * exhausted or it stops reading its replies. */
static void pump(struct server *srv, struct conn *c)
{
    while (!c->dead) {
        struct xsd_sockmsg hdr;
        const char *body;
        size_t used;
        int rc = 0;
        while (!c->dead && c->out_bytes < CONN_OUT_THROTTLE &&
               (rc = conn_next_request(c, &hdr, &body, &used)) == 1) {
            proto_handle(srv, c, &hdr, body);
            conn_consume(c, used);
        }
        if (rc < 0) {
            conn_close(c);
            return;
        }
        if (c->dead)
            return;
        size_t before = c->out_bytes;
        if (conn_flush(c) < 0) {
            conn_close(c);
            return;
        }
        /* Go round again only if flushing unblocked more requests. */
        if (before < CONN_OUT_THROTTLE || c->out_bytes >= CONN_OUT_THROTTLE ||
            conn_next_request(c, &hdr, &body, &used) != 1)
            return;
    }
}

static void on_client(struct server *srv, struct conn *c, short revents)
{
    if (c->dead)
        return;
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        /* One read per wake-up keeps a busy client from starving others. */
        if (conn_read(c) < 0) {
            conn_close(c);
            return;
        }
    }
    pump(srv, c);
}

static void on_signal(struct server *srv)
{
    struct signalfd_siginfo si;
    while (read(srv->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo == SIGHUP) {
            char reply[4096], line[] = "reload";
            ctl_execute(srv, line, reply, sizeof(reply));
            if (strcmp(reply, "ok") != 0)
                fprintf(stderr, "fake-xenstored: SIGHUP: %s\n", reply);
        } else {
            srv->stop = true;
        }
    }
}

static void reap(struct server *srv)
{
    struct conn *c = srv->conns;
    while (c) {
        struct conn *next = c->next;
        if (c->dead) {
            if (c->prev)
                c->prev->next = c->next;
            else
                srv->conns = c->next;
            if (c->next)
                c->next->prev = c->prev;
            conn_free(c);
            srv->accept_paused = false;
        }
        c = next;
    }
    struct ctl_conn *cc = srv->ctls;
    while (cc) {
        struct ctl_conn *next = cc->next;
        if (cc->dead)
            ctl_free(srv, cc);
        cc = next;
    }
}

enum slot_kind { SLOT_SIGNAL, SLOT_LISTEN, SLOT_CONTROL, SLOT_CLIENT, SLOT_CTL };

struct slots {
    struct pollfd *pfd;
    enum slot_kind *kind;
    void **ptr;
    size_t n, cap;
};

static int slot_add(struct slots *s, int fd, short events, enum slot_kind k,
                    void *p)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct pollfd *pfd = realloc(s->pfd, cap * sizeof(*pfd));
        if (pfd)
            s->pfd = pfd;
        enum slot_kind *kind = realloc(s->kind, cap * sizeof(*kind));
        if (kind)
            s->kind = kind;
        void **ptr = realloc(s->ptr, cap * sizeof(*ptr));
        if (ptr)
            s->ptr = ptr;
        if (!pfd || !kind || !ptr)
            return -1;
        s->cap = cap;
    }
    s->pfd[s->n] = (struct pollfd){ .fd = fd, .events = events };
    s->kind[s->n] = k;
    s->ptr[s->n] = p;
    s->n++;
    return 0;
}

static int build_slots(struct server *srv, struct slots *s)
{
    s->n = 0;
    int rc = slot_add(s, srv->sig_fd, POLLIN, SLOT_SIGNAL, NULL);
    if (!srv->accept_paused)
        rc |= slot_add(s, srv->listen_fd, POLLIN, SLOT_LISTEN, NULL);
    if (srv->ctl_fd >= 0)
        rc |= slot_add(s, srv->ctl_fd, POLLIN, SLOT_CONTROL, NULL);
    for (struct conn *c = srv->conns; c; c = c->next) {
        if (c->dead)
            continue;
        /* A throttled client is not read: its unread replies must drain
         * first. Hang-ups are reported whatever the events. */
        short ev = c->out_bytes < CONN_OUT_THROTTLE ? POLLIN : 0;
        if (c->out_head)
            ev |= POLLOUT;
        rc |= slot_add(s, c->fd, ev, SLOT_CLIENT, c);
    }
    for (struct ctl_conn *cc = srv->ctls; cc; cc = cc->next)
        rc |= slot_add(s, cc->fd, (short)(POLLIN | (cc->outlen ? POLLOUT : 0)),
                       SLOT_CTL, cc);
    return rc;
}

int server_run(struct server *srv)
{
    struct slots s = { 0 };
    int rc = 0;
    while (!srv->stop) {
        if (build_slots(srv, &s) < 0) {
            fprintf(stderr, "fake-xenstored: out of memory\n");
            rc = -1;
            break;
        }
        if (poll(s.pfd, s.n, -1) < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "fake-xenstored: poll: %s\n", strerror(errno));
            rc = -1;
            break;
        }
        for (size_t i = 0; i < s.n; i++) {
            short re = s.pfd[i].revents;
            if (!re)
                continue;
            switch (s.kind[i]) {
            case SLOT_SIGNAL:  on_signal(srv); break;
            case SLOT_LISTEN:  accept_clients(srv); break;
            case SLOT_CONTROL: ctl_accept(srv); break;
            case SLOT_CLIENT:  on_client(srv, s.ptr[i], re); break;
            case SLOT_CTL: {
                struct ctl_conn *cc = s.ptr[i];
                if (!cc->dead && (re & (POLLIN | POLLHUP | POLLERR)))
                    ctl_on_readable(srv, cc);
                if (!cc->dead && (re & POLLOUT))
                    ctl_flush(cc);
                break;
            }
            }
        }
        /* Events queued for clients that had nothing to say this round go
         * out now rather than after another poll. */
        for (struct conn *c = srv->conns; c; c = c->next)
            if (!c->dead && c->out_head)
                pump(srv, c);
        reap(srv);
    }
    free(s.pfd);
    free(s.kind);
    free(s.ptr);
    return rc;
}

void server_close(struct server *srv)
{
    for (struct conn *c = srv->conns; c; c = c->next)
        conn_close(c);
    for (struct ctl_conn *cc = srv->ctls; cc; cc = cc->next)
        cc->dead = true;
    reap(srv);
    store_free(&srv->store);
    domlist_free(&srv->domains);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->ctl_fd >= 0)
        close(srv->ctl_fd);
    if (srv->sig_fd >= 0)
        close(srv->sig_fd);
}

/* Client connection buffers and transaction bookkeeping; see conn.h. */
#include "conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "watch.h"

struct conn *conn_new(int fd)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = fd;
    c->next_tx = 1;
    hm_init(&c->pending_events);
    return c;
}

void conn_close(struct conn *c)
{
    if (c->dead)
        return;
    c->dead = true;
    close(c->fd);
    c->fd = -1;
    watch_clear(c);
}

void conn_free(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    struct outmsg *m = c->out_head;
    while (m) {
        struct outmsg *next = m->next;
        free(m);
        m = next;
    }
    hm_free(&c->pending_events);
    watch_clear(c);
    free(c->tx);
    free(c);
}

static struct outmsg *msg_new(uint32_t type, uint32_t req_id, uint32_t tx_id,
                              size_t len)
{
    struct outmsg *m = malloc(sizeof(*m) + sizeof(struct xsd_sockmsg) + len);
    if (!m)
        return NULL;
    struct xsd_sockmsg hdr = {
        .type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)len,
    };
    memcpy(m->data, &hdr, sizeof(hdr));
    m->next = NULL;
    m->len = sizeof(hdr) + len;
    m->sent = 0;
    m->is_event = false;
    return m;
}

static void enqueue(struct conn *c, struct outmsg *m)
{
    if (c->out_tail)
        c->out_tail->next = m;
    else
        c->out_head = m;
    c->out_tail = m;
    c->out_bytes += m->len;
}

int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
              const void *body, size_t len)
{
    struct outmsg *m = msg_new(type, req_id, tx_id, len);
    if (!m)
        return -1;
    if (len)
        memcpy(m->data + sizeof(struct xsd_sockmsg), body, len);
    enqueue(c, m);
    return 0;
}

int conn_send_event(struct conn *c, const char *path, const char *token)
{
    size_t pl = strlen(path) + 1, tl = strlen(token) + 1;
    if (pl + tl > XENSTORE_PAYLOAD_MAX)
        return 0;
    struct outmsg *m = msg_new(XS_WATCH_EVENT, 0, 0, pl + tl);
    if (!m)
        return -1;
    char *body = m->data + sizeof(struct xsd_sockmsg);
    memcpy(body, path, pl);
    memcpy(body + pl, token, tl);
    if (path[0] != '@') {
        if (hm_get(&c->pending_events, body, pl + tl)) {
            free(m);
            return 0;
        }
        if (hm_put(&c->pending_events, body, pl + tl, m) < 0) {
            free(m);
            return -1;
        }
        m->is_event = true;
    }
    enqueue(c, m);
    return 0;
}

static void dequeue(struct conn *c)
{
    struct outmsg *m = c->out_head;
    c->out_head = m->next;
    if (!c->out_head)
        c->out_tail = NULL;
    c->out_bytes -= m->len;
    if (m->is_event)
        hm_del(&c->pending_events, m->data + sizeof(struct xsd_sockmsg),
               m->len - sizeof(struct xsd_sockmsg));
    free(m);
}

int conn_flush(struct conn *c)
{
    while (c->out_head) {
        struct iovec iov[64];
        int n = 0;
        for (struct outmsg *m = c->out_head; m && n < 64; m = m->next, n++) {
            iov[n].iov_base = m->data + m->sent;
            iov[n].iov_len = m->len - m->sent;
        }
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        size_t left = (size_t)w;
        while (left && c->out_head) {
            struct outmsg *m = c->out_head;
            size_t rest = m->len - m->sent;
            if (left < rest) {
                m->sent += left;
                left = 0;
            } else {
                left -= rest;
                dequeue(c);
            }
        }
    }
    return 0;
}

int conn_read(struct conn *c)
{
    if (c->inlen == sizeof(c->in))
        return 0;
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
        if (r > 0) {
            c->inlen += (size_t)r;
            return 1;
        }
        if (r == 0)
            return -1;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

int conn_next_request(struct conn *c, struct xsd_sockmsg *hdr,
                      const char **body, size_t *consumed)
{
    if (c->inlen < sizeof(*hdr))
        return 0;
    memcpy(hdr, c->in, sizeof(*hdr));
    if (hdr->len > XENSTORE_PAYLOAD_MAX)
        return -1;
    if (c->inlen < sizeof(*hdr) + hdr->len)
        return 0;
    *body = c->in + sizeof(*hdr);
    *consumed = sizeof(*hdr) + hdr->len;
    return 1;
}

void conn_consume(struct conn *c, size_t consumed)
{
    memmove(c->in, c->in + consumed, c->inlen - consumed);
    c->inlen -= consumed;
}

bool conn_tx_exists(const struct conn *c, uint32_t id)
{
    for (size_t i = 0; i < c->ntx; i++)
        if (c->tx[i] == id)
            return true;
    return false;
}

uint32_t conn_tx_start(struct conn *c)
{
    if (c->ntx == c->txcap) {
        size_t cap = c->txcap ? c->txcap * 2 : 4;
        uint32_t *t = realloc(c->tx, cap * sizeof(*t));
        if (!t)
            return 0;
        c->tx = t;
        c->txcap = cap;
    }
    /* Like xenstored: the next counter value not in use, skipping 0. */
    uint32_t id;
    do {
        id = c->next_tx++;
    } while (id == 0 || conn_tx_exists(c, id));
    c->tx[c->ntx++] = id;
    return id;
}

bool conn_tx_end(struct conn *c, uint32_t id)
{
    for (size_t i = 0; i < c->ntx; i++) {
        if (c->tx[i] == id) {
            c->tx[i] = c->tx[--c->ntx];
            return true;
        }
    }
    return false;
}

void conn_tx_clear(struct conn *c)
{
    c->ntx = 0;
}

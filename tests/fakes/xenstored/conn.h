/* One xenstore client connection: input framing, output queue, and the
 * per-connection state xenstored keeps (watches, transactions). */
#ifndef FXS_CONN_H
#define FXS_CONN_H

/* errno.h first: xs_wire.h defines its errno name table only when it sees
 * EINVAL, and an include guard stops a second try. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "hashmap.h"

/* Big enough for a few pipelined requests; a request is at most
 * 16 + XENSTORE_PAYLOAD_MAX bytes, so one always fits. */
#define CONN_IN_CAP 16384
/* Stop reading requests while this much output waits for a client that
 * does not read: bounds memory without dropping anything. */
#define CONN_OUT_THROTTLE (1u << 20)

struct outmsg {
    struct outmsg *next;
    size_t len;       /* header + body */
    size_t sent;
    bool is_event;    /* a non-special watch event, indexed for dedupe */
    char data[];      /* struct xsd_sockmsg, then the body */
};

struct watch {
    struct watch *next;
    char *path;         /* canonical, absolute or @special */
    char *token;
    size_t prefix_len;  /* stripped from event paths of relative watches */
};

struct conn {
    struct conn *prev, *next;
    int fd;
    bool dead;          /* closed; freed at the end of the loop iteration */
    char in[CONN_IN_CAP];
    size_t inlen;
    struct outmsg *out_head, *out_tail;
    size_t out_bytes;
    /* Body of each queued event -> its outmsg. xenstored drops an event
     * identical to one still queued on the connection. */
    struct hashmap pending_events;
    struct watch *watches, *watches_tail;
    size_t nwatches;
    uint32_t *tx;       /* open transaction ids */
    size_t ntx, txcap;
    uint32_t next_tx;
};

struct conn *conn_new(int fd);
/* Closes the socket at once (the client sees EOF) and drops the watches;
 * the struct stays in the server's list, marked dead, until the end of the
 * loop iteration, so loops over the list stay valid. */
void conn_close(struct conn *c);
/* Closes the fd and frees everything the connection owns. */
void conn_free(struct conn *c);

/* Queues a message. Returns 0, or -1 when out of memory (the caller should
 * drop the connection: a lost reply would hang the client). */
int conn_send(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
              const void *body, size_t len);
/* Queues XS_WATCH_EVENT "path\0token\0" unless an identical one is still
 * queued (special '@' events are never merged), or it exceeds the payload
 * limit (xenstored silently skips those). */
int conn_send_event(struct conn *c, const char *path, const char *token);

/* Writes as much queued output as the socket takes. Returns 0, or -1 when
 * the peer is gone. */
int conn_flush(struct conn *c);

/* Reads what is available into the input buffer. Returns 1 when data was
 * read, 0 on EAGAIN, -1 on EOF or error. */
int conn_read(struct conn *c);

/* The next complete request in the input buffer: returns 1 and fills hdr
 * and body, 0 when incomplete, -1 when the length is over the payload
 * limit (xenstored treats that client as broken and drops it). */
int conn_next_request(struct conn *c, struct xsd_sockmsg *hdr,
                      const char **body, size_t *consumed);
/* Drops the first `consumed` bytes of input. */
void conn_consume(struct conn *c, size_t consumed);

/* Transactions: ids are per connection, never 0. */
bool conn_tx_exists(const struct conn *c, uint32_t id);
/* Returns the new id, or 0 when out of memory. */
uint32_t conn_tx_start(struct conn *c);
bool conn_tx_end(struct conn *c, uint32_t id);
void conn_tx_clear(struct conn *c);

#endif

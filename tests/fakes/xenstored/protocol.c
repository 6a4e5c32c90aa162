/* The xenstore requests, following xenstored 4.17 (tools/xenstore/
 * xenstored_{core,watch,transaction,domain}.c) in argument checking, error
 * names and the order of replies and events. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "watch.h"

/* Sockets connect as dom0: relative paths are relative to its home. */
#define IMPLICIT_PATH "/local/domain/0"

struct req {
    struct server *srv;
    struct conn *c;
    struct xsd_sockmsg hdr;
    const char *body;
    size_t len;
};

static void send_or_kill(struct req *r, uint32_t type, const void *body,
                         size_t len)
{
    if (conn_send(r->c, type, r->hdr.req_id, r->hdr.tx_id, body, len) < 0)
        conn_close(r->c);
}

static void reply_error(struct req *r, int err)
{
    size_t i, n = sizeof(xsd_errors) / sizeof(xsd_errors[0]);
    for (i = 0; i < n && xsd_errors[i].errnum != err; i++)
        ;
    const char *name = i < n ? xsd_errors[i].errstring : "EINVAL";
    send_or_kill(r, XS_ERROR, name, strlen(name) + 1);
}

/* Replies with the request's type, or E2BIG when the payload would be
 * over the limit, as xenstored's send_reply() does. */
static int reply(struct req *r, const void *body, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX)
        return E2BIG;
    send_or_kill(r, r->hdr.type, body, len);
    return 0;
}

static int reply_ok(struct req *r)
{
    return reply(r, "OK", 3);
}

static size_t count_strings(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\0';
    return n;
}

/* The single argument: the payload must hold exactly one NUL, at its end. */
static const char *onearg(const struct req *r)
{
    if (r->len == 0 || memchr(r->body, '\0', r->len) != r->body + r->len - 1)
        return NULL;
    return r->body;
}

/* xenstored's canonicalize(): relative paths get the implicit prefix, '@'
 * names only where allowed. out holds XENSTORE_ABS_PATH_MAX + 1 bytes;
 * *prefix is how much of out the client did not write. */
static int canonicalize(const char *in, bool allow_special, char *out,
                        size_t *prefix)
{
    if (!in)
        return EINVAL;
    size_t len = strlen(in);
    if (strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-/_@") != len)
        return EINVAL;
    if (in[0] == '@') {
        if (!allow_special || len > XENSTORE_ABS_PATH_MAX ||
            (len > 1 && in[len - 1] == '/') || strstr(in, "//"))
            return EINVAL;
        memcpy(out, in, len + 1);
        *prefix = 0;
        return 0;
    }
    if (in[0] == '/') {
        if (len > XENSTORE_ABS_PATH_MAX)
            return EINVAL;
        memcpy(out, in, len + 1);
        *prefix = 0;
    } else {
        size_t pl = strlen(IMPLICIT_PATH) + 1;
        if (pl + len > XENSTORE_ABS_PATH_MAX)
            return EINVAL;
        memcpy(out, IMPLICIT_PATH "/", pl);
        memcpy(out + pl, in, len + 1);
        *prefix = pl;
    }
    return store_path_valid(out) ? 0 : EINVAL;
}

/* A path argument that must name an existing node. */
static int get_node(const struct req *r, const char *arg,
                    const struct node **n)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(arg, false, path, &prefix);
    if (err)
        return err;
    *n = store_get(&r->srv->store, path);
    return *n ? 0 : ENOENT;
}

static int do_read(struct req *r)
{
    const struct node *n;
    int err = get_node(r, onearg(r), &n);
    return err ? err : reply(r, n->value, n->vlen);
}

static int do_directory(struct req *r)
{
    const struct node *n;
    int err = get_node(r, onearg(r), &n);
    return err ? err : reply(r, n->children, n->childlen);
}

/* "path\0offset\0" -> "generation\0" + as many whole names as fit, plus a
 * final empty string once the list is complete. The client restarts when
 * the generation changes between parts, so it must change with the list. */
static int do_directory_part(struct req *r)
{
    if (count_strings(r->body, r->len) != 2)
        return EINVAL;
    const struct node *n;
    int err = get_node(r, r->body, &n);
    if (err)
        return err;
    /* atoi() in xenstored: a negative offset wraps to "past the end". */
    unsigned int off = (unsigned int)strtol(r->body + strlen(r->body) + 1,
                                            NULL, 10);
    char data[XENSTORE_PAYLOAD_MAX];
    int gl = snprintf(data, sizeof(data), "%" PRIu64, n->generation);
    size_t genlen = (size_t)gl + 1;
    if (off >= n->childlen) {
        data[genlen] = '\0';
        return reply(r, data, genlen + 1);
    }
    size_t maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
    size_t len = 0;
    const char *child = n->children + off;
    while (len + strlen(child) < maxlen) {
        len += strlen(child) + 1;
        child += strlen(child) + 1;
        if (off + len == n->childlen)
            break;
    }
    memcpy(data + genlen, n->children + off, len);
    if (off + len == n->childlen)
        data[genlen + len++] = '\0';
    return reply(r, data, genlen + len);
}

static int do_write(struct req *r)
{
    if (count_strings(r->body, r->len) < 1)
        return EINVAL;
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(r->body, false, path, &prefix);
    if (err)
        return err;
    size_t off = strlen(r->body) + 1;
    err = store_write(&r->srv->store, path, r->body + off, r->len - off);
    return err ? err : reply_ok(r);
}

static int do_mkdir(struct req *r)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(onearg(r), false, path, &prefix);
    if (!err)
        err = store_mkdir(&r->srv->store, path);
    return err ? err : reply_ok(r);
}

static int do_rm(struct req *r)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(onearg(r), false, path, &prefix);
    if (!err)
        err = store_rm(&r->srv->store, path);
    return err ? err : reply_ok(r);
}

static bool is_known_special(const char *path)
{
    return strcmp(path, "@introduceDomain") == 0 ||
           strcmp(path, "@releaseDomain") == 0;
}

/* Permissions are not modelled: every node is dom0's, "n0". */
static int do_get_perms(struct req *r)
{
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(onearg(r), true, path, &prefix);
    if (err)
        return err;
    if (path[0] == '@' ? !is_known_special(path)
                       : !store_get(&r->srv->store, path))
        return ENOENT;
    return reply(r, "n0", 3);
}

/* One permission string: w/r/b/n and a domid, as xs_strings_to_perms(). */
static bool perm_valid(const char *p)
{
    if (!strchr("wrbn", p[0]) || p[0] == '\0' || p[1] == '\0')
        return false;
    char *end;
    unsigned long id = strtoul(p + 1, &end, 0);
    return *end == '\0' && id <= 65535;
}

static int do_set_perms(struct req *r)
{
    size_t n = count_strings(r->body, r->len);
    if (n < 2)
        return EINVAL;
    const char *p = r->body + strlen(r->body) + 1;
    for (size_t i = 1; i < n; i++, p += strlen(p) + 1)
        if (!perm_valid(p))
            return EINVAL;
    if (r->body[0] == '@')
        return reply_ok(r);
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(r->body, false, path, &prefix);
    if (!err)
        err = store_touch(&r->srv->store, path);  /* xenstored fires here */
    return err ? err : reply_ok(r);
}

static int do_watch(struct req *r)
{
    /* Exactly two strings: 4.17 has no watch depth argument. */
    if (count_strings(r->body, r->len) != 2)
        return EINVAL;
    const char *token = r->body + strlen(r->body) + 1;
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(r->body, true, path, &prefix);
    if (!err)
        err = watch_add(r->c, path, token, prefix);
    if (err)
        return err;
    reply_ok(r);
    /* The up-front event, after the OK; clients rely on it. */
    if (!r->c->dead && watch_send_initial(r->c, path, token) < 0)
        conn_close(r->c);
    return 0;
}

static int do_unwatch(struct req *r)
{
    if (count_strings(r->body, r->len) != 2)
        return EINVAL;
    char path[XENSTORE_ABS_PATH_MAX + 1];
    size_t prefix;
    int err = canonicalize(r->body, true, path, &prefix);
    if (!err)
        err = watch_remove(r->c, path, r->body + strlen(r->body) + 1);
    return err ? err : reply_ok(r);
}

/* Transactions are bookkeeping only: their reads and writes act on the live
 * store at once, and every commit succeeds. */
static int do_transaction_start(struct req *r)
{
    if (r->hdr.tx_id != 0)
        return EBUSY;   /* no nesting */
    uint32_t id = conn_tx_start(r->c);
    if (id == 0)
        return ENOMEM;
    char s[16];
    int l = snprintf(s, sizeof(s), "%" PRIu32, id);
    return reply(r, s, (size_t)l + 1);
}

static int do_transaction_end(struct req *r)
{
    const char *arg = onearg(r);
    if (!arg || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
        return EINVAL;
    if (!conn_tx_end(r->c, r->hdr.tx_id))
        return ENOENT;
    return reply_ok(r);
}

static int parse_domid(const char *s, unsigned long *domid)
{
    char *end;
    if (!s)
        return EINVAL;
    errno = 0;
    *domid = strtoul(s, &end, 10);
    return (*end != '\0' || *domid > 65535 || errno) ? EINVAL : 0;
}

static int do_get_domain_path(struct req *r)
{
    unsigned long domid;
    int err = parse_domid(onearg(r), &domid);
    if (err)
        return err;
    char s[32];
    int l = snprintf(s, sizeof(s), "/local/domain/%lu", domid);
    return reply(r, s, (size_t)l + 1);
}

static int do_is_domain_introduced(struct req *r)
{
    unsigned long domid;
    int err = parse_domid(onearg(r), &domid);
    return err ? err : reply(r, "T", 2);
}

static int do_reset_watches(struct req *r)
{
    watch_clear(r->c);
    conn_tx_clear(r->c);
    return reply_ok(r);
}

void proto_handle(struct server *srv, struct conn *c,
                  const struct xsd_sockmsg *hdr, const char *body)
{
    struct req r = { .srv = srv, .c = c, .hdr = *hdr, .body = body,
                     .len = hdr->len };
    srv->stats.total++;
    srv->stats.by_type[hdr->type < XS_TYPE_COUNT ? hdr->type : XS_TYPE_COUNT]++;

    int (*fn)(struct req *) = NULL;
    switch (hdr->type) {
    case XS_READ:                 fn = do_read; break;
    case XS_DIRECTORY:            fn = do_directory; break;
    case XS_DIRECTORY_PART:       fn = do_directory_part; break;
    case XS_WRITE:                fn = do_write; break;
    case XS_MKDIR:                fn = do_mkdir; break;
    case XS_RM:                   fn = do_rm; break;
    case XS_GET_PERMS:            fn = do_get_perms; break;
    case XS_SET_PERMS:            fn = do_set_perms; break;
    case XS_WATCH:                fn = do_watch; break;
    case XS_UNWATCH:              fn = do_unwatch; break;
    case XS_TRANSACTION_START:    fn = do_transaction_start; break;
    case XS_TRANSACTION_END:      fn = do_transaction_end; break;
    case XS_GET_DOMAIN_PATH:      fn = do_get_domain_path; break;
    case XS_IS_DOMAIN_INTRODUCED: fn = do_is_domain_introduced; break;
    case XS_RESET_WATCHES:        fn = do_reset_watches; break;
    case XS_CONTROL: case XS_INTRODUCE: case XS_RELEASE: case XS_RESUME:
    case XS_SET_TARGET:
        /* Real operations this fake does not model. */
        reply_error(&r, EINVAL);
        return;
    default:
        /* xenstored answers types it has no handler for with ENOSYS. */
        reply_error(&r, ENOSYS);
        return;
    }
    /* Every request but (un)watch names a transaction that must exist. */
    if (fn != do_watch && fn != do_unwatch && hdr->tx_id != 0 &&
        !conn_tx_exists(c, hdr->tx_id)) {
        reply_error(&r, ENOENT);
        return;
    }
    int err = fn(&r);
    if (err && !c->dead)
        reply_error(&r, err);
}

#include "xm_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "xm_domain.h"

void xm_cache_init(struct xm_cache *c, bool watching)
{
    memset(c, 0, sizeof *c);
    c->watching = watching;
    c->next_seq = 1;
}

void xm_cache_dispose(struct xm_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        xm_domain_dispose(&c->entries[i].dom);
        free(c->entries[i].backends);
    }
    free(c->entries);
    for (size_t i = 0; i < c->n_watches; i++)
        free(c->watches[i].path);
    free(c->watches);
    free(c->backend_doms);
}

bool xm_cache_lost(struct xm_cache *c)
{
    bool was_live = c->live;
    bool watching = c->watching;
    uint64_t seq = c->next_seq; /* tokens stay unique across rebuilds */
    xm_cache_dispose(c);
    xm_cache_init(c, watching);
    c->next_seq = seq;
    return was_live;
}

size_t xm_cache_count(const struct xm_cache *c)
{
    return c->n;
}

bool xm_cache_watching(const struct xm_cache *c)
{
    return c->watching;
}

static struct xm_watch_rec *find_watch(struct xm_cache *c, uint64_t seq, size_t *idx)
{
    size_t lo = 0, hi = c->n_watches;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->watches[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (idx)
        *idx = lo;
    return lo < c->n_watches && c->watches[lo].seq == seq ? &c->watches[lo] : NULL;
}

/* Registers a watch; false on failure (errno set by libxenstore). */
static bool watch(struct xm_cache *c, struct xm_xs *xs, const char *path, uint64_t *seq_out)
{
    if (c->n_watches == c->cap_watches) {
        size_t cap = c->cap_watches ? c->cap_watches * 2 : 64;
        struct xm_watch_rec *p = realloc(c->watches, cap * sizeof *p);
        if (!p)
            return false;
        c->watches = p;
        c->cap_watches = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return false;
    uint64_t seq = c->next_seq++;
    char token[32];
    snprintf(token, sizeof token, "xm%" PRIu64, seq);
    xs->requests++;
    if (!xs_watch(xs->h, path, token)) {
        free(copy);
        return false;
    }
    /* seq only grows, so appending keeps the array sorted. */
    c->watches[c->n_watches++] = (struct xm_watch_rec){seq, copy, true};
    *seq_out = seq;
    return true;
}

static void unwatch(struct xm_cache *c, struct xm_xs *xs, uint64_t seq)
{
    size_t i;
    struct xm_watch_rec *w = find_watch(c, seq, &i);
    if (!w)
        return;
    char token[32];
    snprintf(token, sizeof token, "xm%" PRIu64, seq);
    xs->requests++;
    /* A failure here means the connection is going; the next drain sees it. */
    xs_unwatch(xs->h, w->path, token);
    free(w->path);
    memmove(&c->watches[i], &c->watches[i + 1], (c->n_watches - i - 1) * sizeof *w);
    c->n_watches--;
}

static struct xm_cache_entry *find(struct xm_cache *c, uint32_t domid)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->entries[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n && c->entries[lo].domid == domid ? &c->entries[lo] : NULL;
}

/* Inserts an empty dirty entry (kept sorted); NULL on allocation failure. */
static struct xm_cache_entry *insert(struct xm_cache *c, uint32_t domid)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct xm_cache_entry *p = realloc(c->entries, cap * sizeof *p);
        if (!p)
            return NULL;
        c->entries = p;
        c->cap = cap;
    }
    size_t i = c->n;
    while (i > 0 && c->entries[i - 1].domid > domid)
        i--;
    memmove(&c->entries[i + 1], &c->entries[i], (c->n - i) * sizeof c->entries[0]);
    c->n++;
    memset(&c->entries[i], 0, sizeof c->entries[i]);
    c->entries[i].domid = domid;
    c->entries[i].dirty = true;
    return &c->entries[i];
}

/* Removes the entry at index i, unwatching its watches. */
static void remove_at(struct xm_cache *c, struct xm_xs *xs, size_t i)
{
    struct xm_cache_entry *e = &c->entries[i];
    for (size_t k = 0; k < XM_CACHE_DOMAIN_WATCHES; k++)
        if (e->tokens[k])
            unwatch(c, xs, e->tokens[k]);
    xm_domain_dispose(&e->dom);
    free(e->backends);
    memmove(&c->entries[i], &c->entries[i + 1], (c->n - i - 1) * sizeof *e);
    c->n--;
}

/* Ensures /local/domain/<b>/backend is watched; false when it cannot be. */
static bool watch_backend(struct xm_cache *c, struct xm_xs *xs, uint32_t b)
{
    for (size_t i = 0; i < c->n_backend_doms; i++)
        if (c->backend_doms[i] == b)
            return true;
    uint32_t *p = realloc(c->backend_doms, (c->n_backend_doms + 1) * sizeof *p);
    if (!p) {
        c->all_dirty = true; /* cannot watch: do not trust the cache */
        return false;
    }
    c->backend_doms = p;
    char path[64];
    uint64_t seq;
    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/backend", b);
    if (!watch(c, xs, path, &seq)) {
        c->all_dirty = true;
        return false;
    }
    c->backend_doms[c->n_backend_doms++] = b;
    return true;
}

static bool backend_in_use(const struct xm_cache *c, uint32_t b)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->entries[i].n_backends; k++)
            if (c->entries[i].backends[k] == b)
                return true;
    return false;
}

void xm_cache_end(struct xm_cache *c, struct xm_xs *xs)
{
    for (size_t i = 0; i < c->n_backend_doms;) {
        uint32_t b = c->backend_doms[i];
        bool kept = b == 0 || backend_in_use(c, b);
        if (kept) {
            i++;
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/backend", b);
        for (size_t w = 0; w < c->n_watches; w++)
            if (strcmp(c->watches[w].path, path) == 0) {
                unwatch(c, xs, c->watches[w].seq);
                break;
            }
        c->backend_doms[i] = c->backend_doms[--c->n_backend_doms];
    }
    c->all_dirty = false;
}

static bool parse_domid(const char *s, uint32_t *out, const char **rest)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || v > UINT32_MAX || (*end && *end != '/'))
        return false;
    *out = (uint32_t)v;
    *rest = end;
    return true;
}

static void mark_dirty(struct xm_cache *c, uint32_t domid)
{
    struct xm_cache_entry *e = find(c, domid);
    if (e)
        e->dirty = true;
}

/* Which domain an event path is about. */
static void mark_path(struct xm_cache *c, const char *path)
{
    const char *rest;
    uint32_t id;
    if (path[0] == '@')
        return; /* the listing is the truth for which domains exist */
    if (strncmp(path, "/libxl/", 7) == 0) {
        if (parse_domid(path + 7, &id, &rest))
            mark_dirty(c, id);
        return;
    }
    if (strncmp(path, "/local/domain/", 14) == 0 && parse_domid(path + 14, &id, &rest)) {
        /* /local/domain/<b>/backend/<kind>/<domid>/... names the frontend's domain */
        if (strncmp(rest, "/backend/", 9) == 0) {
            const char *kind_end = strchr(rest + 9, '/');
            uint32_t fe;
            const char *r2;
            if (kind_end && parse_domid(kind_end + 1, &fe, &r2))
                mark_dirty(c, fe);
            /* the backend directory itself or a kind directory: nothing to map */
            return;
        }
        mark_dirty(c, id);
        return;
    }
    /* /libxl itself, or anything unexpected: trust nothing. */
    c->all_dirty = true;
}

/* Reads every queued watch event and marks what it names dirty.
 * XM_OK, or XM_ERR_XENSTORE when the connection is broken. */
static int drain(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err)
{
    for (;;) {
        errno = 0;
        char **vec = xs_check_watch(xs->h);
        if (!vec) {
            if (errno == EAGAIN)
                return XM_OK;
            c->broken = true;
            return xm_set_error(err, XM_ERR_XENSTORE, "xenstore watch connection lost: %s",
                                strerror(errno ? errno : EIO));
        }
        const char *path = vec[XS_WATCH_PATH], *token = vec[XS_WATCH_TOKEN];
        struct xm_watch_rec *w = NULL;
        if (strncmp(token, "xm", 2) == 0)
            w = find_watch(c, strtoull(token + 2, NULL, 10), NULL);
        if (w && w->initial_pending && strcmp(path, w->path) == 0)
            w->initial_pending = false; /* registration's own event */
        else
            mark_path(c, path);
        free(vec);
    }
}

/* Registers the watches that do not belong to one domain. A failure leaves
 * the cache off for this connection: every snapshot is then a full read. */
static void start(struct xm_cache *c, struct xm_xs *xs)
{
    static const char *const global[] = {"@introduceDomain", "@releaseDomain", "/libxl"};
    uint64_t seq;
    for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
        if (!watch(c, xs, global[i], &seq))
            return;
    watch_backend(c, xs, 0);
    c->live = !c->all_dirty;
}

int xm_cache_begin(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err)
{
    if (!c->watching)
        return XM_OK;
    if (!c->live) {
        start(c, xs);
        return XM_OK; /* what the registration saw is read by this snapshot */
    }
    if (c->broken) /* found by a drain between snapshots */
        return xm_set_error(err, XM_ERR_XENSTORE, "xenstore watch connection lost");
    return drain(c, xs, err);
}

int xm_cache_drain(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err)
{
    if (!c->watching || !c->live || c->broken || !xs->h)
        return XM_OK;
    return drain(c, xs, err);
}

bool xm_cache_note_cut(struct xm_cache *c, uint32_t domid)
{
    struct xm_cache_entry *e = find(c, domid);
    if (!c->watching || !e)
        return true;
    bool first = !e->cut_noted;
    e->cut_noted = true;
    return first;
}

bool xm_cache_drop_unlisted(struct xm_cache *c, struct xm_xs *xs,
                            bool (*listed)(const void *ctx, uint32_t domid), const void *ctx)
{
    bool dropped = false;
    for (size_t i = 0; i < c->n;) {
        if (listed(ctx, c->entries[i].domid)) {
            i++;
        } else {
            remove_at(c, xs, i);
            dropped = true;
        }
    }
    return dropped;
}

/* The per-domain watches (the global ones see domains come and go). */
static void watch_domain(struct xm_cache *c, struct xm_xs *xs, struct xm_cache_entry *e)
{
    static const char *const nodes[XM_CACHE_DOMAIN_WATCHES] = {
        "name", "domain-type", "device", /* what decides the mode */
        XM_AGENT_WATCHED_NODES,          /* what guest agents report */
    };
    e->watched = true;
    for (size_t k = 0; k < XM_CACHE_DOMAIN_WATCHES; k++) {
        char path[64];
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/%s", e->domid, nodes[k]);
        /* The entry does not move while watching (no inserts happen here). */
        if (!watch(c, xs, path, &e->tokens[k]))
            e->watched = false; /* such a domain is re-read at every snapshot */
    }
}

int xm_cache_must_read(struct xm_cache *c, struct xm_xs *xs, uint32_t domid,
                       const uint8_t uuid[16], bool hvm_flag)
{
    struct xm_cache_entry *e = find(c, domid);
    if (e && memcmp(e->uuid, uuid, sizeof e->uuid) != 0) {
        remove_at(c, xs, (size_t)(e - c->entries));
        e = NULL;
    }
    if (!e) {
        if (!(e = insert(c, domid)))
            return -1;
        memcpy(e->uuid, uuid, sizeof e->uuid);
        if (c->watching)
            watch_domain(c, xs, e);
    }
    bool stands = e->have && !e->dirty && e->watched && !c->all_dirty && e->dom.hvm_flag == hvm_flag;
    return stands ? 0 : 1;
}

void xm_cache_store(struct xm_cache *c, struct xm_xs *xs, struct xm_domain *dom,
                    const uint32_t *backends, size_t n_backends)
{
    struct xm_cache_entry *e = find(c, dom->domid);
    if (!e) { /* not asked for: nothing to keep it in */
        xm_domain_dispose(dom);
        memset(dom, 0, sizeof *dom);
        return;
    }
    xm_domain_dispose(&e->dom);
    e->dom = *dom;
    memset(dom, 0, sizeof *dom);
    e->have = true;
    e->dirty = false;
    free(e->backends);
    e->backends = NULL;
    e->n_backends = 0;
    if (n_backends) {
        e->backends = malloc(n_backends * sizeof *backends);
        if (!e->backends) {
            e->dirty = true; /* its backends unknown to xm_cache_end: read again */
            return;
        }
        memcpy(e->backends, backends, n_backends * sizeof *backends);
        e->n_backends = n_backends;
    }
    if (c->watching)
        for (size_t i = 0; i < n_backends; i++)
            if (!watch_backend(c, xs, backends[i]))
                e->dirty = true; /* not watched: read it afresh next time */
}

const struct xm_domain *xm_cache_peek(const struct xm_cache *c, uint32_t domid)
{
    const struct xm_cache_entry *e = find((struct xm_cache *)c, domid);
    return e && e->have ? &e->dom : NULL;
}

void xm_cache_forget(struct xm_cache *c, struct xm_xs *xs, uint32_t domid)
{
    struct xm_cache_entry *e = find(c, domid);
    if (e)
        remove_at(c, xs, (size_t)(e - c->entries));
}

int xm_cache_domains(struct xm_cache *c, struct xm_domain **out, size_t *n,
                     struct xm_error *err)
{
    size_t count = 0, k = 0;
    for (size_t i = 0; i < c->n; i++)
        count += c->entries[i].have;
    struct xm_domain *doms = calloc(count ? count : 1, sizeof *doms);
    for (size_t i = 0; doms && i < c->n; i++) {
        struct xm_cache_entry *e = &c->entries[i];
        if (!e->have)
            continue;
        if (!c->watching) {
            doms[k++] = e->dom; /* read afresh next time anyway */
            memset(&e->dom, 0, sizeof e->dom);
            e->have = false;
        } else if (xm_domain_copy(&doms[k], &e->dom)) {
            k++;
        } else {
            break;
        }
    }
    if (!doms || k != count) {
        for (size_t i = 0; doms && i < k; i++)
            xm_domain_dispose(&doms[i]);
        free(doms);
        *out = NULL;
        *n = 0;
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    *out = doms;
    *n = count;
    return XM_OK;
}

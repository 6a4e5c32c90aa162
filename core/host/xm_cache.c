#include "xm_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "xm_domain.h"

void xm_cache_init(struct xm_cache *c)
{
    memset(c, 0, sizeof *c);
    c->next_seq = 1;
}

void xm_cache_clear(struct xm_cache *c)
{
    for (size_t i = 0; i < c->n; i++)
        xm_domain_dispose(&c->entries[i].dom);
    free(c->entries);
    for (size_t i = 0; i < c->n_watches; i++)
        free(c->watches[i].path);
    free(c->watches);
    free(c->backend_doms);
    uint64_t seq = c->next_seq; /* tokens stay unique across rebuilds */
    xm_cache_init(c);
    c->next_seq = seq;
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

bool xm_cache_watch(struct xm_cache *c, struct xm_xs *xs, const char *path, uint64_t *seq_out)
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

void xm_cache_unwatch(struct xm_cache *c, struct xm_xs *xs, uint64_t seq)
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

struct xm_cache_entry *xm_cache_find(struct xm_cache *c, uint32_t domid)
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

struct xm_cache_entry *xm_cache_insert(struct xm_cache *c, uint32_t domid)
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

void xm_cache_remove(struct xm_cache *c, struct xm_xs *xs, size_t i)
{
    struct xm_cache_entry *e = &c->entries[i];
    for (int k = 0; k < 3; k++)
        if (e->tokens[k])
            xm_cache_unwatch(c, xs, e->tokens[k]);
    xm_domain_dispose(&e->dom);
    memmove(&c->entries[i], &c->entries[i + 1], (c->n - i - 1) * sizeof *e);
    c->n--;
}

void xm_cache_watch_backend(struct xm_cache *c, struct xm_xs *xs, uint32_t b)
{
    for (size_t i = 0; i < c->n_backend_doms; i++)
        if (c->backend_doms[i] == b)
            return;
    uint32_t *p = realloc(c->backend_doms, (c->n_backend_doms + 1) * sizeof *p);
    if (!p) {
        c->all_dirty = true; /* cannot watch: do not trust the cache */
        return;
    }
    c->backend_doms = p;
    char path[64];
    uint64_t seq;
    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/backend", b);
    if (!xm_cache_watch(c, xs, path, &seq)) {
        c->all_dirty = true;
        return;
    }
    c->backend_doms[c->n_backend_doms++] = b;
}

static bool backend_in_use(const struct xm_cache *c, uint32_t b)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t k = 0; k < c->entries[i].n_backends; k++)
            if (c->entries[i].backends[k] == b)
                return true;
    return false;
}

void xm_cache_prune_backends(struct xm_cache *c, struct xm_xs *xs)
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
                xm_cache_unwatch(c, xs, c->watches[w].seq);
                break;
            }
        c->backend_doms[i] = c->backend_doms[--c->n_backend_doms];
    }
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
    struct xm_cache_entry *e = xm_cache_find(c, domid);
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

int xm_cache_drain(struct xm_cache *c, struct xm_xs *xs, struct xm_error *err)
{
    for (;;) {
        errno = 0;
        char **vec = xs_check_watch(xs->h);
        if (!vec) {
            if (errno == EAGAIN)
                return XM_OK;
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

bool xm_domain_copy(struct xm_domain *dst, const struct xm_domain *src)
{
    memset(dst, 0, sizeof *dst);
    dst->domid = src->domid;
    memcpy(dst->uuid, src->uuid, sizeof dst->uuid);
    dst->hvm_flag = src->hvm_flag;
    dst->mode = src->mode;
    dst->name = strdup(src->name);
    dst->devices = calloc(src->n_devices ? src->n_devices : 1, sizeof *dst->devices);
    dst->evidence = calloc(src->n_evidence ? src->n_evidence : 1, sizeof *dst->evidence);
    if (!dst->name || !dst->devices || !dst->evidence)
        goto fail;
    for (size_t i = 0; i < src->n_devices; i++) {
        dst->devices[i] = src->devices[i];
        if (!(dst->devices[i].kind = strdup(src->devices[i].kind)))
            goto fail;
        dst->n_devices++;
    }
    for (size_t i = 0; i < src->n_evidence; i++) {
        if (!(dst->evidence[i] = strdup(src->evidence[i])))
            goto fail;
        dst->n_evidence++;
    }
    return true;
fail:
    xm_domain_dispose(dst);
    memset(dst, 0, sizeof *dst);
    return false;
}

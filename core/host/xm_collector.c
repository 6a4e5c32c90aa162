/* The snapshot: one libxl_list_domain call, then each domain's evidence
 * from xenstore (and, for pvh records, the stored configuration), then the
 * classifier. Connections are opened lazily and dropped after a failure so
 * the next snapshot reconnects: a long-running front end recovers alone. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xm_cache.h"
#include "xm_classify.h"
#include "xm_domain.h"
#include "xm_devices.h"
#include "xm_libxl.h"

struct xm_collector {
    pthread_mutex_t lock; /* one snapshot at a time: libxl ctx, xs handle, cache */
    struct xm_libxl lx;
    struct xm_xs xs;
    bool use_cache;
    bool cache_live;      /* the global watches are registered on xs */
    struct xm_cache cache;
    unsigned long requests_total;  /* over the collector's life */
    unsigned long cache_rebuilds;  /* caches discarded after a lost connection */
    struct xm_snapshot_block *last_block; /* the domains of the last cached snapshot */
    uint64_t generation;                  /* bumped whenever they change */
};

static int collector_new(struct xm_collector **out, bool use_cache, struct xm_error *err)
{
    struct xm_collector *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return xm_set_error(err, XM_ERR_NOMEM, "cannot create a mutex");
    }
    xm_libxl_init(&c->lx);
    xm_xs_init(&c->xs);
    xm_cache_init(&c->cache);
    c->use_cache = use_cache;
    *out = c;
    return XM_OK;
}

int xm_collector_new(struct xm_collector **out, struct xm_error *err)
{
    return collector_new(out, true, err);
}

int xm_collector_new_oneshot(struct xm_collector **out, struct xm_error *err)
{
    return collector_new(out, false, err);
}

void xm_collector_stats(struct xm_collector *c, struct xm_collector_stats *st)
{
    pthread_mutex_lock(&c->lock);
    st->xenstore_requests_total = c->requests_total + c->xs.requests;
    st->cache_rebuilds_total = c->cache_rebuilds;
    st->cached_domains = c->cache.n;
    pthread_mutex_unlock(&c->lock);
}

void xm_collector_free(struct xm_collector *c)
{
    if (!c)
        return;
    xm_cache_clear(&c->cache);
    free(c->cache.entries);
    xm_block_unref(c->last_block);
    xm_xs_close(&c->xs);
    xm_libxl_close(&c->lx);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum inspect { INSPECT_OK, INSPECT_GONE, INSPECT_FAILED };

/* Confirms with the hypervisor whether a domain whose nodes are missing
 * still exists: missing nodes of a live domain are evidence to report, of
 * a dead one a race to ignore. */
static enum inspect confirm_alive(struct xm_collector *c, uint32_t domid, struct xm_error *err)
{
    int alive = xm_libxl_domain_exists(&c->lx, domid, err);
    if (alive < 0)
        return INSPECT_FAILED;
    return alive ? INSPECT_OK : INSPECT_GONE;
}

static enum inspect inspect_domain(struct xm_collector *c, const libxl_dominfo *info,
                                   struct xm_domain *d, uint32_t *backends, size_t *n_backends,
                                   struct xm_error *err)
{
    struct xm_xs_domain xsd;
    struct xm_strvec ev;
    char *config_type = NULL;
    enum inspect result = INSPECT_FAILED;
    bool hvm = info->domain_type == LIBXL_DOMAIN_TYPE_HVM;
    uint32_t domid = info->domid;

    xm_strvec_init(&ev);
    if (xm_xs_read_domain(&c->xs, domid, &xsd, &ev, err) == XM_XS_FAILED)
        goto out;

    bool untyped_domu = domid != 0 && hvm && !xsd.libxl_type && !xsd.domain_type;
    if (!xsd.name || untyped_domu) {
        result = confirm_alive(c, domid, err);
        if (result != INSPECT_OK)
            goto out;
        result = INSPECT_FAILED;
    }

    struct xm_classify_input in = {
        .domid = domid,
        .hvm_flag = hvm,
        .libxl_type = xsd.libxl_type,
        .domain_type = xsd.domain_type,
        .shim = XM_SHIM_NOT_READ,
        .devices_connected = xsd.connected,
    };
    if (xm_classify_wants_shim(&in)) {
        in.shim = xm_libxl_read_shim(&c->lx, domid, &config_type, &in.shim_detail);
        in.config_type = config_type;
    }

    /* Device lines were added first; the classifier's reasons should lead. */
    struct xm_strvec cls;
    xm_strvec_init(&cls);
    d->mode = xm_classify(&in, &cls);
    for (size_t i = 0; i < ev.n; i++)
        xm_strvec_addf(&cls, "%s", ev.items[i]);
    if (!xsd.name)
        xm_strvec_addf(&cls, "/local/domain/%" PRIu32 "/name absent", domid);
    if (cls.failed) {
        xm_strvec_free(&cls);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        goto out;
    }

    d->domid = domid;
    d->hvm_flag = hvm;
    snprintf(d->uuid, sizeof d->uuid, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info->uuid));
    d->name = xsd.name ? xsd.name : strdup("");
    xsd.name = NULL;
    d->devices = xsd.devices;
    d->n_devices = xsd.n_devices;
    xsd.devices = NULL;
    xsd.n_devices = 0;
    d->evidence = xm_strvec_steal(&cls, &d->n_evidence);
    if (backends) {
        memcpy(backends, xsd.backends, xsd.n_backends * sizeof *backends);
        *n_backends = xsd.n_backends;
    }
    if (!d->name) {
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        xm_domain_dispose(d);
        memset(d, 0, sizeof *d);
        goto out;
    }
    result = INSPECT_OK;
out:
    free(config_type);
    xm_strvec_free(&ev);
    xm_xs_domain_dispose(&xsd);
    return result;
}

static int cmp_domid(const void *a, const void *b)
{
    uint32_t x = ((const struct xm_domain *)a)->domid, y = ((const struct xm_domain *)b)->domid;
    return (x > y) - (x < y);
}

/* Drops the connection the failure came from; the next snapshot reopens. */
static void close_xenstore(struct xm_collector *c)
{
    if (c->cache_live) {
        xm_cache_clear(&c->cache);
        c->cache_live = false;
        c->cache_rebuilds++;
    }
    c->requests_total += c->xs.requests;
    c->xs.requests = 0;
    xm_xs_close(&c->xs);
}

static void drop_failed(struct xm_collector *c, const struct xm_error *err)
{
    if (err->code == XM_ERR_XENSTORE)
        close_xenstore(c);
    else if (err->code == XM_ERR_LIBXL)
        xm_libxl_close(&c->lx);
}

static int take_snapshot_oneshot(struct xm_collector *c, struct xm_snapshot **out, struct xm_error *err)
{
    libxl_dominfo *list = NULL;
    int n = 0, rc;
    double start = now_seconds();
    unsigned long requests_before;

    if ((rc = xm_libxl_open(&c->lx, err)) != XM_OK)
        return rc;
    if ((rc = xm_xs_open(&c->xs, err)) != XM_OK)
        return rc;
    requests_before = c->xs.requests;
    if ((rc = xm_libxl_list(&c->lx, &list, &n, err)) != XM_OK) {
        drop_failed(c, err);
        return rc;
    }

    struct xm_snapshot *snap = calloc(1, sizeof *snap);
    if (snap)
        snap->domains = calloc(n > 0 ? (size_t)n : 1, sizeof *snap->domains);
    if (!snap || !snap->domains) {
        free(snap);
        libxl_dominfo_list_free(list, n);
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        struct xm_domain *d = &snap->domains[snap->n_domains];
        enum inspect r = inspect_domain(c, &list[i], d, NULL, NULL, err);
        if (r == INSPECT_FAILED) {
            drop_failed(c, err);
            xm_snapshot_free(snap);
            libxl_dominfo_list_free(list, n);
            return err ? err->code : XM_ERR_XENSTORE;
        }
        if (r == INSPECT_OK)
            snap->n_domains++;
    }
    libxl_dominfo_list_free(list, n);
    qsort(snap->domains, snap->n_domains, sizeof *snap->domains, cmp_domid);
    snap->block_ = xm_block_new(snap->domains, snap->n_domains);
    if (!snap->block_) {
        xm_snapshot_free(snap);
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    snap->xenstore_requests = c->xs.requests - requests_before;
    snap->duration_seconds = now_seconds() - start;
    *out = snap;
    return XM_OK;
}

/* Registers the watches that do not belong to one domain. A failure leaves
 * the cache off for this connection: every snapshot is then a full read. */
static void start_cache(struct xm_collector *c)
{
    static const char *const global[] = {"@introduceDomain", "@releaseDomain", "/libxl"};
    uint64_t seq;
    for (size_t i = 0; i < sizeof global / sizeof global[0]; i++)
        if (!xm_cache_watch(&c->cache, &c->xs, global[i], &seq))
            return;
    xm_cache_watch_backend(&c->cache, &c->xs, 0);
    c->cache_live = !c->cache.all_dirty;
}

static void watch_domain(struct xm_collector *c, struct xm_cache_entry *e)
{
    static const char *const nodes[3] = {"name", "domain-type", "device"};
    uint32_t domid = e->domid;
    e->watched = true;
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/%s", domid, nodes[k]);
        /* The entry may move while watching (no inserts happen here). */
        if (!xm_cache_watch(&c->cache, &c->xs, path, &e->tokens[k]))
            e->watched = false; /* such a domain is re-read at every snapshot */
    }
}

static bool listed(const libxl_dominfo *list, int n, uint32_t domid)
{
    int lo = 0, hi = n;
    while (lo < hi) { /* libxl lists domains in domid order */
        int mid = (lo + hi) / 2;
        if (list[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && list[lo].domid == domid)
        return true;
    for (int i = 0; i < n; i++) /* in case the order ever changes */
        if (list[i].domid == domid)
            return true;
    return false;
}

/* Brings one listed domain's cache entry up to date. */
static enum inspect refresh_entry(struct xm_collector *c, const libxl_dominfo *info,
                                  bool *reread, struct xm_error *err)
{
    const uint8_t *uuid = libxl_uuid_bytearray_const(&info->uuid);
    struct xm_cache_entry *e = xm_cache_find(&c->cache, info->domid);
    if (e && memcmp(e->uuid, uuid, sizeof e->uuid) != 0) {
        xm_cache_remove(&c->cache, &c->xs, (size_t)(e - c->cache.entries));
        e = NULL;
    }
    if (!e) {
        e = xm_cache_insert(&c->cache, info->domid);
        if (!e) {
            xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            return INSPECT_FAILED;
        }
        memcpy(e->uuid, uuid, sizeof e->uuid);
        watch_domain(c, e);
    }
    bool hvm = info->domain_type == LIBXL_DOMAIN_TYPE_HVM;
    if (e->have && !e->dirty && e->watched && !c->cache.all_dirty && e->dom.hvm_flag == hvm)
        return INSPECT_OK;

    struct xm_domain fresh;
    uint32_t backends[XM_MAX_BACKEND_DOMS];
    size_t n_backends = 0;
    memset(&fresh, 0, sizeof fresh);
    *reread = true;
    enum inspect r = inspect_domain(c, info, &fresh, backends, &n_backends, err);
    if (r != INSPECT_OK)
        return r;
    xm_domain_dispose(&e->dom);
    e->dom = fresh;
    e->have = true;
    e->dirty = false;
    memcpy(e->backends, backends, n_backends * sizeof *backends);
    e->n_backends = n_backends;
    for (size_t i = 0; i < n_backends; i++)
        xm_cache_watch_backend(&c->cache, &c->xs, backends[i]);
    return INSPECT_OK;
}

static int take_snapshot_cached(struct xm_collector *c, struct xm_snapshot **out,
                                struct xm_error *err)
{
    libxl_dominfo *list = NULL;
    int n = 0, rc;
    double start = now_seconds();

    if ((rc = xm_libxl_open(&c->lx, err)) != XM_OK)
        return rc;
    if ((rc = xm_xs_open(&c->xs, err)) != XM_OK)
        return rc;
    if (!c->cache_live)
        start_cache(c);
    unsigned long requests_before = c->xs.requests;
    if (c->cache_live && xm_cache_drain(&c->cache, &c->xs, err) != XM_OK) {
        /* xenstored went away: rebuild on a fresh connection right now. */
        close_xenstore(c);
        if ((rc = xm_xs_open(&c->xs, err)) != XM_OK)
            return rc;
        start_cache(c);
        requests_before = 0;
    }
    if ((rc = xm_libxl_list(&c->lx, &list, &n, err)) != XM_OK) {
        drop_failed(c, err);
        return rc;
    }

    /* Domains gone since the last snapshot. */
    bool changed = c->last_block == NULL;
    for (size_t i = 0; i < c->cache.n;) {
        if (listed(list, n, c->cache.entries[i].domid)) {
            i++;
        } else {
            xm_cache_remove(&c->cache, &c->xs, i);
            changed = true;
        }
    }
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        bool reread = false;
        enum inspect r = refresh_entry(c, &list[i], &reread, err);
        if (r == INSPECT_FAILED) {
            drop_failed(c, err);
            libxl_dominfo_list_free(list, n);
            return err->code;
        }
        changed |= reread;
        if (r == INSPECT_GONE) {
            struct xm_cache_entry *e = xm_cache_find(&c->cache, list[i].domid);
            if (e)
                xm_cache_remove(&c->cache, &c->xs, (size_t)(e - c->cache.entries));
            changed = true;
            continue;
        }
        count++;
    }
    xm_cache_prune_backends(&c->cache, &c->xs);
    c->cache.all_dirty = false;
    libxl_dominfo_list_free(list, n);

    /* Nothing re-read, nothing gone, nothing new: the last domains stand. */
    if (changed || c->last_block->n != count) {
        struct xm_domain *doms = calloc(count ? count : 1, sizeof *doms);
        size_t k = 0;
        for (size_t i = 0; doms && i < c->cache.n; i++) {
            if (!c->cache.entries[i].have)
                continue;
            if (!xm_domain_copy(&doms[k], &c->cache.entries[i].dom))
                break;
            k++;
        }
        struct xm_snapshot_block *b = doms && k == count ? xm_block_new(doms, k) : NULL;
        if (!b) {
            for (size_t i = 0; doms && i < k; i++)
                xm_domain_dispose(&doms[i]);
            free(doms);
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        }
        xm_block_unref(c->last_block);
        c->last_block = b;
        c->generation++;
    }
    struct xm_snapshot *snap = xm_snapshot_wrap(c->last_block);
    if (!snap)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    snap->generation = c->generation;
    snap->xenstore_requests = c->xs.requests - requests_before;
    snap->duration_seconds = now_seconds() - start;
    *out = snap;
    return XM_OK;
}

int xm_collector_snapshot(struct xm_collector *c, struct xm_snapshot **out,
                          struct xm_error *err)
{
    struct xm_error local;
    if (!err)
        err = &local;
    *out = NULL;
    err->code = XM_OK;
    err->message[0] = '\0';
    pthread_mutex_lock(&c->lock);
    int rc = c->use_cache ? take_snapshot_cached(c, out, err) : take_snapshot_oneshot(c, out, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

void xm_collector_xen_version(struct xm_collector *c, char *out, size_t outsz)
{
    pthread_mutex_lock(&c->lock);
    xm_libxl_xen_version(&c->lx, out, outsz);
    pthread_mutex_unlock(&c->lock);
}

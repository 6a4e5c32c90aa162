/* The snapshot: one libxl_list_domain call, then each domain's evidence
 * from xenstore (and, for pvh records, the stored configuration), then the
 * classifier. Connections are opened lazily and dropped after a failure so
 * the next snapshot reconnects: a long-running front end recovers alone. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm_cache.h"
#include "xm_classify.h"
#include "xm_deadline.h"
#include "xm_domain.h"
#include "xm_devices.h"
#include "xm_drainer.h"
#include "xm_start_time.h"
#include "xm_libxl.h"
#include "xm_xenctrl.h"

struct xm_collector {
    pthread_mutex_t lock; /* one snapshot at a time: libxl ctx, xs handle, cache */
    double timeout;       /* seconds a snapshot may take; <= 0: no deadline */
    struct xm_deadline watchdog; /* ends the xenstored sockets of a late snapshot */
    bool stalled;         /* the last snapshot missed its deadline: probe first */
    struct xm_xs_probe probe;     /* while stalled: is xenstored answering? */
    /* What readers may see while a snapshot holds lock (stats, version):
     * published at the end of every snapshot, under info_lock only. */
    pthread_mutex_t info_lock;
    struct xm_collector_stats published;
    char xen_version[64];
    struct xm_libxl lx;
    struct xm_xs xs;
    struct xm_xc xc;               /* libxenctrl: domain flags, guest width */
    bool caps_known;               /* caps read on this libxl context */
    bool caps[XM_CAP_COUNT];
    struct xm_cache cache;         /* watches nothing in a one-shot collector */
    unsigned long requests_total;  /* over the collector's life */
    unsigned long cache_rebuilds;  /* caches discarded after a lost connection */
    struct xm_snapshot_block *last_block; /* the domains of the last snapshot */
    uint64_t generation;                  /* bumped whenever they change */
    struct xm_drainer drainer;     /* reads watch events between snapshots */
    unsigned long cut_total[XM_CUT_COUNT]; /* what the per-domain bounds cut */
    struct xm_strvec notices;      /* for the front end to log (bounded) */
};

/* Notices waiting for the front end at most (each names one domain). */
#define MAX_NOTICES 64

static int collector_new(struct xm_collector **out, bool watching, struct xm_error *err)
{
    struct xm_collector *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return xm_set_error(err, XM_ERR_NOMEM, "cannot create a mutex");
    }
    if (pthread_mutex_init(&c->info_lock, NULL) != 0) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return xm_set_error(err, XM_ERR_NOMEM, "cannot create a mutex");
    }
    if (xm_deadline_init(&c->watchdog) != 0) {
        pthread_mutex_destroy(&c->info_lock);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return xm_set_error(err, XM_ERR_NOMEM, "cannot create the snapshot watchdog");
    }
    c->timeout = XM_DEFAULT_TIMEOUT_SECONDS;
    xm_libxl_init(&c->lx);
    xm_xs_init(&c->xs);
    c->xs.guard = &c->watchdog;
    xm_xs_probe_init(&c->probe);
    xm_xc_init(&c->xc);
    xm_cache_init(&c->cache, watching);
    xm_strvec_init(&c->notices);
    if (watching && xm_drainer_start(&c->drainer, &c->lock, &c->xs, &c->cache, err) != XM_OK) {
        xm_cache_dispose(&c->cache);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return err ? err->code : XM_ERR_NOMEM;
    }
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

void xm_collector_set_timeout(struct xm_collector *c, double seconds)
{
    pthread_mutex_lock(&c->lock);
    pthread_mutex_lock(&c->info_lock);
    c->timeout = seconds;
    pthread_mutex_unlock(&c->info_lock);
    pthread_mutex_unlock(&c->lock);
}

/* Takes c->lock: waits at most for the snapshot in progress, which its
 * deadline bounds. */
void xm_collector_notices(struct xm_collector *c, struct xm_strvec *out)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->notices.n; i++)
        xm_strvec_addf(out, "%s", c->notices.items[i]);
    xm_strvec_dispose(&c->notices);
    xm_strvec_init(&c->notices);
    pthread_mutex_unlock(&c->lock);
}

/* Never waits for a snapshot: a stalled one must not stall the page. */
void xm_collector_stats(struct xm_collector *c, struct xm_collector_stats *st)
{
    pthread_mutex_lock(&c->info_lock);
    *st = c->published;
    pthread_mutex_unlock(&c->info_lock);
}

/* Called under c->lock at the end of every snapshot. */
static void publish(struct xm_collector *c)
{
    char v[sizeof c->xen_version] = "";
    xm_libxl_xen_version(&c->lx, v, sizeof v);
    pthread_mutex_lock(&c->info_lock);
    c->published.xenstore_requests_total = c->requests_total + c->xs.requests;
    c->published.cache_rebuilds_total = c->cache_rebuilds;
    c->published.cached_domains = xm_cache_count(&c->cache);
    memcpy(c->published.items_cut_total, c->cut_total, sizeof c->published.items_cut_total);
    if (v[0]) /* the last version Xen told, kept while libxl is reopened */
        memcpy(c->xen_version, v, sizeof v);
    pthread_mutex_unlock(&c->info_lock);
}

void xm_collector_free(struct xm_collector *c)
{
    if (!c)
        return;
    xm_drainer_stop(&c->drainer);
    xm_strvec_dispose(&c->notices);
    xm_cache_dispose(&c->cache);
    xm_block_unref(c->last_block);
    xm_xs_close(&c->xs);
    xm_xc_close(&c->xc);
    xm_libxl_close(&c->lx);
    xm_deadline_dispose(&c->watchdog);
    xm_xs_probe_close(&c->probe);
    pthread_mutex_destroy(&c->info_lock);
    pthread_mutex_destroy(&c->lock);
    free(c);
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

/* The hypervisor's part of a domain read afresh: which rule makes it dom0,
 * its paging (HVM containers) and guest width (PV; kept from an earlier
 * read of the same domid and uuid when that one saw the domain running:
 * before libxl's build sets a 32-bit guest's address size, it reads 64). */
static int hypervisor_evidence(struct xm_collector *c, const libxl_dominfo *info,
                               const struct xm_xc_dominfo *xi, const struct xm_domain *cached,
                               struct xm_domain *d, struct xm_strvec *ev, struct xm_error *err)
{
    bool hvm = info->domain_type == LIBXL_DOMAIN_TYPE_HVM;
    if (!xi) {
        xm_strvec_addf(ev, "not in the hypervisor's domain list: paging and width unknown");
        return XM_OK;
    }
    if (hvm) {
        d->paging = xi->hap ? XM_PAGING_HAP : XM_PAGING_SHADOW;
        xm_strvec_addf(ev, "XEN_DOMINF_hap %s -> %s paging",
                       d->paging == XM_PAGING_HAP ? "set" : "clear",
                       d->paging == XM_PAGING_HAP ? "hap" : "shadow");
        return XM_OK;
    }
    if (cached && cached->width_final_ && cached->pv_width_bits) {
        d->pv_width_bits = cached->pv_width_bits;
        d->width_final_ = true;
    } else {
        int rc = xm_xc_guest_width(&c->xc, info->domid, &d->pv_width_bits, err);
        if (rc != XM_OK)
            return rc;
        d->width_final_ = !xi->paused;
    }
    xm_strvec_addf(ev, "guest width %u bits (xc_domain_get_guest_width)", d->pv_width_bits);
    return XM_OK;
}

/* Besides the domain, what a read found: the backend domains its frontends
 * use (malloc'd) and what the per-domain bounds cut. */
struct read_extra {
    uint32_t *backends;
    size_t n_backends;
    unsigned long cut[XM_CUT_COUNT];
};

static enum inspect inspect_domain(struct xm_collector *c, const libxl_dominfo *info,
                                   const struct xm_domain *cached, struct xm_domain *d,
                                   struct read_extra *extra, struct xm_error *err)
{
    struct xm_xs_domain xsd;
    struct xm_strvec ev;
    char *config_type = NULL;
    enum inspect result = INSPECT_FAILED;
    bool hvm = info->domain_type == LIBXL_DOMAIN_TYPE_HVM;
    uint32_t domid = info->domid;
    const struct xm_xc_dominfo *xi =
        xm_xc_find(&c->xc, domid, libxl_uuid_bytearray_const(&info->uuid));
    char dom0_why[256];
    bool dom0 = xm_xc_is_dom0(&c->xc, domid, dom0_why, sizeof dom0_why);

    xm_strvec_init(&ev);
    if (xm_xs_read_domain(&c->xs, domid, dom0, &xsd, &ev, err) == XM_XS_FAILED)
        goto out;

    bool untyped_domu = !dom0 && hvm && !xsd.libxl_type && !xsd.domain_type;
    if (!xsd.name || untyped_domu) {
        result = confirm_alive(c, domid, err);
        if (result != INSPECT_OK)
            goto out;
        result = INSPECT_FAILED;
    }

    struct xm_classify_input in = {
        .domid = domid,
        .dom0 = dom0,
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
    if (dom0 || domid == 0)
        xm_strvec_addf(&cls, "%s", dom0_why);
    d->mode = xm_classify(&in, &cls);
    for (size_t i = 0; i < ev.n; i++)
        xm_strvec_addf(&cls, "%s", ev.items[i]);
    if (!xsd.name)
        xm_strvec_addf(&cls, "/local/domain/%" PRIu32 "/name absent", domid);
    if (hypervisor_evidence(c, info, xi, cached, d, &cls, err) != XM_OK) {
        xm_strvec_dispose(&cls);
        goto out;
    }
    char uuid[37];
    snprintf(uuid, sizeof uuid, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info->uuid));
    if (xm_start_time_read(&c->xs, uuid, dom0, &d->start_time, &cls, err) == XM_XS_FAILED) {
        xm_strvec_dispose(&cls);
        goto out;
    }
    if (xm_agent_read(&c->xs, domid, &d->agent, &cls, err) == XM_XS_FAILED) {
        xm_strvec_dispose(&cls);
        goto out;
    }
    if (cls.failed) {
        xm_strvec_dispose(&cls);
        xm_agent_dispose(&d->agent);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        goto out;
    }

    d->domid = domid;
    d->dom0 = dom0;
    d->hvm_flag = hvm;
    snprintf(d->uuid, sizeof d->uuid, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info->uuid));
    d->name = xsd.name ? xsd.name : strdup("");
    xsd.name = NULL;
    d->devices = xsd.devices;
    d->n_devices = xsd.n_devices;
    xsd.devices = NULL;
    xsd.n_devices = 0;
    d->evidence = xm_strvec_steal(&cls, &d->n_evidence);
    extra->backends = xsd.backends;
    extra->n_backends = xsd.n_backends;
    xsd.backends = NULL;
    xsd.n_backends = 0;
    memcpy(extra->cut, xsd.cut, sizeof extra->cut);
    if (!d->name) {
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        xm_domain_dispose(d);
        memset(d, 0, sizeof *d);
        goto out;
    }
    result = INSPECT_OK;
out:
    free(config_type);
    xm_strvec_dispose(&ev);
    xm_xs_domain_dispose(&xsd);
    return result;
}

/* Drops the connection the failure came from; the next snapshot reopens. */
static void close_xenstore(struct xm_collector *c)
{
    if (xm_cache_lost(&c->cache))
        c->cache_rebuilds++;
    c->requests_total += c->xs.requests;
    c->xs.requests = 0;
    xm_xs_close(&c->xs);
}

static void close_libxl(struct xm_collector *c)
{
    xm_xc_close(&c->xc);
    xm_libxl_close(&c->lx);
    xm_deadline_release(&c->watchdog, XM_GUARD_LIBXL);
    c->caps_known = false;
}

static void drop_failed(struct xm_collector *c, const struct xm_error *err)
{
    if (err->code == XM_ERR_XENSTORE)
        close_xenstore(c);
    else if (err->code == XM_ERR_LIBXL)
        close_libxl(c);
}

/* libxl keeps a xenstored connection of its own (libxl_ctx_alloc opens it):
 * the watchdog guards it too, whatever libxl uses it for. */
static int open_libxl(struct xm_collector *c, struct xm_error *err)
{
    if (c->lx.ctx)
        return XM_OK;
    struct xm_fdset before;
    xm_fdset_take(&before);
    int rc = xm_libxl_open(&c->lx, err);
    if (rc == XM_OK)
        xm_deadline_adopt(&c->watchdog, &before, xm_xs_socket_path(), XM_GUARD_LIBXL);
    xm_fdset_dispose(&before);
    return rc;
}

struct listing {
    const libxl_dominfo *list;
    int n;
};

static bool listed(const void *ctx, uint32_t domid)
{
    const struct listing *l = ctx;
    int lo = 0, hi = l->n;
    while (lo < hi) { /* libxl lists domains in domid order */
        int mid = (lo + hi) / 2;
        if (l->list[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && l->list[lo].domid == domid)
        return true;
    for (int i = 0; i < l->n; i++) /* in case the order ever changes */
        if (l->list[i].domid == domid)
            return true;
    return false;
}

/* Counts what the per-domain bounds cut from a domain, and the first time
 * for that domain leaves a notice for the front end to log. */
static void note_cuts(struct xm_collector *c, const struct xm_domain *d,
                      const unsigned long cut[XM_CUT_COUNT])
{
    unsigned long any = 0;
    for (int i = 0; i < XM_CUT_COUNT; i++) {
        c->cut_total[i] += cut[i];
        any |= cut[i];
    }
    if (!any || !xm_cache_note_cut(&c->cache, d->domid) || c->notices.n >= MAX_NOTICES)
        return;
    char q[96];
    xm_quote_value(d->name, q, sizeof q);
    xm_strvec_addf(&c->notices,
                   "domain %" PRIu32 " (%s) exceeds the per-domain bounds: %lu device kinds, "
                   "%lu devices and %lu evidence lines not read or kept",
                   d->domid, q, cut[XM_CUT_KINDS], cut[XM_CUT_DEVICES], cut[XM_CUT_EVIDENCE]);
}

/* Asks the cache whether a listed domain must be read, and reads it if so;
 * *reread tells that the snapshot's domains changed because of it. */
static enum inspect refresh_domain(struct xm_collector *c, const libxl_dominfo *info,
                                   bool *reread, struct xm_error *err)
{
    bool hvm = info->domain_type == LIBXL_DOMAIN_TYPE_HVM;
    int must = xm_cache_must_read(&c->cache, &c->xs, info->domid,
                                  libxl_uuid_bytearray_const(&info->uuid), hvm);
    if (must < 0) {
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return INSPECT_FAILED;
    }
    if (!must)
        return INSPECT_OK;

    struct xm_domain fresh;
    struct read_extra extra;
    memset(&fresh, 0, sizeof fresh);
    memset(&extra, 0, sizeof extra);
    *reread = true;
    enum inspect r = inspect_domain(c, info, xm_cache_peek(&c->cache, info->domid), &fresh,
                                    &extra, err);
    if (r == INSPECT_OK) {
        note_cuts(c, &fresh, extra.cut);
        xm_cache_store(&c->cache, &c->xs, &fresh, extra.backends, extra.n_backends);
    } else if (r == INSPECT_GONE) {
        xm_cache_forget(&c->cache, &c->xs, info->domid);
    }
    free(extra.backends);
    return r;
}

/* libxenctrl beside libxl, and the host's capabilities once per context. */
static int open_hypervisor(struct xm_collector *c, struct xm_error *err)
{
    const libxl_version_info *v = libxl_get_version_info(c->lx.ctx);
    int rc = xm_xc_open(&c->xc, &c->lx.logger.vtable, v ? v->xen_version_major : 0,
                        v ? v->xen_version_minor : 0, err);
    if (rc == XM_OK && !c->caps_known)
        c->caps_known = xm_host_caps_read(c->lx.ctx, c->caps);
    return rc;
}

/* The one snapshot path: open, let the cache catch up with its watches,
 * list, read what the cache says must be read (a one-shot collector's
 * cache watches nothing, so that is every domain), and after a failure
 * drop the connection it came from. */
static int collect(struct xm_collector *c, struct xm_snapshot **out, struct xm_error *err)
{
    libxl_dominfo *list = NULL;
    int n = 0, rc;
    double start = xm_monotonic_seconds();

    if ((rc = open_libxl(c, err)) != XM_OK)
        return rc;
    if ((rc = open_hypervisor(c, err)) != XM_OK) {
        drop_failed(c, err);
        return rc;
    }
    if ((rc = xm_xs_open(&c->xs, err)) != XM_OK)
        return rc;
    /* Registering the watches (first snapshot on a connection) is not this
     * snapshot's reading; draining their events sends nothing. */
    int begun = xm_cache_begin(&c->cache, &c->xs, err);
    unsigned long requests_before = c->xs.requests;
    if (begun != XM_OK) {
        /* xenstored went away: rebuild on a fresh connection right now. */
        close_xenstore(c);
        if ((rc = xm_xs_open(&c->xs, err)) != XM_OK)
            return rc;
        xm_cache_begin(&c->cache, &c->xs, err); /* a lost cache only registers */
        requests_before = 0;
    }
    if ((rc = xm_libxl_list(&c->lx, &list, &n, err)) != XM_OK ||
        (rc = xm_xc_list(&c->xc, (size_t)n, err)) != XM_OK) {
        drop_failed(c, err);
        libxl_dominfo_list_free(list, n);
        return rc;
    }

    struct listing listing = {list, n};
    bool changed = xm_cache_drop_unlisted(&c->cache, &c->xs, listed, &listing) ||
                   !c->last_block;
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        bool reread = false;
        enum inspect r = refresh_domain(c, &list[i], &reread, err);
        if (r == INSPECT_FAILED) {
            drop_failed(c, err);
            libxl_dominfo_list_free(list, n);
            return err->code;
        }
        changed |= reread || r == INSPECT_GONE;
        count += r == INSPECT_OK;
    }
    xm_cache_end(&c->cache, &c->xs);
    libxl_dominfo_list_free(list, n);

    /* Nothing re-read, nothing gone, nothing new: the last domains stand. */
    if (changed || c->last_block->n != count) {
        struct xm_domain *doms;
        size_t k;
        if ((rc = xm_cache_domains(&c->cache, &doms, &k, err)) != XM_OK)
            return rc;
        struct xm_snapshot_block *b = xm_block_new(doms, k);
        if (!b) {
            for (size_t i = 0; i < k; i++)
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
    /* A cache that watches nothing cannot tell that the host is unchanged. */
    snap->generation = xm_cache_watching(&c->cache) ? c->generation : 0;
    snap->caps_known = c->caps_known;
    memcpy(snap->caps, c->caps, sizeof snap->caps);
    snap->xenstore_requests = c->xs.requests - requests_before;
    snap->duration_seconds = xm_monotonic_seconds() - start;
    *out = snap;
    return XM_OK;
}

/* How long a snapshot waits for the probe's reply during an outage. */
#define PROBE_WAIT_SECONDS 0.2

/* collect() under the watchdog: past the deadline the xenstored sockets
 * are shut down, the blocked call fails, and whatever came back is thrown
 * away (it may be partial): both connections are dropped, the cache with
 * them, and the next snapshot first checks that xenstored answers again. */
static int take_snapshot(struct xm_collector *c, double deadline, struct xm_snapshot **out,
                         struct xm_error *err)
{
    if (xm_deadline_interrupted(&c->watchdog))
        return xm_set_error(err, XM_ERR_TIMEOUT, "the collector is stopping");
    if (c->stalled) {
        /* Not answering yet: fail now rather than wait out every deadline
         * (each waiting request would hold a server thread that long). */
        double now = xm_monotonic_seconds();
        double wait = now + PROBE_WAIT_SECONDS < deadline ? now + PROBE_WAIT_SECONDS : deadline;
        int rc = xm_xs_probe_check(&c->probe, wait, err);
        if (rc != XM_OK)
            return rc;
        c->stalled = false;
    }
    bool guarded = c->timeout > 0 && xm_deadline_arm(&c->watchdog, deadline) == 0;
    int rc = collect(c, out, err);
    if (!guarded || !xm_deadline_disarm(&c->watchdog))
        return rc;
    xm_snapshot_free(*out);
    *out = NULL;
    close_xenstore(c);
    close_libxl(c);
    c->stalled = true;
    return xm_set_error(err, XM_ERR_TIMEOUT,
                        "xenstored is not answering (no reply within %gs)", c->timeout);
}

int xm_collector_snapshot_until(struct xm_collector *c, double deadline,
                                struct xm_snapshot **out, struct xm_error *err)
{
    struct xm_error local;
    if (!err)
        err = &local;
    *out = NULL;
    err->code = XM_OK;
    err->message[0] = '\0';
    /* Another caller's snapshot may be the one waiting on xenstored. */
    if (!xm_lock_until(&c->lock, deadline))
        return xm_set_error(err, XM_ERR_TIMEOUT,
                            "xenstored is not answering: an earlier snapshot is still waiting "
                            "for it");
    if (c->timeout <= 0)
        deadline = INFINITY;
    int rc = take_snapshot(c, deadline, out, err);
    publish(c);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int xm_collector_snapshot(struct xm_collector *c, struct xm_snapshot **out,
                          struct xm_error *err)
{
    pthread_mutex_lock(&c->info_lock);
    double t = c->timeout;
    pthread_mutex_unlock(&c->info_lock);
    double deadline = t > 0 ? xm_monotonic_seconds() + t : INFINITY;
    return xm_collector_snapshot_until(c, deadline, out, err);
}

void xm_collector_interrupt(struct xm_collector *c)
{
    xm_deadline_interrupt(&c->watchdog);
}

void xm_collector_xen_version(struct xm_collector *c, char *out, size_t outsz)
{
    pthread_mutex_lock(&c->info_lock);
    snprintf(out, outsz, "%s", c->xen_version);
    pthread_mutex_unlock(&c->info_lock);
}

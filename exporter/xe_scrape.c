/* A scrape: collect, note a change of state, format. */
#include "xe_scrape.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xe_process.h"
#include "xenmode/guest.h"

#ifndef XM_BUILD_BRANCH
#define XM_BUILD_BRANCH "unknown"
#endif
#define XE_STR2(x) #x
#define XE_STR(x) XE_STR2(x)
#if defined(__clang__)
#define XE_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define XE_COMPILER "gcc " XE_STR(__GNUC__) "." XE_STR(__GNUC_MINOR__) "." XE_STR(__GNUC_PATCHLEVEL__)
#else
#define XE_COMPILER "unknown"
#endif

int xe_scraper_init(struct xe_scraper *s, struct xm_collector *c, const struct xe_log *log,
                    const struct xe_scrape_config *cfg, char *err, size_t errsz)
{
    s->collector = c;
    s->log = log;
    s->cfg = *cfg;
    s->state = -1;
    s->guest_state = -1;
    s->config_state = -1;
    for (int f = 0; f < 2; f++) {
        xm_buf_init(&s->rendered[f]);
        s->rendered_gen[f] = 0;
    }
    s->counted_gen = 0;
    struct xm_error xerr;
    if (xm_transitions_new(&s->transitions, &xerr) != XM_OK) {
        snprintf(err, errsz, "%s", xerr.message);
        return -1;
    }
    int e = pthread_mutex_init(&s->lock, NULL);
    if (e != 0) {
        snprintf(err, errsz, "cannot create the scraper's lock: %s", strerror(e));
        xm_transitions_free(s->transitions);
        return -1;
    }
    return 0;
}

void xe_scraper_dispose(struct xe_scraper *s)
{
    for (int f = 0; f < 2; f++)
        xm_buf_dispose(&s->rendered[f]);
    xm_transitions_free(s->transitions);
    pthread_mutex_destroy(&s->lock);
}

static const char *err_kind(int code)
{
    switch (code) {
    case XM_ERR_NOXEN: return "no_xen";
    case XM_ERR_LIBXL: return "libxl";
    case XM_ERR_XENSTORE: return "xenstore";
    case XM_ERR_NOMEM: return "out_of_memory";
    case XM_ERR_INVALID: return "invalid";
    case XM_ERR_IO: return "io";
    case XM_ERR_TIMEOUT: return "timeout";
    default: return "unknown";
    }
}

/* Logs only when the state differs from the last scrape's: the kind of
 * failure (not its text, which may name a path or a domain) is the state. */
static void note_state(struct xe_scraper *s, int rc, const struct xm_error *err,
                       const struct xm_snapshot *snap)
{
    int before = s->state;
    s->state = rc;
    if (before == rc)
        return;
    if (rc == XM_OK) {
        char n[32], xenv[64];
        snprintf(n, sizeof n, "%zu", snap->n_domains);
        xm_collector_xen_version(s->collector, xenv, sizeof xenv);
        xe_log(s->log, XE_INFO,
               before == -1 ? "collecting from Xen" : "collection from Xen recovered",
               "domains", n, "xen_version", xenv, NULL);
    } else {
        xe_log(s->log, before == -1 ? XE_WARN : XE_ERROR,
               "collection from Xen failed; serving xen_up 0 and retrying at every scrape",
               "kind", err_kind(rc), "err", err->message, NULL);
    }
}

/* Xen's own version, absent until Xen answered once (rather than a series
 * labelled with an empty version). */
static void write_hypervisor(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *b)
{
    char xenv[64];
    xm_collector_xen_version(s->collector, xenv, sizeof xenv);
    if (!xenv[0])
        return;
    struct xm_label hv[] = {{"version", xenv}};
    xm_expo_family(b, f, "xen_hypervisor_info", XM_METRIC_GAUGE,
                   "Version of the Xen hypervisor the exporter reads; always 1.");
    xm_expo_sample(b, "xen_hypervisor_info", hv, 1, 1);
}

/* The exporter's own families and process_*: what
 * --web.disable-exporter-metrics leaves out. */
static void write_own_families(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *b,
                               double duration, const char *view)
{
    struct xm_collector_stats st;
    xm_collector_stats(s->collector, &st);

    xm_expo_family(b, f, "xen_exporter_scrape_duration_seconds", XM_METRIC_GAUGE,
                   "Time spent collecting from Xen in this scrape.");
    xm_expo_sample(b, "xen_exporter_scrape_duration_seconds", NULL, 0, duration);

    /* Fixed at build time: the labels never change while the process runs. */
    struct xm_label info[] = {
        {"version", XM_BUILD_VERSION},
        {"revision", XM_BUILD_REVISION},
        {"branch", XM_BUILD_BRANCH},
        {"compiler", XE_COMPILER},
    };
    xm_expo_family(b, f, "xenmode_exporter_build_info", XM_METRIC_GAUGE,
                   "A metric with a constant '1' value labeled by version, revision, branch, "
                   "and compiler from which xenmode_exporter was built.");
    xm_expo_sample(b, "xenmode_exporter_build_info", info, 4, 1);

    xm_expo_family(b, f, "xen_exporter_xenstore_requests_total", XM_METRIC_COUNTER,
                   "xenstore requests sent by the exporter since it started.");
    xm_expo_sample(b, "xen_exporter_xenstore_requests_total", NULL, 0,
                   (double)st.xenstore_requests_total);
    xm_expo_family(b, f, "xen_exporter_cache_rebuilds_total", XM_METRIC_COUNTER,
                   "Times the domain cache was discarded and rebuilt after the xenstore "
                   "connection was lost.");
    xm_expo_sample(b, "xen_exporter_cache_rebuilds_total", NULL, 0,
                   (double)st.cache_rebuilds_total);
    xm_expo_family(b, f, "xen_exporter_domain_items_cut_total", XM_METRIC_COUNTER,
                   "Device kinds, devices and device evidence lines left unread by the "
                   "per-domain bounds, summed over every read of a domain.");
    for (int i = 0; i < XM_CUT_COUNT; i++) {
        struct xm_label l[] = {{"item", xm_cut_item_name((enum xm_cut_item)i)}};
        xm_expo_sample(b, "xen_exporter_domain_items_cut_total", l, 1,
                       (double)st.items_cut_total[i]);
    }
    struct xm_label v[] = {{"view", view}};
    xm_expo_family(b, f, "xen_exporter_view", XM_METRIC_GAUGE,
                   "What the exporter serves: dom0 (the host's domains) or guest (the mode "
                   "of the machine it runs on); always 1.");
    xm_expo_sample(b, "xen_exporter_view", v, 1, 1);

    xe_web_write_metrics(s->cfg.web, f, b);

    /* A missing process_* value is not worth failing the page for. */
    /* The exporter's own process, whatever root the guest view reads. */
    char ignored[128];
    (void)xe_process_write(b, f, "/proc", ignored, sizeof ignored);
}

/* The domain families of snap, formatted once per generation. Called
 * under s->lock. */
static void append_domains(struct xe_scraper *s, enum xm_expo_format f,
                           const struct xm_snapshot *snap, struct xm_buf *out)
{
    struct xm_buf *r = &s->rendered[f];
    /* Counted once per new snapshot, whichever format asks first; a failed
     * update keeps the old counts, which is all it can do. */
    if (snap && (snap->generation == 0 || snap->generation != s->counted_gen)) {
        struct xm_error err;
        if (xm_transitions_update(s->transitions, snap, &err) == XM_OK)
            s->counted_gen = snap->generation;
    }
    if (!snap || snap->generation == 0 || snap->generation != s->rendered_gen[f]) {
        xm_buf_reset(r);
        xm_expo_snapshot_counted(r, f, snap, s->transitions);
        s->rendered_gen[f] = snap && !xm_buf_failed(r) ? snap->generation : 0;
    }
    if (xm_buf_failed(r))
        out->failed = true;
    else
        xm_buf_append(out, r->data, r->len);
}

/* The configured modes. The cache re-reads only files that changed; a bad
 * file is logged when its result changes, the directory when its state
 * does. Called under s->lock. */
static void append_configs(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out)
{
    struct xm_config_set *set = NULL;
    struct xm_error err;
    if (!s->cfg.configs)
        return;
    int rc = xm_config_cache_get(s->cfg.configs, &set, &err);
    if (rc != s->config_state) {
        if (rc == XM_OK && s->config_state != -1)
            xe_log(s->log, XE_INFO, "xl configurations readable again", NULL);
        else if (rc != XM_OK)
            xe_log(s->log, XE_WARN, "cannot read the xl configurations; serving "
                   "xen_config_files_failed 1", "err", err.message, NULL);
        s->config_state = rc;
    }
    for (size_t i = 0; set && i < set->n_configs; i++) {
        const struct xm_config *c = &set->configs[i];
        if (c->changed && c->error)
            xe_log(s->log, XE_WARN, "bad xl configuration file", "file", c->file, "err",
                   c->error, NULL);
    }
    xm_config_expo(out, f, set);
    xm_config_set_free(set);
}

/* Inside a domU: xen_guest_virt_mode from the guest's own view. false when
 * this machine is not on Xen (or is dom0), so the dom0 page is served. */
static bool append_guest(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out)
{
    struct xm_guest_options o = {
        .sysfs = s->cfg.sysfs, .procfs = s->cfg.procfs, .cpuid_file = s->cfg.cpuid_file};
    struct xm_guest_result g;
    struct xm_error err;
    if (xm_guest_detect(&o, &g, &err) != XM_OK) {
        if (s->guest_state != 0)
            xe_log(s->log, XE_ERROR, "guest self-detection failed", "err", err.message, NULL);
        s->guest_state = 0;
        return false;
    }
    bool guest = g.on_xen && !g.dom0;
    if (guest != (s->guest_state == 1)) {
        if (guest)
            xe_log(s->log, XE_INFO, "serving the guest view: libxl is not available here",
                   "mode", xm_mode_name(g.mode), NULL);
        else if (s->guest_state == 1 || s->cfg.view == XE_VIEW_GUEST)
            xe_log(s->log, XE_WARN, "guest view: this machine is not a Xen domU", NULL);
    }
    s->guest_state = guest ? 1 : 0;
    if (guest) {
        static const enum xm_mode modes[] = {XM_MODE_PV, XM_MODE_PVH, XM_MODE_HVM, XM_MODE_PVHVM};
        xm_expo_family(out, f, "xen_guest_virt_mode", XM_METRIC_GAUGE,
                       "Virtualization mode of the machine the exporter runs on, as seen from "
                       "inside it: 1 for the current mode, 0 for the others.");
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            struct xm_label l[] = {{"mode", xm_mode_name(modes[i])}};
            xm_expo_sample(out, "xen_guest_virt_mode", l, 1, g.mode == modes[i]);
        }
    }
    xm_guest_result_dispose(&g);
    return guest;
}

/* The collector's notices (a domain over its bounds: once per domain). */
static void log_notices(struct xe_scraper *s)
{
    struct xm_strvec v;
    xm_strvec_init(&v);
    xm_collector_notices(s->collector, &v);
    for (size_t i = 0; i < v.n; i++)
        xe_log(s->log, XE_WARN, "a domain exceeds the per-domain bounds; the rest is not read",
               "detail", v.items[i], NULL);
    xm_strvec_dispose(&v);
}

/* What follows the domain and configuration families on every page. */
static int finish_page(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out,
                       double duration, const char *view, char *err, size_t errsz)
{
    write_hypervisor(s, f, out);
    if (s->cfg.exporter_metrics)
        write_own_families(s, f, out, duration, view);
    xm_expo_end(out, f);
    if (xm_buf_failed(out)) {
        snprintf(err, errsz, "out of memory building the page");
        return -1;
    }
    return 0;
}

int xe_scrape(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out, char *err,
              size_t errsz)
{
    struct xm_snapshot *snap = NULL;
    struct xm_error xerr;
    const char *view = "dom0";

    double start = xm_monotonic_seconds();
    double deadline = start + (s->cfg.timeout > 0 ? s->cfg.timeout : 3600);
    /* A little past the collection's deadline: the scrape holding the lock
     * formats its page after its own collection gave up. */
    if (!xm_lock_until(&s->lock, deadline + 0.5)) {
        xm_expo_snapshot(out, f, NULL); /* xen_up 0; the holder logs */
        return finish_page(s, f, out, xm_monotonic_seconds() - start, view, err, errsz);
    }
    /* The page is the domain families plus a few kilobytes of our own. */
    xm_buf_reserve(out, s->rendered[f].len + 8192);
    bool served_guest = false;
    int rc = XM_ERR_NOXEN;
    if (s->cfg.view != XE_VIEW_GUEST)
        rc = xm_collector_snapshot_until(s->collector, deadline, &snap, &xerr);
    double duration = xm_monotonic_seconds() - start;
    if (s->cfg.view == XE_VIEW_GUEST || (s->cfg.view == XE_VIEW_AUTO && rc == XM_ERR_NOXEN))
        served_guest = append_guest(s, f, out);
    if (served_guest) {
        view = "guest";
    } else {
        if (s->cfg.view == XE_VIEW_GUEST) {
            rc = XM_ERR_NOXEN;
            snprintf(xerr.message, sizeof xerr.message, "--xen.view=guest: not a Xen domU");
        }
        note_state(s, rc, &xerr, snap);
        log_notices(s);
        append_domains(s, f, rc == XM_OK ? snap : NULL, out);
        append_configs(s, f, out);
    }
    pthread_mutex_unlock(&s->lock);

    xm_snapshot_free(snap);
    return finish_page(s, f, out, duration, view, err, errsz);
}

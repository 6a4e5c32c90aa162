/* A scrape: collect, note a change of state, format. */
#include "xe_scrape.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xe_process.h"

int xe_scraper_init(struct xe_scraper *s, struct xm_collector *c, const struct xe_log *log,
                    const char *procfs)
{
    s->collector = c;
    s->log = log;
    s->procfs = procfs;
    s->state = -1;
    return pthread_mutex_init(&s->lock, NULL);
}

void xe_scraper_destroy(struct xe_scraper *s)
{
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_own_families(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *b,
                               double duration)
{
    char xenv[64];
    xm_collector_xen_version(s->collector, xenv, sizeof xenv);

    xm_expo_family(b, f, "xen_exporter_scrape_duration_seconds", XM_METRIC_GAUGE,
                   "Time spent collecting from Xen in this scrape.");
    xm_expo_sample(b, "xen_exporter_scrape_duration_seconds", NULL, 0, duration);

    struct xm_label info[] = {
        {"version", XM_BUILD_VERSION},
        {"revision", XM_BUILD_REVISION},
        {"xen_version", xenv},
    };
    xm_expo_family(b, f, "xen_exporter_build_info", XM_METRIC_GAUGE,
                   "Version of xenmode_exporter and of the hypervisor (empty until Xen was "
                   "reached); always 1.");
    xm_expo_sample(b, "xen_exporter_build_info", info, 3, 1);

    /* A missing process_* value is not worth failing the page for. */
    (void)xe_process_write(b, f, s->procfs);
}

int xe_scrape(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out)
{
    struct xm_snapshot *snap = NULL;
    struct xm_error err;

    pthread_mutex_lock(&s->lock);
    double start = now();
    int rc = xm_collector_snapshot(s->collector, &snap, &err);
    double duration = snap ? snap->duration_seconds : now() - start;
    note_state(s, rc, &err, snap);
    pthread_mutex_unlock(&s->lock);

    xm_expo_snapshot(out, f, rc == XM_OK ? snap : NULL);
    xm_snapshot_free(snap);
    write_own_families(s, f, out, duration);
    xm_expo_end(out, f);
    return xm_buf_failed(out) ? ENOMEM : 0;
}

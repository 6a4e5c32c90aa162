/*
 * xe_scrape.h - one scrape: a snapshot from the core, formatted with the
 * exporter's own families, and the collection state that decides what is
 * logged.
 *
 * The dom0 view is: xen_up and the domain families (xm_expo_snapshot;
 * xen_up 0 and no domain series when the collection failed), the
 * configured modes from the xl configurations (xm_config_expo),
 * xen_hypervisor_info once Xen answered, then (unless
 * --web.disable-exporter-metrics) the exporter's own families (scrape
 * duration, build info, xenstore requests, cache rebuilds, view) and
 * process_*, then "# EOF" for OpenMetrics.
 * The guest view (inside a domU, where libxl cannot open) replaces xen_up
 * and the domain families with xen_guest_virt_mode{mode}.
 *
 * The domain families are formatted once per snapshot generation and
 * format, and reused while the host does not change: with the core's
 * cache, an unchanged host costs neither xenstore requests nor formatting.
 *
 * Deadline: every scrape gets cfg.timeout seconds from its arrival, for
 * waiting on another scrape as well as for its own collection; past it,
 * the page says xen_up 0 (a collector that missed its deadline drops what
 * it had cached, so nothing stale is served as fresh).
 *
 * Logging: a failing collection is logged when the state changes (up to
 * down, down to up, or down for another kind of reason), never once per
 * scrape, so a host without Xen does not flood the journal.
 */
#ifndef XE_SCRAPE_H
#define XE_SCRAPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "xe_flags.h"
#include "xe_log.h"
#include "xe_web.h"
#include "xenmode/configs.h"
#include "xenmode/expo.h"
#include "xenmode/host.h"

struct xe_scrape_config {
    enum xe_view view;
    const char *sysfs;      /* guest view roots */
    const char *procfs;     /* also where process_* is read */
    const char *cpuid_file; /* NULL: the CPU */
    struct xm_config_cache *configs; /* NULL: no configured modes; not owned */
    struct xe_web *web;              /* NULL: no web config gauges; not owned */
    bool exporter_metrics;  /* the exporter's own families and process_* */
    double timeout;         /* seconds a scrape may wait for Xen (--xen.timeout) */
};

struct xe_scraper {
    struct xm_collector *collector; /* not owned */
    const struct xe_log *log;       /* not owned */
    struct xe_scrape_config cfg;
    pthread_mutex_t lock;           /* one collection at a time: keeps state changes in order */
    int state;                      /* -1 before the first scrape, else XM_OK or an xm_err */
    int guest_state;                /* -1 unknown, 0 not on Xen, 1 guest view served */
    int config_state;               /* -1 unknown, else XM_OK or the last error code */
    struct xm_buf rendered[2];      /* domain families, per xm_expo_format */
    uint64_t rendered_gen[2];       /* the snapshot generation they show; 0 none */
    struct xm_transitions *transitions; /* mode changes between snapshots (owned) */
    uint64_t counted_gen;           /* the generation last given to transitions */
};

/* RETURN VALUE: 0, or -1 with the reason in err. */
int xe_scraper_init(struct xe_scraper *s, struct xm_collector *c, const struct xe_log *log,
                    const struct xe_scrape_config *cfg, char *err, size_t errsz);
void xe_scraper_dispose(struct xe_scraper *s);

/*
 * xe_scrape
 *
 * Collects and appends the whole page to out. A failed collection is not an
 * error here: it is reported in the page (xen_up 0).
 * RETURN VALUE: 0, or -1 with the reason in err when the page could not be
 * built (out of memory).
 */
int xe_scrape(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out, char *err,
              size_t errsz);

#endif

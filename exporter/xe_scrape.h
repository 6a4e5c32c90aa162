/*
 * xe_scrape.h - one scrape: a snapshot from the core, formatted with the
 * exporter's own families, and the collection state that decides what is
 * logged.
 *
 * The page is: xen_up and the domain families (xm_expo_snapshot; xen_up 0
 * and no domain series when the collection failed), then
 * xen_exporter_scrape_duration_seconds, xen_exporter_build_info and the
 * process_* families, then "# EOF" for OpenMetrics.
 *
 * Logging: a failing collection is logged when the state changes (up to
 * down, down to up, or down for another kind of reason), never once per
 * scrape, so a host without Xen does not flood the journal.
 */
#ifndef XE_SCRAPE_H
#define XE_SCRAPE_H

#include <pthread.h>
#include <stdbool.h>

#include "xe_log.h"
#include "xenmode.h"
#include "xm_expo.h"

struct xe_scraper {
    struct xm_collector *collector; /* not owned */
    const struct xe_log *log;       /* not owned */
    const char *procfs;             /* "/proc" */
    pthread_mutex_t lock;           /* one scrape at a time: keeps state changes in order */
    int state;                      /* -1 before the first scrape, else XM_OK or an xm_err */
};

/* RETURN VALUE: 0, or an errno from pthread_mutex_init. */
int xe_scraper_init(struct xe_scraper *s, struct xm_collector *c, const struct xe_log *log,
                    const char *procfs);
void xe_scraper_destroy(struct xe_scraper *s);

/*
 * xe_scrape
 *
 * Collects and appends the whole page to out. A failed collection is not an
 * error here: it is reported in the page (xen_up 0).
 * RETURN VALUE: 0, or ENOMEM when the page could not be built.
 */
int xe_scrape(struct xe_scraper *s, enum xm_expo_format f, struct xm_buf *out);

#endif

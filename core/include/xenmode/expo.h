/*
 * xenmode/expo.h - the exposition formatter: Prometheus text format 0.0.4 and
 * OpenMetrics 1.0.0 text.
 *
 * Pure functions from values to bytes in an xm_buf. Front ends write the
 * snapshot's families with xm_expo_snapshot() and their own (scrape
 * duration, build info, process_*) with xm_expo_family()/xm_expo_sample(),
 * then xm_expo_end(). Label values are escaped (backslash, double quote,
 * newline) and made valid UTF-8 (invalid bytes become U+FFFD).
 */
#ifndef XENMODE_EXPO_H
#define XENMODE_EXPO_H

#include <stddef.h>

#include "xenmode/util.h"


struct xm_snapshot;   /* xenmode/host.h */
struct xm_transitions; /* xenmode/host.h */
struct xm_config_set; /* xenmode/configs.h */

enum xm_expo_format {
    XM_EXPO_TEXT,        /* text/plain; version=0.0.4 */
    XM_EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
};

enum xm_metric_type { XM_METRIC_GAUGE, XM_METRIC_COUNTER };

struct xm_label {
    const char *name;
    const char *value;
};

#define XM_CONTENT_TYPE_TEXT "text/plain; version=0.0.4; charset=utf-8"
#define XM_CONTENT_TYPE_OPENMETRICS "application/openmetrics-text; version=1.0.0; charset=utf-8"

/* HELP and TYPE lines. For an OpenMetrics counter, name is the sample name
 * ending in _total; the family is written without the suffix. */
void xm_expo_family(struct xm_buf *b, enum xm_expo_format f, const char *name,
                    enum xm_metric_type type, const char *help);
void xm_expo_sample(struct xm_buf *b, const char *name, const struct xm_label *labels,
                    size_t n_labels, double value);
/* "# EOF" for OpenMetrics; nothing for text. */
void xm_expo_end(struct xm_buf *b, enum xm_expo_format f);

/*
 * Writes xen_up and, when snap is not NULL, the domain families
 * (xen_domain_virt_mode with all five modes per domain, xen_domain_info,
 * xen_domain_pv_devices_connected). snap NULL means the collection failed:
 * xen_up 0 and no domain series, so nothing stale is served.
 * Every domain is written, under a domain label of its own: its name made
 * valid UTF-8, or "domid-<N>" for a domain without a name; when several
 * domains end up with the same label (duplicate names, names that differ
 * only in invalid bytes, a name like another's placeholder), the lowest
 * domid keeps it and each other one gets "~<domid>" appended
 * (xm_unique_labels; docs/metrics.md, "Domain labels").
 */
void xm_expo_snapshot(struct xm_buf *b, enum xm_expo_format f, const struct xm_snapshot *snap);
/* As xm_expo_snapshot, plus xen_domain_mode_transitions_total{domain,from,
 * to} from t (a long-running front end's counts; NULL: no such family):
 * for every domain with the hypervisor's HVM flag the hvm -> pvhvm and
 * pvhvm -> hvm pairs (0 until counted), and any other pair once counted. */
void xm_expo_snapshot_counted(struct xm_buf *b, enum xm_expo_format f,
                              const struct xm_snapshot *snap, const struct xm_transitions *t);

/* Appends s as an escaped label value (no quotes). */
void xm_expo_label_value(struct xm_buf *b, const char *s);

/*
 * xm_config_expo
 *
 * Writes the two configuration families with the exposition writer:
 *   xen_domain_configured_virt_mode{domain,mode} 0/1 over pv, pvh, hvm,
 *     pv_in_pvh, for every configuration without error (sorted by name; a
 *     configuration with an empty name is left out: it cannot be a series
 *     of its own);
 *   xen_config_files_failed, the set's n_failed.
 * set NULL means the directory itself could not be read: no
 * configured-mode series, and xen_config_files_failed 1, so an alert on
 * failures still fires.
 */
void xm_config_expo(struct xm_buf *b, enum xm_expo_format f, const struct xm_config_set *set);

#endif

/* When a domain was created (internal to core/host). */
#ifndef XM_START_TIME_H
#define XM_START_TIME_H

#include <stdbool.h>

#include "xenmode/util.h"
#include "xm_xenstore.h"

/*
 * xm_start_time_read
 *
 * *out = the Unix time domain uuid was created: libxl's
 * /vm/<uuid>/start_time (written by the toolstack in dom0, "SECONDS.CC").
 * dom0 has none (no toolstack built it): it was created when the host
 * booted, so its start is the host's boot time (/proc/stat btime), as
 * `xl uptime` reckons it. 0 when unknown (a domain read before libxl wrote
 * the node, a toolstack that writes none, a value that is no time).
 * Adds one evidence line.
 * RETURN VALUE: XM_XS_FOUND, XM_XS_MISSING, or XM_XS_FAILED with err
 * filled (the connection is lost).
 */
int xm_start_time_read(struct xm_xs *xs, const char *uuid, bool dom0, double *out,
                       struct xm_strvec *ev, struct xm_error *err);

/* Parses a start_time value; false unless it is a plausible Unix time. */
bool xm_start_time_parse(const char *s, double *out);

#endif

/*
 * xe_negotiate.h - content negotiation for /metrics: which exposition
 * format (Accept) and whether to gzip (Accept-Encoding), following the
 * q-values the client sends (RFC 9110 section 12.5).
 *
 * Pure functions of the header values, so they are table-tested.
 */
#ifndef XE_NEGOTIATE_H
#define XE_NEGOTIATE_H

#include <stdbool.h>

#include "xenmode/expo.h"

/*
 * xe_negotiate_format
 *
 * The offers are text/plain;version=0.0.4 and
 * application/openmetrics-text;version=1.0.0. Each gets the q of the most
 * specific media range that matches it (a range with a version matches only
 * that version). OpenMetrics is chosen when its q is higher, or equal and
 * its range comes first in the header; anything else, including a missing
 * or unparsable header or nothing acceptable, gives the text format, as
 * the Prometheus client libraries do.
 */
enum xm_expo_format xe_negotiate_format(const char *accept);

/*
 * xe_negotiate_gzip
 *
 * True when gzip (or x-gzip, or "*") has a q above zero and at least the
 * q of identity (identity is acceptable with q 1 unless the header says
 * otherwise). NULL or "" means no compression.
 */
bool xe_negotiate_gzip(const char *accept_encoding);

#endif

/* Guest agent and PV driver values read from a domain's xenstore subtree
 * (attr/PVAddons/..., data/os_*, drivers/<N>): hostile input, cleaned here.
 * Internal to core/host. */
#ifndef XM_AGENT_H
#define XM_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "xenmode/util.h"

/* Bytes kept of one value, and driver entries kept per domain. */
#define XM_AGENT_VALUE_MAX 64
#define XM_AGENT_MAX_DRIVERS 16

/*
 * xm_agent_clean
 *
 * Copies raw into out (outsz bytes, at most XM_AGENT_VALUE_MAX + 1 used)
 * keeping only printable UTF-8: invalid bytes, controls (C0, DEL, C1) and
 * the format characters that reorder or hide text are dropped, and the
 * value is cut at XM_AGENT_VALUE_MAX bytes on a character boundary.
 * RETURN VALUE: true when anything was dropped or cut.
 */
bool xm_agent_clean(const char *raw, char *out, size_t outsz);

/*
 * xm_agent_parse_driver
 *
 * Splits a cleaned Windows driver entry "VENDOR PRODUCT VERSION ATTR" into
 * driver ("VENDOR PRODUCT") and version; an entry with fewer fields is all
 * driver, with an empty version.
 */
void xm_agent_parse_driver(const char *clean, char *driver, size_t driversz, char *version,
                           size_t versionsz);

#endif

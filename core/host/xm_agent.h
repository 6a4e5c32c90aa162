/* Guest agent and PV driver values read from a domain's xenstore subtree
 * (attr/PVAddons/..., data/os_*, drivers/<N>): hostile input, cleaned here.
 * Internal to core/host. */
#ifndef XM_AGENT_H
#define XM_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#include "xenmode/host.h"
#include "xenmode/util.h"
#include "xm_xenstore.h"

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

/* The per-domain nodes, below /local/domain/<id>/, an agent writes and
 * the cache watches (narrowly: data/ as a whole changes every minute with
 * some agents' memory figures). */
#define XM_AGENT_WATCHED_NODES "attr/PVAddons", "data/os_distro", "data/os_name", \
                               "data/os_majorver", "data/os_minorver", "drivers"
#define XM_AGENT_N_WATCHED (sizeof((const char *[]){XM_AGENT_WATCHED_NODES}) / sizeof(const char *))

/*
 * xm_agent_read
 *
 * Reads the agent keys of domain domid into *a (every string malloc'd, ""
 * when absent; release with xm_agent_dispose) and adds one evidence line.
 * Costs one directory listing per place (attr/PVAddons, data, drivers) and
 * one read per value present.
 * RETURN VALUE: XM_XS_FOUND, or XM_XS_FAILED with err filled (connection
 * lost, or out of memory) and *a empty.
 */
int xm_agent_read(struct xm_xs *xs, uint32_t domid, struct xm_guest_agent *a,
                  struct xm_strvec *ev, struct xm_error *err);
void xm_agent_dispose(struct xm_guest_agent *a);
/* Deep copy; false (dst empty) when out of memory. */
bool xm_agent_copy(struct xm_guest_agent *dst, const struct xm_guest_agent *src);

#endif

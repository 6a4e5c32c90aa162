/*
 * xmc_filter.h - the `Domain` selection of <Plugin xenmode>.
 *
 * The same semantics as collectd's ignorelist (used by the virt plugin's
 * `Domain` + `IgnoreSelected`), which collectd does not export to plugins:
 * an entry is an exact name, or a POSIX extended regular expression when it
 * is written between slashes ("/^web-/"). An empty filter selects nothing
 * and ignores nothing: every domain is reported.
 */
#ifndef XMC_FILTER_H
#define XMC_FILTER_H

#include <stdbool.h>
#include <stddef.h>

struct xmc_filter;

/*
 * xmc_filter_add
 *
 * Adds entry to *f (allocated on first use).
 * RETURN VALUE: 0; EINVAL for a regular expression that does not compile or
 * an empty entry (errbuf says why); ENOMEM.
 */
int xmc_filter_add(struct xmc_filter **f, const char *entry, char *errbuf, size_t errsz);

/* true when at least one entry exists. */
bool xmc_filter_has_entries(const struct xmc_filter *f);

/* true when name equals an exact entry or matches a regex entry. */
bool xmc_filter_matches(const struct xmc_filter *f, const char *name);

void xmc_filter_free(struct xmc_filter *f);

#endif

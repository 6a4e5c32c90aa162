/*
 * xmc_names.h - domain names as collectd identifier parts.
 *
 * A Xen domain name is arbitrary bytes; a collectd plugin_instance or
 * type_instance has a length limit (the plugin uses 63 bytes, what
 * collectd's client library can address; the daemon's own limit is 127),
 * and a '/' inside one breaks identifiers ("host/plugin-instance/
 * type-instance"), the unixsock protocol and the csv plugin's file names.
 * These functions are pure (no collectd, no allocation) and take the size
 * as an argument, so they are tested on their own.
 *
 * The rule (docs/collectd.md, "Domain names"):
 *   - a non-empty name of valid UTF-8 without '/' and without control
 *     characters (U+0000-U+001F, U+007F) that fits is used verbatim;
 *   - any other name has each offending byte replaced by '_', is cut at a
 *     character boundary so that the suffix fits, and gets the suffix
 *     "~" + 8 hex digits of the FNV-1a hash of the raw bytes: stable across
 *     reboots and restarts, and two different names never silently become
 *     one;
 *   - an empty name becomes "~<domid>" (xmc_name_suffix);
 *   - results shared by several domains of a read are told apart by the
 *     plugin (xm_unique_labels: the lowest domid keeps it, the others get
 *     "~<domid>").
 */
#ifndef XMC_NAMES_H
#define XMC_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Why a name was not used verbatim (bit flags; 0 = verbatim). */
enum {
    XMC_NAME_EMPTY   = 1 << 0,
    XMC_NAME_UTF8    = 1 << 1, /* bytes that are not valid UTF-8 */
    XMC_NAME_SLASH   = 1 << 2,
    XMC_NAME_CONTROL = 1 << 3,
    XMC_NAME_LONG    = 1 << 4, /* longer than outsz - 1 bytes */
};

/*
 * xmc_name_map
 *
 * Writes the identifier part for raw into out (outsz >= 16 bytes, the
 * NUL included). An empty raw name gives "".
 *
 * RETURN VALUE: 0 when out is raw verbatim, else XMC_NAME_* flags.
 */
unsigned xmc_name_map(const char *raw, char *out, size_t outsz);

/*
 * xmc_name_suffix
 *
 * Appends "~" + tag to the identifier part in out, first cutting out at a
 * UTF-8 character boundary so that the result fits in outsz bytes.
 * out must be valid UTF-8 (any result of xmc_name_map is).
 */
void xmc_name_suffix(char *out, size_t outsz, const char *tag);

/* 32-bit FNV-1a of the bytes of s. */
uint32_t xmc_name_hash(const char *s);

/*
 * xmc_name_escape
 *
 * Writes raw for a log line: valid UTF-8 other than control characters as
 * is, '"' and '\\' backslash-escaped, every other byte as \xNN. A name
 * that does not fit in out ends with "..." (log lines only: identifiers
 * never go through this function).
 */
void xmc_name_escape(const char *raw, char *out, size_t outsz);

/* Writes a human-readable list of the XMC_NAME_* flags in why into out. */
void xmc_name_why(unsigned why, char *out, size_t outsz);

#endif

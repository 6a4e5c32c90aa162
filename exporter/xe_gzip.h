/*
 * xe_gzip.h - gzip (RFC 1952) compression of a response body with zlib.
 */
#ifndef XE_GZIP_H
#define XE_GZIP_H

#include <stddef.h>

#include "xenmode/util.h"

/*
 * xe_gzip
 *
 * Compresses in[0..len) into out (appended). Level 1: metrics text
 * compresses about tenfold even at the fastest level, and scrape latency
 * matters more than the last few bytes.
 * RETURN VALUE: 0, or -1 with a one-line reason in err.
 */
int xe_gzip(const void *in, size_t len, struct xm_buf *out, char *err, size_t errsz);

#endif

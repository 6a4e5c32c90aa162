/* xm_internal.h - helpers shared by the core's own files, not a public API. */
#ifndef XM_INTERNAL_H
#define XM_INTERNAL_H

#include <stdarg.h>

#include "xenmode.h"

/* Frees what a domain owns (not the struct itself). */
void xm_domain_dispose(struct xm_domain *d);

/* Fills err (may be NULL) with code and a formatted one-line message;
 * returns code, so `return xm_set_error(err, ...)` reads naturally. */
int xm_set_error(struct xm_error *err, enum xm_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

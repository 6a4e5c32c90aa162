/*
 * xm_strvec.h - a growable vector of owned strings (the evidence lists).
 */
#ifndef XM_STRVEC_H
#define XM_STRVEC_H

#include <stdbool.h>
#include <stddef.h>

struct xm_strvec {
    char **items;
    size_t n;
    size_t cap;
    bool failed; /* an allocation failed; later adds are no-ops */
};

void xm_strvec_init(struct xm_strvec *v);
void xm_strvec_free(struct xm_strvec *v);
void xm_strvec_addf(struct xm_strvec *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves the items out (caller frees each and the array); v is reset. */
char **xm_strvec_steal(struct xm_strvec *v, size_t *n);

/*
 * xm_quote_value: writes s into out (size outsz) as a printable token for
 * evidence lines: bytes outside printable ASCII become \xNN, and a value
 * longer than fits is cut with "..." - evidence is for people, the full
 * value is never used for decisions after quoting.
 */
void xm_quote_value(const char *s, char *out, size_t outsz);

#endif

/*
 * xm_buf.h - a growable byte buffer.
 *
 * Appends never truncate: names are arbitrary bytes, so the buffer grows or
 * records the failure. After an allocation failure every later append is a
 * no-op and xm_buf_failed() is true; the caller checks once at the end.
 */
#ifndef XM_BUF_H
#define XM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct xm_buf {
    char *data;   /* NUL-terminated when len > 0 or after xm_buf_cstr() */
    size_t len;
    size_t cap;
    bool failed;
};

void xm_buf_init(struct xm_buf *b);
void xm_buf_free(struct xm_buf *b);
void xm_buf_reset(struct xm_buf *b);  /* len = 0, keeps the memory */
void xm_buf_append(struct xm_buf *b, const void *data, size_t len);
/* Makes room for extra more bytes at once (a page of known size grows in
 * one allocation instead of a dozen doublings). */
void xm_buf_reserve(struct xm_buf *b, size_t extra);
void xm_buf_puts(struct xm_buf *b, const char *s);
void xm_buf_putc(struct xm_buf *b, char c);
void xm_buf_printf(struct xm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the contents as a C string ("" when empty); NULL after a failure. */
const char *xm_buf_cstr(struct xm_buf *b);
/* Hands the malloc'd contents to the caller and resets b; NULL on failure. */
char *xm_buf_steal(struct xm_buf *b);
static inline bool xm_buf_failed(const struct xm_buf *b) { return b->failed; }

#endif

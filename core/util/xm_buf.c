#include "xenmode/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xm_buf_init(struct xm_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void xm_buf_dispose(struct xm_buf *b)
{
    free(b->data);
    xm_buf_init(b);
}

void xm_buf_reset(struct xm_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for extra bytes plus the terminating NUL. */
static bool reserve(struct xm_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > (size_t)-1 / 2 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    if (cap > need && need > 65536 && !b->cap)
        cap = need; /* a reserved page: exactly what was asked */
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void xm_buf_reserve(struct xm_buf *b, size_t extra)
{
    (void)reserve(b, extra);
}

void xm_buf_append(struct xm_buf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void xm_buf_puts(struct xm_buf *b, const char *s)
{
    xm_buf_append(b, s, strlen(s));
}

void xm_buf_putc(struct xm_buf *b, char c)
{
    xm_buf_append(b, &c, 1);
}

void xm_buf_printf(struct xm_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[128];

    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        xm_buf_append(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *xm_buf_cstr(struct xm_buf *b)
{
    if (b->failed)
        return NULL;
    if (!b->data && !reserve(b, 0))
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

char *xm_buf_steal(struct xm_buf *b)
{
    if (!xm_buf_cstr(b)) {
        xm_buf_dispose(b);
        return NULL;
    }
    char *p = b->data;
    xm_buf_init(b);
    return p;
}

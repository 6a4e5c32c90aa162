#include "xenmode/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xm_strvec_init(struct xm_strvec *v)
{
    v->items = NULL;
    v->n = 0;
    v->cap = 0;
    v->failed = false;
}

void xm_strvec_dispose(struct xm_strvec *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    free(v->items);
    xm_strvec_init(v);
}

void xm_strvec_addf(struct xm_strvec *v, const char *fmt, ...)
{
    if (v->failed)
        return;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        char **p = realloc(v->items, cap * sizeof *p);
        if (!p) {
            v->failed = true;
            return;
        }
        v->items = p;
        v->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int rc = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        v->failed = true;
        return;
    }
    v->items[v->n++] = s;
}

char **xm_strvec_steal(struct xm_strvec *v, size_t *n)
{
    char **items = v->items;
    *n = v->n;
    xm_strvec_init(v);
    return items;
}

void xm_quote_value(const char *s, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (outsz < 8) {
        if (outsz)
            out[0] = '\0';
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = *p >= 0x20 && *p < 0x7f && *p != '\\';
        size_t need = plain ? 1 : (*p == '\\' ? 2 : 4);
        if (o + need + 4 > outsz) { /* keep room for "..." and NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (plain) {
            out[o++] = (char)*p;
        } else if (*p == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

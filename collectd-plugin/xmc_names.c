/*
 * xmc_names.c - domain names as collectd identifier parts (see xmc_names.h).
 */
#include "xmc_names.h"

#include "xenmode/util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define XMC_HASH_SUFFIX_LEN 9 /* "~" + 8 hex digits */

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

uint32_t xmc_name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

/* Cuts the valid UTF-8 string out to at most max bytes, at a boundary. */
static void cut_utf8(char *out, size_t max)
{
    size_t len = strlen(out);
    if (len <= max)
        return;
    while (max > 0 && ((unsigned char)out[max] & 0xC0) == 0x80)
        max--;
    out[max] = '\0';
}

unsigned xmc_name_map(const char *raw, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t o = 0;
    unsigned why = 0;
    /* The sanitized name is built up to the largest size that could be kept
     * verbatim; anything beyond is cut anyway. */
    size_t limit = outsz - 1;

    if (*p == '\0') {
        out[0] = '\0';
        return XMC_NAME_EMPTY;
    }
    while (*p) {
        size_t len = xm_utf8_seq_len(p);
        if (len == 0 || is_control(*p) || *p == '/') {
            why |= len == 0 ? XMC_NAME_UTF8 : *p == '/' ? XMC_NAME_SLASH : XMC_NAME_CONTROL;
            if (o < limit)
                out[o++] = '_';
            else
                why |= XMC_NAME_LONG;
            p++;
            continue;
        }
        if (o + len <= limit) {
            memcpy(out + o, p, len);
            o += len;
        } else {
            why |= XMC_NAME_LONG;
            limit = o; /* keep the cut at a character boundary */
        }
        p += len;
    }
    out[o] = '\0';
    if (why != 0) {
        char tag[16];
        snprintf(tag, sizeof(tag), "%08x", (unsigned)xmc_name_hash(raw));
        xmc_name_suffix(out, outsz, tag);
    }
    return why;
}

void xmc_name_suffix(char *out, size_t outsz, const char *tag)
{
    size_t taglen = strlen(tag) + 1; /* "~" + tag */
    if (taglen + 1 > outsz) {
        out[0] = '\0';
        return;
    }
    cut_utf8(out, outsz - 1 - taglen);
    size_t len = strlen(out);
    out[len] = '~';
    memcpy(out + len + 1, tag, taglen); /* includes the NUL */
}

void xmc_name_escape(const char *raw, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t o = 0;

    if (outsz < 5) {
        if (outsz > 0)
            out[0] = '\0';
        return;
    }
    while (*p) {
        char piece[8];
        size_t plen;
        size_t len = xm_utf8_seq_len(p);

        if (len == 0 || is_control(*p)) {
            plen = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", *p);
            len = 1;
        } else if (*p == '"' || *p == '\\') {
            piece[0] = '\\';
            piece[1] = (char)*p;
            plen = 2;
        } else {
            memcpy(piece, p, len);
            plen = len;
        }
        if (o + plen > outsz - 4) { /* room for "..." and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        p += len;
    }
    out[o] = '\0';
}

void xmc_name_why(unsigned why, char *out, size_t outsz)
{
    static const struct {
        unsigned flag;
        const char *text;
    } reasons[] = {
        {XMC_NAME_EMPTY, "empty"},
        {XMC_NAME_SLASH, "contains '/'"},
        {XMC_NAME_CONTROL, "contains control characters"},
        {XMC_NAME_UTF8, "is not valid UTF-8"},
        {XMC_NAME_LONG, "is too long"},
    };
    size_t o = 0;

    if (outsz == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (!(why & reasons[i].flag))
            continue;
        int n = snprintf(out + o, outsz - o, "%s%s", o ? ", " : "", reasons[i].text);
        if (n < 0 || (size_t)n >= outsz - o)
            return;
        o += (size_t)n;
    }
}

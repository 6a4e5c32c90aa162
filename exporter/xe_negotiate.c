/* Accept and Accept-Encoding parsing. Headers are split on commas into
 * elements "token *( ; param )"; quoted parameter values may hold commas
 * and semicolons. An element with a malformed q is ignored (RFC 9110). */
#include "xe_negotiate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKEN 128

/* One header element: the token (media range or coding) and the params we
 * look at. q is in thousandths (0..1000), so comparisons are exact. */
struct element {
    char token[MAX_TOKEN];
    char version[32];
    bool has_version;
    int q;
    bool bad;
};

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); -1 if bad. */
static int parse_q(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int whole = s[0] - '0', frac = 0, digits = 0;
    if (n > 1) {
        if (s[1] != '.' || n > 5)
            return -1;
        for (size_t i = 2; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return -1;
            frac = frac * 10 + (s[i] - '0');
            digits++;
        }
    }
    while (digits++ < 3)
        frac *= 10;
    int q = whole * 1000 + frac;
    return q > 1000 ? -1 : q;
}

/* Copies [s, s+n) without surrounding whitespace or quotes into out. */
static void copy_trimmed(char *out, size_t outsz, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        s++, n -= 2;
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Parses the element starting at p (up to the next unquoted comma or the
 * end) into e; returns where the next element starts. */
static const char *next_element(const char *p, struct element *e)
{
    memset(e, 0, sizeof *e);
    e->q = 1000;
    p = skip_ws(p);
    const char *tok = p;
    while (*p && *p != ',' && *p != ';')
        p++;
    copy_trimmed(e->token, sizeof e->token, tok, (size_t)(p - tok));
    while (*p == ';') {
        p = skip_ws(p + 1);
        const char *name = p;
        while (*p && *p != '=' && *p != ',' && *p != ';')
            p++;
        size_t namelen = (size_t)(p - name);
        while (namelen && (name[namelen - 1] == ' ' || name[namelen - 1] == '\t'))
            namelen--;
        const char *val = p;
        size_t vallen = 0;
        if (*p == '=') {
            val = skip_ws(p + 1);
            p = val;
            if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && p[1])
                        p++;
                    p++;
                }
                if (*p == '"')
                    p++;
            } else {
                while (*p && *p != ',' && *p != ';')
                    p++;
            }
            vallen = (size_t)(p - val);
            while (vallen && (val[vallen - 1] == ' ' || val[vallen - 1] == '\t'))
                vallen--;
            while (*p && *p != ',' && *p != ';')
                p++; /* junk after a quoted value */
        }
        if (namelen == 1 && (name[0] == 'q' || name[0] == 'Q')) {
            e->q = parse_q(val, vallen);
            if (e->q < 0)
                e->bad = true;
        } else if (namelen == 7 && strncasecmp(name, "version", 7) == 0) {
            copy_trimmed(e->version, sizeof e->version, val, vallen);
            e->has_version = true;
        }
    }
    if (*p == ',')
        p++;
    if (!e->token[0])
        e->bad = true;
    return p;
}

struct offer {
    const char *type, *subtype, *version;
    int q;           /* -1 until a range matches */
    int specificity; /* of the matching range */
    int index;       /* position of that range in the header */
};

/* How specifically the range type/subtype;version matches the offer:
 * 0 for any type, 1 "type/any", 2 "type/subtype", 3 with the same version;
 * -1 no match. */
static int match(const struct element *e, const struct offer *o)
{
    char *slash = strchr(e->token, '/');
    if (!slash)
        return -1;
    size_t tlen = (size_t)(slash - e->token);
    const char *sub = slash + 1;
    if (tlen == 1 && e->token[0] == '*')
        return strcmp(sub, "*") == 0 ? 0 : -1;
    if (strlen(o->type) != tlen || strncasecmp(e->token, o->type, tlen) != 0)
        return -1;
    if (strcmp(sub, "*") == 0)
        return 1;
    if (strcasecmp(sub, o->subtype) != 0)
        return -1;
    if (!e->has_version)
        return 2;
    return strcmp(e->version, o->version) == 0 ? 3 : -1;
}

enum xm_expo_format xe_negotiate_format(const char *accept)
{
    struct offer offers[2] = {
        {"text", "plain", "0.0.4", -1, -1, 0},
        {"application", "openmetrics-text", "1.0.0", -1, -1, 0},
    };
    if (!accept)
        return XM_EXPO_TEXT;
    const char *p = accept;
    for (int index = 0; *p; index++) {
        struct element e;
        p = next_element(p, &e);
        if (e.bad)
            continue;
        for (int i = 0; i < 2; i++) {
            int s = match(&e, &offers[i]);
            if (s < 0)
                continue;
            /* The most specific range decides; among equals, the higher q. */
            if (s > offers[i].specificity ||
                (s == offers[i].specificity && e.q > offers[i].q)) {
                offers[i].specificity = s;
                offers[i].q = e.q;
                offers[i].index = index;
            }
        }
    }
    const struct offer *text = &offers[0], *om = &offers[1];
    if (om->q <= 0)
        return XM_EXPO_TEXT;
    if (om->q > text->q || (om->q == text->q && om->index < text->index))
        return XM_EXPO_OPENMETRICS;
    return XM_EXPO_TEXT;
}

bool xe_negotiate_gzip(const char *accept_encoding)
{
    int gzip_q = -1, identity_q = -1, star_q = -1;
    if (!accept_encoding)
        return false;
    const char *p = accept_encoding;
    while (*p) {
        struct element e;
        p = next_element(p, &e);
        if (e.bad)
            continue;
        int *slot = NULL;
        if (strcasecmp(e.token, "gzip") == 0 || strcasecmp(e.token, "x-gzip") == 0)
            slot = &gzip_q;
        else if (strcasecmp(e.token, "identity") == 0)
            slot = &identity_q;
        else if (strcmp(e.token, "*") == 0)
            slot = &star_q;
        if (slot && e.q > *slot)
            *slot = e.q;
    }
    if (gzip_q < 0)
        gzip_q = star_q < 0 ? 0 : star_q;
    /* RFC 9110 12.5.3: identity is acceptable unless "identity;q=0", or
     * "*;q=0" with no entry for identity, excludes it. */
    if (identity_q < 0)
        identity_q = star_q == 0 ? 0 : 1000;
    return gzip_q > 0 && gzip_q >= identity_q;
}

/* Guest agent and PV driver values (see xm_agent.h): written by the guest,
 * so they are cleaned to short printable UTF-8 before anything else sees
 * them. */
#include "xm_agent.h"

#include <stdio.h>
#include <string.h>

/* The code point of a valid sequence of len bytes at s. */
static unsigned long code_point(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned long cp = s[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* Controls and the format characters that reorder or hide text (bidi
 * embeddings, overrides and isolates, zero-width marks): none belongs in a
 * label value someone reads. */
static bool printable(unsigned long cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return false;
    if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
        return false;
    return true;
}

bool xm_agent_clean(const char *raw, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t o = 0;
    bool changed = false;
    if (outsz == 0)
        return raw[0] != '\0';
    while (*p) {
        size_t len = xm_utf8_seq_len(p);
        if (len == 0 || !printable(code_point(p, len))) {
            /* Dropped: invalid bytes and controls carry nothing to show,
             * and a replacement character per byte would spend the cap. */
            p += len ? len : 1;
            changed = true;
            continue;
        }
        if (o + len > outsz - 1 || o + len > XM_AGENT_VALUE_MAX) {
            changed = true; /* cut on a character boundary */
            break;
        }
        memcpy(out + o, p, len);
        o += len;
        p += len;
    }
    out[o] = '\0';
    return changed;
}

void xm_agent_parse_driver(const char *clean, char *driver, size_t driversz, char *version,
                           size_t versionsz)
{
    /* "VENDOR PRODUCT VERSION ATTR": the driver is vendor and product, the
     * version the third field. Anything shorter is all driver. */
    char a[XM_AGENT_VALUE_MAX + 1], b[XM_AGENT_VALUE_MAX + 1], c[XM_AGENT_VALUE_MAX + 1];
    if (sscanf(clean, "%64s %64s %64s", a, b, c) == 3) {
        snprintf(driver, driversz, "%s %s", a, b);
        snprintf(version, versionsz, "%s", c);
        return;
    }
    snprintf(driver, driversz, "%s", clean);
    if (versionsz)
        version[0] = '\0';
}

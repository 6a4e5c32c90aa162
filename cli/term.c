/* Text for a terminal (see cli.h, cli_term_text): nothing a name contains
 * can move the cursor, change the terminal's state, or reorder what is
 * printed after it. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* Code points shown escaped: C0 and C1 controls and DEL (cursor movement,
 * escape sequences: ESC and CSI U+009B), and the format characters that
 * reorder or hide text: ALM U+061C, zero-width spaces and joiners and the
 * LRM/RLM marks U+200B-U+200F, line/paragraph separators and the bidi
 * embeddings and overrides U+2028-U+202E, word joiner, invisible operators
 * and the bidi isolates U+2060-U+2069, and the BOM U+FEFF. */
static bool escaped(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* The code point of a valid sequence of len bytes. */
static uint32_t decode(const unsigned char *p, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    return cp;
}

static void put(struct xm_buf *b, const char *s, size_t len)
{
    if (b)
        xm_buf_append(b, s, len);
}

size_t cli_term_text(struct xm_buf *b, const char *s, bool escape_backslash)
{
    char *clean = xm_utf8_sanitize(s, NULL);
    size_t cols = 0;
    if (!clean) {
        if (b)
            b->failed = true;
        return 0;
    }
    for (const unsigned char *p = (const unsigned char *)clean; *p;) {
        size_t len = xm_utf8_seq_len(p); /* >= 1: clean is valid UTF-8 */
        uint32_t cp = decode(p, len);
        char esc[16];
        int n = 0;
        if (cp == '\\' && escape_backslash)
            n = snprintf(esc, sizeof esc, "\\\\");
        else if (cp == '\n')
            n = snprintf(esc, sizeof esc, "\\n");
        else if (cp == '\t')
            n = snprintf(esc, sizeof esc, "\\t");
        else if (cp < 0x80 && escaped(cp))
            n = snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
        else if (escaped(cp))
            n = snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
        if (n > 0) {
            put(b, esc, (size_t)n);
            cols += (size_t)n;
        } else {
            put(b, (const char *)p, len);
            cols++;
        }
        p += len;
    }
    free(clean);
    return cols;
}

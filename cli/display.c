#include <stdbool.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"

void cli_put_display(FILE *out, const char *s)
{
    char *clean = xm_utf8_sanitize(s, NULL);
    const unsigned char *p = (const unsigned char *)(clean ? clean : "");
    for (; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\t')
            fputs("\\t", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    free(clean);
}

void cli_put_evidence(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, out);
}

size_t cli_display_width(const char *s)
{
    char *clean = xm_utf8_sanitize(s, NULL);
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)(clean ? clean : ""); *p; p++) {
        if (*p == '\\' || *p == '\n' || *p == '\t')
            w += 2;
        else if (*p < 0x20 || *p == 0x7f)
            w += 4;
        else if ((*p & 0xC0) != 0x80)
            w++;
    }
    free(clean);
    return w;
}

struct xm_snapshot *cli_snapshot(void)
{
    struct xm_collector *c = NULL;
    struct xm_snapshot *snap = NULL;
    struct xm_error err = {0};

    if (xm_collector_new_oneshot(&c, &err) != XM_OK) {
        cli_error("%s", err.message);
        return NULL;
    }
    if (xm_collector_snapshot(c, &snap, &err) != XM_OK)
        cli_error("%s", err.message);
    xm_collector_free(c);
    return snap;
}

int cli_print_json(json_t *v)
{
    int rc = json_dumpf(v, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(v);
    return rc;
}

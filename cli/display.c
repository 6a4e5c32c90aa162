#include <stdbool.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli.h"

static void put_term(FILE *out, const char *s, bool escape_backslash)
{
    struct xm_buf b;
    xm_buf_init(&b);
    cli_term_text(&b, s, escape_backslash);
    if (!xm_buf_failed(&b))
        fwrite(b.data, 1, b.len, out);
    else
        fputs("?", out); /* out of memory: never the raw bytes */
    xm_buf_dispose(&b);
}

void cli_put_display(FILE *out, const char *s)
{
    put_term(out, s, true);
}

void cli_put_evidence(FILE *out, const char *s)
{
    put_term(out, s, false);
}

size_t cli_display_width(const char *s)
{
    return cli_term_text(NULL, s, true);
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

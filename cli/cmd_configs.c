/* xenmode configs: the mode each domain configuration file asks for, and,
 * when Xen can be read, whether the domain runs and in which mode. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "xenmode/configs.h"

/* Exit statuses of `configs` (see xenmode(1)). */

static void configs_usage(FILE *out)
{
    fprintf(out,
            "usage: xenmode configs [--xen.config-dir DIR] [--format table|json] [--all]\n"
            "\n"
            "  --xen.config-dir DIR  the xl configuration directory (default %s);\n"
            "                        DIR/*.cfg and every file of DIR/%s are read\n"
            "  --format FORMAT       table (default) or json\n"
            "  --all                 also list the files left out on purpose, with the reason\n",
            XM_CONFIG_DEFAULT_DIR, XM_CONFIG_AUTO_SUBDIR);
}

struct configs_args {
    const char *dir;
    bool json, all;
};
static const struct cli_opt configs_opts[] = {
    {"xen.config-dir", CLI_STRING, offsetof(struct configs_args, dir), {NULL, NULL}, true},
    {"format", CLI_CHOICE, offsetof(struct configs_args, json), {"table", "json"}, false},
    {"all", CLI_FLAG, offsetof(struct configs_args, all), {NULL, NULL}, false},
    {NULL, CLI_FLAG, 0, {NULL, NULL}, false},
};
static const struct cli_options configs_cli = {"configs", configs_usage, configs_opts};

/* What Xen says about one configured domain. */
struct running {
    bool known;       /* Xen could be read */
    const struct xm_domain *dom; /* NULL: not running */
};

static struct running running_of(const struct xm_snapshot *snap, const struct xm_config *c)
{
    struct running r = {snap != NULL, NULL};
    if (!snap || c->error || !c->name || !c->name[0])
        return r;
    /* Two domains of one name (a reboot racing the listing): the newest. */
    for (size_t i = 0; i < snap->n_domains; i++)
        if (snap->domains[i].name && strcmp(snap->domains[i].name, c->name) == 0 &&
            (!r.dom || snap->domains[i].domid > r.dom->domid))
            r.dom = &snap->domains[i];
    return r;
}

static void put_problem(const char *file, const char *what)
{
    fputs("xenmode: configs: ", stderr);
    cli_put_display(stderr, file);
    fputs(": ", stderr);
    cli_put_evidence(stderr, what); /* the core made it printable already */
    fputc('\n', stderr);
}

static void pad(size_t used, size_t width)
{
    for (; used < width; used++)
        fputc(' ', stdout);
}

/* WIDTH: 32 or 64 for a PV configuration of known width, "?" for one of
 * unknown width (the JSON says why), "-" for the other modes. */
static void pv_width_text(const struct xm_config *c, char *out, size_t outsz)
{
    if (c->mode != XM_MODE_PV)
        snprintf(out, outsz, "-");
    else if (!c->pv_width_bits)
        snprintf(out, outsz, "?");
    else
        snprintf(out, outsz, "%u", c->pv_width_bits);
}

static void print_table(const struct xm_config_set *set, const struct xm_snapshot *snap, bool all)
{
    size_t name_w = strlen("NAME");
    for (size_t i = 0; i < set->n_configs; i++) {
        const struct xm_config *c = &set->configs[i];
        if (!c->error && cli_display_width(c->name) > name_w)
            name_w = cli_display_width(c->name);
    }
    printf("%-*s  %-9s  %-5s  %-9s  %-8s  %-4s  %s\n", (int)name_w, "NAME", "MODE", "WIDTH",
           "RUNNING", "MISMATCH", "AUTO", "FILE");
    for (size_t i = 0; i < set->n_configs; i++) {
        const struct xm_config *c = &set->configs[i];
        if (c->error)
            continue; /* named on stderr */
        struct running r = running_of(snap, c);
        const char *running = !r.known ? "?" : r.dom ? xm_mode_name(r.dom->mode) : "-";
        const char *mismatch = !r.dom ? "-"
                               : xm_config_mismatch(c->mode, r.dom->mode) ? "yes" : "no";
        char width[16];
        pv_width_text(c, width, sizeof width);
        cli_put_display(stdout, c->name);
        pad(cli_display_width(c->name), name_w);
        printf("  %-9s  %-5s  %-9s  %-8s  %-4s  ", xm_mode_name(c->mode), width, running,
               mismatch, c->autostart ? "yes" : "no");
        cli_put_display(stdout, c->file);
        fputc('\n', stdout);
    }
    if (all) {
        for (size_t i = 0; i < set->n_skipped; i++) {
            fputs("skipped: ", stdout);
            cli_put_display(stdout, set->skipped[i].file);
            printf(" (%s)\n", set->skipped[i].reason);
        }
    }
}

/* jansson refuses invalid UTF-8; names and paths are arbitrary bytes. */
static json_t *json_text(const char *s)
{
    if (!s)
        return json_null();
    char *clean = xm_utf8_sanitize(s, NULL);
    json_t *j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}

static json_t *config_json(const struct xm_config *c, const struct xm_snapshot *snap)
{
    struct running r = running_of(snap, c);
    json_t *o = json_object(), *w = json_array();
    if (!o || !w)
        goto fail;
    for (size_t k = 0; k < c->n_warnings; k++)
        if (json_array_append_new(w, json_text(c->warnings[k])))
            goto fail;
    json_t *running = c->error || !r.known ? json_null() : json_boolean(r.dom != NULL);
    json_t *mismatch = r.dom ? json_boolean(xm_config_mismatch(c->mode, r.dom->mode))
                             : json_null();
    if (json_object_set_new(o, "file", json_text(c->file)) ||
        json_object_set_new(o, "name", json_text(c->name)) ||
        json_object_set_new(o, "mode", c->error ? json_null()
                                                : json_string(xm_mode_name(c->mode))) ||
        json_object_set_new(o, "pv_guest_width_bits",
                            !c->error && c->mode == XM_MODE_PV && c->pv_width_bits
                                ? json_integer(c->pv_width_bits) : json_null()) ||
        json_object_set_new(o, "pv_guest_width_reason",
                            !c->error && c->mode == XM_MODE_PV ? json_text(c->pv_width_reason)
                                                               : json_null()) ||
        json_object_set_new(o, "running", running) ||
        json_object_set_new(o, "running_mode", r.dom ? json_string(xm_mode_name(r.dom->mode))
                                                     : json_null()) ||
        json_object_set_new(o, "mismatch", mismatch) ||
        json_object_set_new(o, "autostart", json_boolean(c->autostart)) ||
        json_object_set_new(o, "error", json_text(c->error)) ||
        json_object_set_new(o, "warnings", w)) {
        json_decref(o);
        return NULL;
    }
    return o;
fail:
    json_decref(w);
    json_decref(o);
    return NULL;
}

static json_t *skipped_json(const struct xm_config_skipped *s)
{
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "file", json_text(s->file)) ||
        json_object_set_new(o, "name", json_null()) ||
        json_object_set_new(o, "mode", json_null()) ||
        json_object_set_new(o, "running_mode", json_null()) ||
        json_object_set_new(o, "skipped", json_string(s->reason))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int print_json(const struct xm_config_set *set, const struct xm_snapshot *snap, bool all)
{
    json_t *arr = json_array();
    if (!arr)
        return -1;
    for (size_t i = 0; i < set->n_configs; i++)
        if (json_array_append_new(arr, config_json(&set->configs[i], snap)))
            goto fail;
    for (size_t i = 0; all && i < set->n_skipped; i++)
        if (json_array_append_new(arr, skipped_json(&set->skipped[i])))
            goto fail;
    return cli_print_json(arr);
fail:
    json_decref(arr);
    return -1;
}

int cmd_configs(int argc, char **argv)
{
    struct configs_args a = {.dir = XM_CONFIG_DEFAULT_DIR};
    CLI_PARSE_OPTIONS(&configs_cli, argc, argv, &a);
    const char *dir = a.dir;
    bool json = a.json, all = a.all;

    struct xm_error err = {0};
    struct xm_config_set *set = NULL;
    if (xm_config_scan(dir, &set, &err) != XM_OK) {
        cli_error("configs: %s", err.message);
        return EXIT_ERROR;
    }

    /* The running side is optional: without Xen, configs are still listed. */
    struct xm_collector *col = NULL;
    struct xm_snapshot *snap = NULL;
    if (xm_collector_new_oneshot(&col, &err) != XM_OK ||
        xm_collector_snapshot(col, &snap, &err) != XM_OK)
        cli_error("configs: running modes not shown: %s", err.message);
    xm_collector_free(col);

    for (size_t i = 0; i < set->n_configs; i++) {
        const struct xm_config *cf = &set->configs[i];
        if (cf->error)
            put_problem(cf->file, cf->error);
        for (size_t k = 0; k < cf->n_warnings; k++)
            put_problem(cf->file, cf->warnings[k]);
    }

    int rc = set->n_failed ? EXIT_FINDING : EXIT_OK;
    if (json) {
        if (print_json(set, snap, all) != 0) {
            cli_error("configs: cannot write JSON output");
            rc = EXIT_ERROR;
        }
    } else {
        print_table(set, snap, all);
    }
    xm_snapshot_free(snap);
    xm_config_set_free(set);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("configs: cannot write output");
        rc = EXIT_ERROR;
    }
    return rc;
}

/* xenmode list: every domain with its mode, as a table or JSON. */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static void list_usage(FILE *out)
{
    fprintf(out,
            "usage: xenmode list [--format table|json] [--explain]\n"
            "\n"
            "  --format FORMAT  table (default) or json\n"
            "  --explain        show the evidence that decided each domain's mode\n");
}

struct list_args {
    bool json, explain;
};
static const struct cli_opt list_opts[] = {
    {"format", CLI_CHOICE, offsetof(struct list_args, json), {"table", "json"}, false},
    {"explain", CLI_FLAG, offsetof(struct list_args, explain), {NULL, NULL}, false},
    {NULL, CLI_FLAG, 0, {NULL, NULL}, false},
};
static const struct cli_options list_cli = {"list", list_usage, list_opts};

static void put_devices(FILE *out, const struct xm_domain *d)
{
    if (d->n_devices == 0) {
        fputc('-', out);
        return;
    }
    for (size_t k = 0; k < d->n_devices; k++) {
        if (k)
            fputc(',', out);
        cli_put_display(out, d->devices[k].kind);
        fprintf(out, "=%u", d->devices[k].connected);
    }
}

/* "hap", "shadow", or NULL when not applicable (PV) or unknown. */
static const char *paging_name(enum xm_paging p)
{
    return p == XM_PAGING_HAP ? "hap" : p == XM_PAGING_SHADOW ? "shadow" : NULL;
}

static void print_table(const struct xm_snapshot *snap, bool explain)
{
    size_t name_w = strlen("NAME");
    for (size_t i = 0; i < snap->n_domains; i++) {
        size_t w = cli_display_width(snap->domains[i].name);
        if (w > name_w)
            name_w = w;
    }
    printf("%-5s  %-*s  %-9s  %-5s  %-6s  %s\n", "DOMID", (int)name_w, "NAME", "MODE", "WIDTH",
           "PAGING", "PV-DEVICES");
    for (size_t i = 0; i < snap->n_domains; i++) {
        const struct xm_domain *d = &snap->domains[i];
        printf("%-5" PRIu32 "  ", d->domid);
        cli_put_display(stdout, d->name);
        const char *paging = paging_name(d->paging);
        char width[16] = "-";
        if (d->pv_width_bits)
            snprintf(width, sizeof width, "%u", d->pv_width_bits);
        printf("%*s  %-9s  %-5s  %-6s  ", (int)(name_w - cli_display_width(d->name)), "",
               xm_mode_name(d->mode), width, paging ? paging : "-");
        put_devices(stdout, d);
        fputc('\n', stdout);
        if (explain) {
            fputs("       evidence: ", stdout);
            for (size_t e = 0; e < d->n_evidence; e++) {
                if (e)
                    fputs("; ", stdout);
                cli_put_evidence(stdout, d->evidence[e]);
            }
            fputc('\n', stdout);
        }
    }
}

/* jansson refuses invalid UTF-8; names are arbitrary bytes. */
static json_t *json_name(const char *s)
{
    char *clean = xm_utf8_sanitize(s, NULL);
    json_t *j = clean ? json_string(clean) : NULL;
    free(clean);
    return j;
}

/* The guest agent's values (already cleaned by the core), or null. */
static json_t *agent_json(const struct xm_guest_agent *a)
{
    if (!a->present)
        return json_null();
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "agent_version", a->version, "os_distro",
                          a->os_distro, "os_name", a->os_name, "os_version", a->os_version);
    json_t *drivers = json_array();
    if (!o || !drivers || json_object_set_new(o, "pv_drivers", drivers)) {
        json_decref(o);
        return NULL;
    }
    for (size_t i = 0; i < a->n_drivers; i++)
        if (json_array_append_new(drivers, json_pack("{s:s,s:s}", "driver", a->drivers[i].driver,
                                                     "version", a->drivers[i].version))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *domain_json(const struct xm_domain *d, bool explain)
{
    json_t *o = json_object();
    json_t *devs = json_object();
    if (!o || !devs)
        goto fail;
    for (size_t k = 0; k < d->n_devices; k++) {
        char *kind = xm_utf8_sanitize(d->devices[k].kind, NULL);
        int rc = kind ? json_object_set_new(devs, kind, json_integer(d->devices[k].connected)) : -1;
        free(kind);
        if (rc)
            goto fail;
    }
    if (json_object_set_new(o, "domid", json_integer(d->domid)) ||
        json_object_set_new(o, "name", json_name(d->name)) ||
        json_object_set_new(o, "uuid", json_string(d->uuid)) ||
        json_object_set_new(o, "mode", json_string(xm_mode_name(d->mode))) ||
        json_object_set_new(o, "hvm_flag", json_boolean(d->hvm_flag)) ||
        json_object_set_new(o, "dom0", json_boolean(d->dom0)) ||
        json_object_set_new(o, "pv_guest_width_bits",
                            d->pv_width_bits ? json_integer(d->pv_width_bits) : json_null()) ||
        json_object_set_new(o, "paging", paging_name(d->paging)
                                             ? json_string(paging_name(d->paging))
                                             : json_null()) ||
        json_object_set_new(o, "pv_devices_connected", devs) ||
        json_object_set_new(o, "start_time",
                            d->start_time > 0 ? json_real(d->start_time) : json_null()) ||
        json_object_set_new(o, "guest_agent", agent_json(&d->agent)))
        goto fail_obj;
    if (explain) {
        json_t *ev = json_array();
        if (!ev || json_object_set_new(o, "evidence", ev))
            goto fail_obj;
        for (size_t e = 0; e < d->n_evidence; e++)
            if (json_array_append_new(ev, json_name(d->evidence[e])))
                goto fail_obj;
    }
    return o;
fail:
    json_decref(devs);
fail_obj:
    json_decref(o);
    return NULL;
}

static int print_json(const struct xm_snapshot *snap, bool explain)
{
    json_t *arr = json_array();
    if (!arr)
        return -1;
    for (size_t i = 0; i < snap->n_domains; i++) {
        if (json_array_append_new(arr, domain_json(&snap->domains[i], explain))) {
            json_decref(arr);
            return -1;
        }
    }
    return cli_print_json(arr);
}

int cmd_list(int argc, char **argv)
{
    struct list_args a = {0};
    CLI_PARSE_OPTIONS(&list_cli, argc, argv, &a);

    struct xm_snapshot *snap = cli_snapshot();
    if (!snap)
        return EXIT_NOXEN;
    int rc = EXIT_OK;
    if (a.json) {
        if (print_json(snap, a.explain) != 0) {
            cli_error("list: cannot write JSON output");
            rc = EXIT_ERROR;
        }
    } else {
        print_table(snap, a.explain);
    }
    xm_snapshot_free(snap);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("list: cannot write output");
        rc = EXIT_ERROR;
    }
    return rc;
}

/* xenmode self: the mode of the machine xenmode runs on, from inside it.
 * Exit 0 on Xen, 1 when not on Xen, 2 on errors. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "xenmode/guest.h"


static void self_usage(FILE *out)
{
    fprintf(out,
            "usage: xenmode self [--explain] [--format text|json] [--path.sysfs DIR]\n"
            "                    [--path.procfs DIR] [--cpuid.file FILE | --no-cpuid]\n"
            "\n"
            "  --explain          show every source consulted and the rule that decided\n"
            "  --format FORMAT    text (default) or json\n"
            "  --path.sysfs DIR   sysfs mount point (default /sys)\n"
            "  --path.procfs DIR  procfs mount point (default /proc)\n"
            "  --cpuid.file FILE  read CPUID leaves from FILE ('LEAF EAX EBX ECX EDX' in hex)\n"
            "  --no-cpuid         leave CPUID out\n"
            "\n"
            "Exit status: 0 on Xen, 1 not on Xen, 2 on errors.\n");
}

struct self_args {
    struct xm_guest_options opt;
    bool json, explain;
};
#define SELF_OPT(field) offsetof(struct self_args, opt.field)
static const struct cli_opt self_opts[] = {
    {"explain", CLI_FLAG, offsetof(struct self_args, explain), {NULL, NULL}, false},
    {"format", CLI_CHOICE, offsetof(struct self_args, json), {"text", "json"}, false},
    {"path.sysfs", CLI_STRING, SELF_OPT(sysfs), {NULL, NULL}, false},
    {"path.procfs", CLI_STRING, SELF_OPT(procfs), {NULL, NULL}, false},
    {"cpuid.file", CLI_STRING, SELF_OPT(cpuid_file), {NULL, NULL}, false},
    {"no-cpuid", CLI_FLAG, SELF_OPT(no_cpuid), {NULL, NULL}, false},
    {NULL, CLI_FLAG, 0, {NULL, NULL}, false},
};
static const struct cli_options self_cli = {"self", self_usage, self_opts};

static void put_joined(FILE *out, const struct xm_guest_result *r, const char *sep)
{
    for (size_t i = 0; i < r->n_evidence; i++) {
        if (i)
            fputs(sep, out);
        cli_put_evidence(out, r->evidence[i]);
    }
}

static int print_text(const struct xm_guest_result *r, bool explain)
{
    if (!r->on_xen) {
        fputs("not on Xen: ", stdout);
        put_joined(stdout, r, "; ");
        fputc('\n', stdout);
        return 0;
    }
    if (r->dom0)
        printf("dom0 (%s)\n", xm_mode_name(r->mode));
    else
        printf("%s\n", xm_mode_name(r->mode));
    if (explain) {
        for (size_t i = 0; i < r->n_evidence; i++) {
            fputs("  ", stdout);
            cli_put_evidence(stdout, r->evidence[i]);
            fputc('\n', stdout);
        }
    }
    return 0;
}

static int print_json(const struct xm_guest_result *r)
{
    json_t *o = json_object(), *ev = json_array();
    if (!o || !ev)
        goto out;
    for (size_t i = 0; i < r->n_evidence; i++) {
        char *clean = xm_utf8_sanitize(r->evidence[i], NULL);
        int bad = !clean || json_array_append_new(ev, json_string(clean));
        free(clean);
        if (bad)
            goto out;
    }
    if (json_object_set_new(o, "on_xen", json_boolean(r->on_xen)) ||
        json_object_set_new(o, "dom0", json_boolean(r->dom0)) ||
        json_object_set_new(o, "mode", r->on_xen ? json_string(xm_mode_name(r->mode)) : json_null()) ||
        json_object_set_new(o, "evidence", ev))
        goto out_o;
    return cli_print_json(o);
out:
    json_decref(ev);
out_o:
    json_decref(o);
    return -1;
}

int cmd_self(int argc, char **argv)
{
    struct self_args a = {0};
    CLI_PARSE_OPTIONS(&self_cli, argc, argv, &a);
    struct xm_guest_options opt = a.opt;
    bool json = a.json, explain = a.explain;
    if (opt.no_cpuid && opt.cpuid_file) {
        cli_error("self: --cpuid.file and --no-cpuid are mutually exclusive");
        return EXIT_USAGE;
    }

    struct xm_guest_result r;
    struct xm_error err = {0};
    if (xm_guest_detect(&opt, &r, &err) != XM_OK) {
        cli_error("self: %s", err.message);
        return EXIT_ERROR;
    }
    int rc = json ? print_json(&r) : print_text(&r, explain);
    int status = r.on_xen ? EXIT_OK : EXIT_FINDING;
    xm_guest_result_dispose(&r);
    if (rc != 0 || fflush(stdout) != 0) {
        cli_error("self: cannot write output");
        return EXIT_ERROR;
    }
    return status;
}

/* The option loop every subcommand shares, so that --help, unknown
 * options, missing values and stray arguments behave the same in each. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

enum { HELP = 'h', FIRST = 256 }; /* option i of a table is FIRST + i */

static int store(const struct cli_options *o, const struct cli_opt *op, const char *arg,
                 void *ctx)
{
    char *field = (char *)ctx + op->offset;
    switch (op->kind) {
    case CLI_FLAG:
        *(bool *)field = true;
        break;
    case CLI_STRING:
        if (op->nonempty && !arg[0])
            return cli_usage_error(o->usage, "%s: --%s must not be empty", o->cmd, op->name);
        *(const char **)field = arg;
        break;
    case CLI_CHOICE:
        if (strcmp(arg, op->choices[0]) != 0 && strcmp(arg, op->choices[1]) != 0)
            return cli_usage_error(o->usage, "%s: unknown --%s '%s' (expected %s or %s)", o->cmd,
                                   op->name, arg, op->choices[0], op->choices[1]);
        *(bool *)field = strcmp(arg, op->choices[1]) == 0;
        break;
    }
    return EXIT_OK;
}

int cli_parse_options(const struct cli_options *o, int argc, char **argv, void *ctx)
{
    struct option opts[CLI_MAX_OPTIONS + 2];
    int n = 0;
    for (; n < CLI_MAX_OPTIONS && o->opts[n].name; n++)
        opts[n] = (struct option){o->opts[n].name,
                                  o->opts[n].kind == CLI_FLAG ? no_argument : required_argument,
                                  NULL, FIRST + n};
    opts[n] = (struct option){"help", no_argument, NULL, HELP};
    opts[n + 1] = (struct option){NULL, 0, NULL, 0};

    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == HELP) {
            o->usage(stdout);
            return EXIT_OK;
        }
        if (c < FIRST || c >= FIRST + n)
            return cli_usage_error(o->usage, "%s: unknown or incomplete option '%s'", o->cmd,
                                   argv[optind - 1]);
        int rc = store(o, &o->opts[c - FIRST], optarg, ctx);
        if (rc != EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(o->usage, "%s: unexpected argument '%s'", o->cmd, argv[optind]);
    return -1;
}

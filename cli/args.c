/* The option loop every subcommand shares, so that --help, unknown
 * options, missing values and stray arguments behave the same in each. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cli_parse_options(const struct cli_options *o, int argc, char **argv, void *ctx)
{
    struct option opts[CLI_MAX_OPTIONS + 2];
    size_t n = 0;
    while (n < CLI_MAX_OPTIONS && o->opts[n].name) {
        opts[n] = o->opts[n];
        n++;
    }
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[n] = (struct option){NULL, 0, NULL, 0};

    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            o->usage(stdout);
            return EXIT_OK;
        }
        if (c == '?' || c == ':')
            return cli_usage_error(o->usage, "%s: unknown or incomplete option '%s'", o->cmd,
                                   argv[optind - 1]);
        int rc = o->on_option(c, optarg, ctx);
        if (rc != EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(o->usage, "%s: unexpected argument '%s'", o->cmd, argv[optind]);
    return -1;
}

int cli_format(const char *cmd, const char *arg, const char *first, const char *second,
               void (*usage)(FILE *), bool *is_second)
{
    if (strcmp(arg, first) == 0 || strcmp(arg, second) == 0) {
        *is_second = strcmp(arg, second) == 0;
        return EXIT_OK;
    }
    return cli_usage_error(usage, "%s: unknown --format '%s' (expected %s or %s)", cmd, arg,
                           first, second);
}

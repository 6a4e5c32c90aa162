/* The option loop every subcommand shares, so that --help, unknown
 * options, missing values and stray arguments behave the same in each. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cli_parse_options(const char *cmd, int argc, char **argv, const struct option *opts,
                      void (*usage)(FILE *), int (*on_option)(int opt, const char *arg, void *ctx),
                      void *ctx)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return EXIT_OK;
        }
        if (c == '?' || c == ':')
            return cli_usage_error(usage, "%s: unknown or incomplete option '%s'", cmd,
                                   argv[optind - 1]);
        int rc = on_option(c, optarg, ctx);
        if (rc != EXIT_OK)
            return rc;
    }
    if (optind < argc)
        return cli_usage_error(usage, "%s: unexpected argument '%s'", cmd, argv[optind]);
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

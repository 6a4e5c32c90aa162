/* xenmode metrics: the exporter's domain families as exposition text, for
 * node_exporter's textfile collector or a quick look. --output replaces the
 * file atomically and safely (cli_replace_file), so a collector never reads
 * a half-written file and a planted link cannot redirect the write. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "xenmode/expo.h"

static void metrics_usage(FILE *out)
{
    fprintf(out,
            "usage: xenmode metrics [--format text|openmetrics] [--output FILE]\n"
            "\n"
            "  --format FORMAT  text (Prometheus 0.0.4, default) or openmetrics (1.0.0)\n"
            "  --output FILE    write to FILE atomically instead of standard output\n"
            "\n"
            "When Xen cannot be read, xen_up 0 is written and the status is 2.\n");
}

struct metrics_args {
    bool openmetrics;
    const char *output;
};
static const struct cli_opt metrics_opts[] = {
    {"format", CLI_CHOICE, offsetof(struct metrics_args, openmetrics), {"text", "openmetrics"}, false},
    {"output", CLI_STRING, offsetof(struct metrics_args, output), {NULL, NULL}, false},
    {NULL, CLI_FLAG, 0, {NULL, NULL}, false},
};
static const struct cli_options metrics_cli = {"metrics", metrics_usage, metrics_opts};

int cmd_metrics(int argc, char **argv)
{
    struct metrics_args a = {0};
    CLI_PARSE_OPTIONS(&metrics_cli, argc, argv, &a);
    enum xm_expo_format fmt = a.openmetrics ? XM_EXPO_OPENMETRICS : XM_EXPO_TEXT;
    const char *output = a.output;

    struct xm_snapshot *snap = cli_snapshot();
    struct xm_buf b;
    xm_buf_init(&b);
    xm_expo_snapshot(&b, fmt, snap);
    xm_expo_end(&b, fmt);
    int status = snap ? 0 : EXIT_NOXEN;
    xm_snapshot_free(snap);
    if (xm_buf_failed(&b)) {
        cli_error("metrics: out of memory");
        xm_buf_dispose(&b);
        return EXIT_ERROR;
    }
    if (output) {
        char why[256];
        enum cli_replace rc = cli_replace_file(output, b.data, b.len, why, sizeof why);
        if (rc == CLI_REPLACE_REFUSED) {
            cli_error("metrics: refusing to replace %s: %s, not a regular file", output, why);
            status = EXIT_REFUSED;
        } else if (rc != CLI_REPLACE_OK) {
            cli_error("metrics: cannot write %s: %s", output, why);
            status = EXIT_ERROR;
        }
    } else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        cli_error("metrics: cannot write output");
        status = EXIT_ERROR;
    }
    xm_buf_dispose(&b);
    return status;
}

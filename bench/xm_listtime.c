/*
 * xm-listtime: what the fake host's libxl costs, so that `make bench` can
 * tell the exporter's own share of a scrape and of its memory from the test
 * double's. Run under tests/fake-host/run (the fake libxl preloaded):
 *
 *   xm-listtime [CALLS]
 *
 * allocates a libxl context, lists the domains once, then CALLS (default
 * 500) more times, and prints one line:
 *   domains=N list_ms=<mean time of one libxl_list_domain + free>
 *   anon_kB=<growth of RssAnon from before libxl_ctx_alloc to after the
 *            listing: the fixture the fake libxl parsed and keeps>
 * On real Xen the listing is one hypercall and nothing is parsed; these
 * figures are what the fake adds to every scrape and to the exporter's RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <xentoollog.h>

#include "xenmode/util.h"

static long rss_anon_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "RssAnon:", 8) == 0)
            kb = strtol(line + 8, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 500;
    if (calls < 1) {
        fprintf(stderr, "usage: xm-listtime [CALLS]\n");
        return 2;
    }
    xentoollog_logger *lg =
        (xentoollog_logger *)xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    long before = rss_anon_kb();
    libxl_ctx *ctx = NULL;
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg) != 0) {
        fprintf(stderr, "xm-listtime: libxl_ctx_alloc failed\n");
        return 1;
    }
    int n = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &n);
    if (!list) {
        fprintf(stderr, "xm-listtime: libxl_list_domain failed\n");
        return 1;
    }
    libxl_dominfo_list_free(list, n);
    long after = rss_anon_kb();
    double t0 = xm_monotonic_seconds();
    for (int i = 0; i < calls; i++) {
        list = libxl_list_domain(ctx, &n);
        if (list)
            libxl_dominfo_list_free(list, n);
    }
    double per = (xm_monotonic_seconds() - t0) / calls;
    printf("domains=%d list_ms=%.3f anon_kB=%ld\n", n, per * 1e3, after - before);
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
    return 0;
}

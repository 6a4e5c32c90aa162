/* When a domain was created (see xm_start_time.h). */
#include "xm_start_time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool xm_start_time_parse(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Digits and one dot only: strtod would take "inf", hex or exponents. */
    if (errno || end == s || *end || strspn(s, "0123456789.") != strlen(s))
        return false;
    /* After 2000-01-01 and before 2^40 s: anything else is not a time. */
    if (!isfinite(v) || v < 946684800.0 || v > 1099511627776.0)
        return false;
    *out = v;
    return true;
}

/* The host's boot time in Unix seconds from /proc/stat, or 0. */
static double host_boot_time(void)
{
    FILE *f = fopen("/proc/stat", "r");
    char line[256];
    double t = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long btime;
        if (sscanf(line, "btime %llu", &btime) == 1) {
            t = (double)btime;
            break;
        }
    }
    fclose(f);
    return t;
}

int xm_start_time_read(struct xm_xs *xs, const char *uuid, bool dom0, double *out,
                       struct xm_strvec *ev, struct xm_error *err)
{
    char path[64], *value = NULL;
    *out = 0;
    snprintf(path, sizeof path, "/vm/%s/start_time", uuid);
    int rc = xm_xs_read(xs, path, &value, err);
    if (rc == XM_XS_FAILED)
        return rc;
    if (rc == XM_XS_FOUND) {
        char q[48];
        xm_quote_value(value, q, sizeof q);
        if (xm_start_time_parse(value, out))
            xm_strvec_addf(ev, "started at %.2f (%s)", *out, path);
        else
            xm_strvec_addf(ev, "%s = %s is no time: start unknown", path, q);
        free(value);
        return rc;
    }
    if (dom0 && (*out = host_boot_time()) > 0) {
        xm_strvec_addf(ev, "started at %.0f: dom0 starts with the host (/proc/stat btime; no %s)",
                       *out, path);
        return XM_XS_FOUND;
    }
    xm_strvec_addf(ev, "%s absent: start unknown", path);
    return XM_XS_MISSING;
}

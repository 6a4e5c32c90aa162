/* PV device counting: a frontend counts as connected when its backend's
 * state node is 4 (XenbusStateConnected), the rule XenServer uses for "PV
 * drivers detected". The backend may live in a driver domain, so the
 * frontend's `backend` node is followed rather than assuming dom0. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm_devices.h"

/* A guest may create frontend directories of its own; bound the work one
 * domain can cause. No real domain comes near this. */
#define MAX_DEVICES_PER_DOMAIN 1024

static const char *state_word(const char *v)
{
    static const char *const words[] = {"unknown", "initialising", "initwait", "initialised",
                                        "connected", "closing", "closed", "reconfiguring",
                                        "reconfigured"};
    if (v[0] >= '0' && v[0] <= '8' && v[1] == '\0')
        return words[v[0] - '0'];
    return "invalid";
}

static bool parse_u32(const char *s, size_t len, uint32_t *out)
{
    if (len == 0 || len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool xm_backend_path_valid(const char *path, uint32_t domid, const char *devid,
                           uint32_t *backend_domid)
{
    static const char prefix[] = "/local/domain/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = path + sizeof prefix - 1;
    const char *slash = strchr(p, '/');
    if (!slash || !parse_u32(p, (size_t)(slash - p), backend_domid))
        return false;
    if (strncmp(slash, "/backend/", 9) != 0)
        return false;
    const char *kind = slash + 9;
    const char *kind_end = strchr(kind, '/');
    if (!kind_end || kind_end == kind)
        return false;
    char tail[64];
    snprintf(tail, sizeof tail, "/%" PRIu32 "/%s", domid, devid);
    return strcmp(kind_end, tail) == 0;
}

static int cmp_devcount(const void *a, const void *b)
{
    return strcmp(((const struct xm_devcount *)a)->kind, ((const struct xm_devcount *)b)->kind);
}

/* Checks one frontend; returns XM_XS_FAILED on a connection failure. */
static void note_backend(struct xm_xs_domain *out, uint32_t bdom)
{
    for (size_t i = 0; i < out->n_backends; i++)
        if (out->backends[i] == bdom)
            return;
    if (out->n_backends < XM_MAX_BACKEND_DOMS)
        out->backends[out->n_backends++] = bdom;
}

static int read_device(struct xm_xs *xs, uint32_t domid, const char *kind, const char *devid,
                       struct xm_xs_domain *out, struct xm_devcount *dc, struct xm_strvec *ev,
                       struct xm_error *err)
{
    char path[512], q[96], qk[64], qd[64], what[132];
    char *backend = NULL, *state = NULL;
    uint32_t bdom = 0;

    /* kind and devid are directory names a guest can create: quote them. */
    xm_quote_value(kind, qk, sizeof qk);
    xm_quote_value(devid, qd, sizeof qd);
    snprintf(what, sizeof what, "%s/%s", qk, qd);

    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device/%s/%s/backend", domid, kind,
             devid);
    int rc = xm_xs_read(xs, path, &backend, err);
    if (rc == XM_XS_FAILED)
        return rc;
    /* Not every entry of device/ is a split driver: device/suspend holds
     * only an event channel. Without a backend it is no PV device. */
    if (rc == XM_XS_MISSING)
        return XM_XS_FOUND;
    dc->present++;
    if (!xm_backend_path_valid(backend, domid, devid, &bdom)) {
        xm_quote_value(backend, q, sizeof q);
        xm_strvec_addf(ev, "%s: backend path %s is not this frontend's, not counted", what, q);
        free(backend);
        return XM_XS_FOUND;
    }
    note_backend(out, bdom);
    snprintf(path, sizeof path, "%s/state", backend);
    free(backend);
    rc = xm_xs_read(xs, path, &state, err);
    if (rc == XM_XS_FAILED)
        return rc;
    char where[40] = "";
    if (bdom != 0)
        snprintf(where, sizeof where, " (backend in domain %" PRIu32 ")", bdom);
    if (rc == XM_XS_MISSING) {
        xm_strvec_addf(ev, "%s backend state absent%s", what, where);
        return XM_XS_FOUND;
    }
    bool connected = strcmp(state, "4") == 0;
    xm_quote_value(state, q, sizeof q);
    xm_strvec_addf(ev, "%s backend state %s (%s)%s", what, q, state_word(state), where);
    if (connected)
        dc->connected++;
    free(state);
    return XM_XS_FOUND;
}

/* Reads device/<kind>/ of one domain into out (appended, owned). */
static int read_kinds(struct xm_xs *xs, uint32_t domid, struct xm_xs_domain *out,
                      struct xm_strvec *ev, struct xm_error *err)
{
    char path[256];
    char **kinds = NULL;
    unsigned n_kinds = 0, budget = MAX_DEVICES_PER_DOMAIN;
    int rc;

    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device", domid);
    rc = xm_xs_directory(xs, path, &kinds, &n_kinds, err);
    if (rc != XM_XS_FOUND)
        return rc == XM_XS_MISSING ? XM_XS_FOUND : rc;

    out->devices = calloc(n_kinds ? n_kinds : 1, sizeof *out->devices);
    if (!out->devices) {
        free(kinds);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    for (unsigned k = 0; k < n_kinds; k++) {
        char **devids = NULL;
        unsigned n_devids = 0;
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device/%s", domid, kinds[k]);
        rc = xm_xs_directory(xs, path, &devids, &n_devids, err);
        if (rc == XM_XS_FAILED)
            goto out;
        if (rc == XM_XS_MISSING)
            continue; /* removed since the listing: no devices of that kind */
        struct xm_devcount *dc = &out->devices[out->n_devices];
        dc->kind = strdup(kinds[k]);
        if (!dc->kind) {
            free(devids);
            xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            rc = XM_XS_FAILED;
            goto out;
        }
        out->n_devices++;
        for (unsigned d = 0; d < n_devids; d++) {
            if (budget == 0) {
                xm_strvec_addf(ev, "more than %d devices: the rest not read",
                               MAX_DEVICES_PER_DOMAIN);
                break;
            }
            budget--;
            rc = read_device(xs, domid, kinds[k], devids[d], out, dc, ev, err);
            if (rc == XM_XS_FAILED) {
                free(devids);
                goto out;
            }
        }
        out->connected += dc->connected;
        free(devids);
        if (dc->present == 0) { /* no frontend of this kind has a backend */
            free(dc->kind);
            dc->kind = NULL;
            out->n_devices--;
        }
    }
    qsort(out->devices, out->n_devices, sizeof *out->devices, cmp_devcount);
    rc = XM_XS_FOUND;
out:
    free(kinds);
    return rc;
}

int xm_xs_read_domain(struct xm_xs *xs, uint32_t domid, bool dom0, struct xm_xs_domain *out,
                      struct xm_strvec *ev, struct xm_error *err)
{
    char path[128];
    int rc;

    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/name", domid);
    if ((rc = xm_xs_read(xs, path, &out->name, err)) == XM_XS_FAILED)
        return rc;
    /* dom0 has no type records (xen-init-dom0 writes none): skip the reads. */
    if (!dom0) {
        snprintf(path, sizeof path, "/libxl/%" PRIu32 "/type", domid);
        if ((rc = xm_xs_read(xs, path, &out->libxl_type, err)) == XM_XS_FAILED)
            return rc;
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/domain-type", domid);
        if ((rc = xm_xs_read(xs, path, &out->domain_type, err)) == XM_XS_FAILED)
            return rc;
    }
    return read_kinds(xs, domid, out, ev, err);
}

void xm_xs_domain_dispose(struct xm_xs_domain *d)
{
    free(d->name);
    free(d->libxl_type);
    free(d->domain_type);
    for (size_t i = 0; i < d->n_devices; i++)
        free(d->devices[i].kind);
    free(d->devices);
    memset(d, 0, sizeof *d);
}

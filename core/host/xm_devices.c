/* PV device counting: a frontend counts as connected when its backend's
 * state node is 4 (XenbusStateConnected), the rule XenServer uses for "PV
 * drivers detected". The backend may live in a driver domain, so the
 * frontend's `backend` node is followed rather than assuming dom0. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm_devices.h"

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

/* A domid as the toolstack writes it: decimal, no leading zero. */
static bool parse_domid(const char *s, size_t len, uint32_t *out)
{
    return !(len > 1 && s[0] == '0') && parse_u32(s, len, out);
}

/* Whether a backend of kind bkind (len bytes) may serve a frontend of
 * kind fkind: the same kind, or a backend libxl or XAPI pairs with it. */
static bool kind_pairs(const char *fkind, const char *bkind, size_t len)
{
    static const char *const pairs[][2] = {
        {"vbd", "qdisk"}, {"vbd", "vbd3"}, {"vbd", "tap"}, {"vusb", "qusb"},
    };
    if (strlen(fkind) == len && memcmp(fkind, bkind, len) == 0)
        return true;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(fkind, pairs[i][0]) == 0 && strlen(pairs[i][1]) == len &&
            memcmp(pairs[i][1], bkind, len) == 0)
            return true;
    return false;
}

bool xm_backend_path_valid(const char *path, uint32_t domid, const char *kind,
                           const char *devid, uint32_t *backend_domid)
{
    static const char prefix[] = "/local/domain/";
    uint32_t b;
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = path + sizeof prefix - 1;
    const char *slash = strchr(p, '/');
    if (!slash || !parse_domid(p, (size_t)(slash - p), &b) || b == domid)
        return false;
    if (strncmp(slash, "/backend/", 9) != 0)
        return false;
    const char *bkind = slash + 9;
    const char *kind_end = strchr(bkind, '/');
    if (!kind_end || !kind_pairs(kind, bkind, (size_t)(kind_end - bkind)))
        return false;
    /* "/<domid>/<devid>" and nothing after it */
    uint32_t fe;
    const char *id = kind_end + 1, *id_end = strchr(id, '/');
    if (!id_end || !parse_domid(id, (size_t)(id_end - id), &fe) || fe != domid)
        return false;
    if (strcmp(id_end + 1, devid) != 0)
        return false;
    *backend_domid = b;
    return true;
}

static int cmp_devcount(const void *a, const void *b)
{
    return strcmp(((const struct xm_devcount *)a)->kind, ((const struct xm_devcount *)b)->kind);
}

/* Remembers a backend domain; false when out of memory. */
static bool note_backend(struct xm_xs_domain *out, uint32_t bdom)
{
    for (size_t i = 0; i < out->n_backends; i++)
        if (out->backends[i] == bdom)
            return true;
    if (out->n_backends == out->cap_backends) {
        size_t cap = out->cap_backends ? out->cap_backends * 2 : 4;
        uint32_t *p = realloc(out->backends, cap * sizeof *p);
        if (!p)
            return false;
        out->backends = p;
        out->cap_backends = cap;
    }
    out->backends[out->n_backends++] = bdom;
    return true;
}

/* A device evidence line, within the domain's budget of them. */
__attribute__((format(printf, 3, 4)))
static void dev_line(struct xm_xs_domain *out, struct xm_strvec *ev, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    if (out->dev_lines >= XM_MAX_DEVICE_EVIDENCE) {
        out->cut[XM_CUT_EVIDENCE]++;
        return;
    }
    out->dev_lines++;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    xm_strvec_addf(ev, "%s", line);
}

/* Whether the backend's own `frontend` node (written by the toolstack in
 * the backend's domain, which the guest cannot write) names this frontend:
 * XM_XS_FOUND yes, XM_XS_MISSING no (evidence said), XM_XS_FAILED. */
static int points_back(struct xm_xs *xs, const char *backend, uint32_t domid, const char *kind,
                       const char *devid, const char *what, struct xm_xs_domain *out,
                       struct xm_strvec *ev, struct xm_error *err)
{
    char path[512], want[256], q[96];
    char *frontend = NULL;
    snprintf(path, sizeof path, "%s/frontend", backend);
    int rc = xm_xs_read(xs, path, &frontend, err);
    if (rc == XM_XS_FAILED)
        return rc;
    if (rc == XM_XS_MISSING) {
        dev_line(out, ev, "%s: backend has no frontend node, not counted", what);
        return XM_XS_MISSING;
    }
    snprintf(want, sizeof want, "/local/domain/%" PRIu32 "/device/%s/%s", domid, kind, devid);
    bool same = strcmp(frontend, want) == 0;
    if (!same) {
        xm_quote_value(frontend, q, sizeof q);
        dev_line(out, ev, "%s: backend's frontend node %s is not this frontend, not counted",
                 what, q);
    }
    free(frontend);
    return same ? XM_XS_FOUND : XM_XS_MISSING;
}

/* Checks one frontend; returns XM_XS_FAILED on a connection failure. */
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
    if (!xm_backend_path_valid(backend, domid, kind, devid, &bdom)) {
        xm_quote_value(backend, q, sizeof q);
        dev_line(out, ev, "%s: backend path %s is not this frontend's, not counted", what, q);
        free(backend);
        return XM_XS_FOUND;
    }
    /* Watched from now on whatever it says: it may point back later. */
    if (!note_backend(out, bdom)) {
        free(backend);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    rc = points_back(xs, backend, domid, kind, devid, what, out, ev, err);
    if (rc != XM_XS_FOUND) {
        free(backend);
        return rc == XM_XS_FAILED ? rc : XM_XS_FOUND;
    }
    snprintf(path, sizeof path, "%s/state", backend);
    free(backend);
    rc = xm_xs_read(xs, path, &state, err);
    if (rc == XM_XS_FAILED)
        return rc;
    char where[40] = "";
    if (bdom != 0)
        snprintf(where, sizeof where, " (backend in domain %" PRIu32 ")", bdom);
    if (rc == XM_XS_MISSING) {
        dev_line(out, ev, "%s backend state absent%s", what, where);
        return XM_XS_FOUND;
    }
    bool connected = strcmp(state, "4") == 0;
    xm_quote_value(state, q, sizeof q);
    dev_line(out, ev, "%s backend state %s (%s)%s", what, q, state_word(state), where);
    if (connected)
        dc->connected++;
    free(state);
    return XM_XS_FOUND;
}

/* One line per kind of cut, outside the evidence budget (at most three). */
static void say_cuts(const struct xm_xs_domain *out, struct xm_strvec *ev)
{
    if (out->cut[XM_CUT_KINDS])
        xm_strvec_addf(ev, "%lu device kinds not read (more than %d kinds, or a name over %d "
                       "bytes)", out->cut[XM_CUT_KINDS], XM_MAX_KINDS_PER_DOMAIN,
                       XM_MAX_DEVICE_NAME);
    if (out->cut[XM_CUT_DEVICES])
        xm_strvec_addf(ev, "%lu devices not read (more than %d devices, or an id over %d "
                       "bytes)", out->cut[XM_CUT_DEVICES], XM_MAX_DEVICES_PER_DOMAIN,
                       XM_MAX_DEVICE_NAME);
    if (out->cut[XM_CUT_EVIDENCE])
        xm_strvec_addf(ev, "%lu device evidence lines left out (more than %d)",
                       out->cut[XM_CUT_EVIDENCE], XM_MAX_DEVICE_EVIDENCE);
}

/* Reads the devices of one kind directory; XM_XS_FAILED on failure. */
static int read_kind(struct xm_xs *xs, uint32_t domid, const char *kind, unsigned *budget,
                     struct xm_xs_domain *out, struct xm_strvec *ev, struct xm_error *err)
{
    char path[256];
    char **devids = NULL;
    unsigned n_devids = 0;
    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device/%s", domid, kind);
    int rc = xm_xs_directory(xs, path, &devids, &n_devids, err);
    if (rc != XM_XS_FOUND) /* missing: removed since the listing, no devices */
        return rc == XM_XS_FAILED ? rc : XM_XS_FOUND;
    struct xm_devcount *dc = &out->devices[out->n_devices];
    memset(dc, 0, sizeof *dc);
    if (!(dc->kind = strdup(kind))) {
        free(devids);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    out->n_devices++;
    for (unsigned d = 0; d < n_devids; d++) {
        if (*budget == 0 || strlen(devids[d]) > XM_MAX_DEVICE_NAME) {
            out->cut[XM_CUT_DEVICES]++;
            continue;
        }
        (*budget)--;
        rc = read_device(xs, domid, kind, devids[d], out, dc, ev, err);
        if (rc == XM_XS_FAILED) {
            free(devids);
            return rc;
        }
    }
    out->connected += dc->connected;
    free(devids);
    if (dc->present == 0) { /* no frontend of this kind has a backend */
        free(dc->kind);
        dc->kind = NULL;
        out->n_devices--;
    }
    return XM_XS_FOUND;
}

/* Reads device/<kind>/ of one domain into out (appended, owned). */
static int read_kinds(struct xm_xs *xs, uint32_t domid, struct xm_xs_domain *out,
                      struct xm_strvec *ev, struct xm_error *err)
{
    char path[64];
    char **kinds = NULL;
    unsigned n_kinds = 0, budget = XM_MAX_DEVICES_PER_DOMAIN, read = 0;
    int rc;

    snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device", domid);
    rc = xm_xs_directory(xs, path, &kinds, &n_kinds, err);
    if (rc != XM_XS_FOUND)
        return rc == XM_XS_MISSING ? XM_XS_FOUND : rc;

    out->devices = calloc(XM_MAX_KINDS_PER_DOMAIN, sizeof *out->devices);
    if (!out->devices) {
        free(kinds);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    rc = XM_XS_FOUND;
    for (unsigned k = 0; k < n_kinds && rc != XM_XS_FAILED; k++) {
        /* A name too long for our paths would be read as another node. */
        if (read == XM_MAX_KINDS_PER_DOMAIN || strlen(kinds[k]) > XM_MAX_DEVICE_NAME) {
            out->cut[XM_CUT_KINDS]++;
            continue;
        }
        read++;
        rc = read_kind(xs, domid, kinds[k], &budget, out, ev, err);
    }
    free(kinds);
    if (rc == XM_XS_FAILED)
        return rc;
    qsort(out->devices, out->n_devices, sizeof *out->devices, cmp_devcount);
    say_cuts(out, ev);
    return XM_XS_FOUND;
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

const char *xm_cut_item_name(enum xm_cut_item item)
{
    switch (item) {
    case XM_CUT_KINDS: return "kinds";
    case XM_CUT_DEVICES: return "devices";
    case XM_CUT_EVIDENCE: return "evidence";
    default: return "unknown";
    }
}

void xm_xs_domain_dispose(struct xm_xs_domain *d)
{
    free(d->name);
    free(d->libxl_type);
    free(d->domain_type);
    for (size_t i = 0; i < d->n_devices; i++)
        free(d->devices[i].kind);
    free(d->devices);
    free(d->backends);
    memset(d, 0, sizeof *d);
}

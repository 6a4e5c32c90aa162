/* Built with -std=gnu11 (core/module.mk): Xen's public tools headers use
 * anonymous unions. Nothing GNU-specific is used here otherwise. */
#include "xm_xenctrl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xencall.h>
#include <xenctrl.h>

#include "xm_domstate.h"

void xm_xc_init(struct xm_xc *x)
{
    memset(x, 0, sizeof *x);
}

int xm_xc_open(struct xm_xc *x, xentoollog_logger *lg, int xen_major, int xen_minor,
               struct xm_error *err)
{
    x->xen_major = xen_major;
    x->xen_minor = xen_minor;
    x->lg = lg;
    /* get_domain_state (with its capabilities) came with Xen 4.21; before,
     * the control domain is domid 0 (x86 builds no other). */
    x->names_control_domain = xen_major > 4 || (xen_major == 4 && xen_minor >= 21);
    if (x->xch)
        return XM_OK;
    x->xch = xc_interface_open(lg, lg, 0);
    if (!x->xch)
        return xm_set_error(err, XM_ERR_LIBXL, "cannot open libxenctrl: %s",
                            strerror(errno ? errno : EIO));
    return XM_OK;
}

void xm_xc_close(struct xm_xc *x)
{
    if (x->xch)
        xc_interface_close(x->xch);
    if (x->xcall)
        xencall_close(x->xcall);
    free(x->info);
    free(x->raw);
    memset(x, 0, sizeof *x);
}

static bool grow(struct xm_xc *x, size_t want)
{
    if (want <= x->raw_cap)
        return true;
    xc_domaininfo_t *raw = realloc(x->raw, want * sizeof *raw);
    if (!raw)
        return false;
    x->raw = raw;
    struct xm_xc_dominfo *info = realloc(x->info, want * sizeof *info);
    if (!info)
        return false; /* raw_cap unchanged: the next call grows both again */
    x->info = info;
    x->raw_cap = want;
    return true;
}

static void decode(struct xm_xc_dominfo *d, const xc_domaininfo_t *xi)
{
    d->domid = xi->domain;
    memcpy(d->handle, xi->handle, sizeof d->handle);
    d->hap = xi->flags & XEN_DOMINF_hap;
    d->paused = xi->flags & XEN_DOMINF_paused;
}

int xm_xc_list(struct xm_xc *x, size_t expected, struct xm_error *err)
{
    /* Room for domains created since the libxl listing, so one call
     * normally sees them all. */
    size_t batch = expected + 16;
    uint32_t first = 0;
    x->n = 0;
    for (;;) {
        if (!grow(x, x->n + batch))
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        xc_domaininfo_t *raw = x->raw;
        int got = xc_domain_getinfolist(x->xch, first, (unsigned)batch, raw);
        if (got < 0)
            return xm_set_error(err, XM_ERR_LIBXL, "xc_domain_getinfolist failed: %s",
                                strerror(errno ? errno : EIO));
        for (int i = 0; i < got; i++)
            decode(&x->info[x->n + (size_t)i], &raw[i]);
        x->n += (size_t)got;
        if ((size_t)got < batch)
            return XM_OK;
        first = x->info[x->n - 1].domid + 1u;
    }
}

const struct xm_xc_dominfo *xm_xc_find(const struct xm_xc *x, uint32_t domid,
                                       const uint8_t uuid[16])
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) { /* the hypervisor lists in domid order */
        size_t mid = (lo + hi) / 2;
        if (x->info[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->n && x->info[lo].domid == domid &&
        memcmp(x->info[lo].handle, uuid, sizeof x->info[lo].handle) == 0)
        return &x->info[lo];
    return NULL;
}

bool xm_xc_is_dom0(struct xm_xc *x, uint32_t domid, char *why, size_t whysz)
{
    if (!x->names_control_domain) {
        snprintf(why, whysz,
                 "dom0 rule: domid 0 is the control domain (Xen %d.%d; the hypervisor names "
                 "it from 4.21, in get_domain_state's capabilities)",
                 x->xen_major, x->xen_minor);
        return domid == 0;
    }
    unsigned caps = 0;
    struct xm_error e;
    if (xm_domstate_caps(&x->xcall, x->lg, domid, &caps, &e) != XM_OK) {
        snprintf(why, whysz, "dom0 rule: Xen %d.%d, %s: domid 0 is taken as the control domain",
                 x->xen_major, x->xen_minor, e.message);
        return domid == 0;
    }
    bool control = caps & XM_DOMSTATE_CAP_CONTROL;
    snprintf(why, whysz,
             "dom0 rule: Xen %d.%d get_domain_state capabilities: control %s, hardware %s, "
             "xenstore %s -> %s",
             x->xen_major, x->xen_minor, control ? "yes" : "no",
             caps & XM_DOMSTATE_CAP_HARDWARE ? "yes" : "no",
             caps & XM_DOMSTATE_CAP_XENSTORE ? "yes" : "no",
             control ? "the control domain" : "not the control domain");
    return control;
}

int xm_xc_guest_width(struct xm_xc *x, uint32_t domid, unsigned *bits, struct xm_error *err)
{
    unsigned bytes = 0;
    if (xc_domain_get_guest_width(x->xch, domid, &bytes) != 0)
        return xm_set_error(err, XM_ERR_LIBXL, "xc_domain_get_guest_width(%u) failed: %s",
                            domid, strerror(errno ? errno : EIO));
    if (bytes != 4 && bytes != 8)
        return xm_set_error(err, XM_ERR_LIBXL,
                            "xc_domain_get_guest_width(%u) gave %u bytes, not 4 or 8", domid,
                            bytes);
    *bits = bytes * 8;
    return XM_OK;
}

bool xm_caps_has_token(const char *caps, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = caps; p && *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, token, n) == 0)
            return true;
        p += len;
    }
    return false;
}

bool xm_host_caps_read(libxl_ctx *ctx, bool caps[XM_CAP_COUNT])
{
    libxl_physinfo pi;
    libxl_physinfo_init(&pi);
    int rc = libxl_get_physinfo(ctx, &pi);
    const libxl_version_info *v = rc == 0 ? libxl_get_version_info(ctx) : NULL;
    if (rc == 0 && v) {
        /* xen_caps: "xen-3.0-x86_64 [xen-3.0-x86_32p] hvm-3.0-x86_32 ..."; the
         * x86_32p PV entry is only there when 32-bit PV guests can run
         * (CONFIG_PV32 and not disabled with pv=no-32, or by CET). */
        caps[XM_CAP_PV32] = xm_caps_has_token(v->capabilities, "xen-3.0-x86_32p");
        caps[XM_CAP_PV64] = xm_caps_has_token(v->capabilities, "xen-3.0-x86_64");
        caps[XM_CAP_HVM] = pi.cap_hvm;
        caps[XM_CAP_HAP] = pi.cap_hap;
        caps[XM_CAP_SHADOW] = pi.cap_shadow;
    }
    libxl_physinfo_dispose(&pi);
    return rc == 0 && v;
}

const char *xm_capability_name(enum xm_capability c)
{
    static const char *const names[XM_CAP_COUNT] = {"pv32", "pv64", "hvm", "hap", "shadow"};
    return (unsigned)c < XM_CAP_COUNT ? names[c] : "unknown";
}

/*
 * hypervisor.c - the libxenctrl calls the project makes (xc_interface_open,
 * xc_interface_close, xc_domain_getinfolist, xc_domain_get_guest_width) and
 * libxl_get_physinfo: the hypervisor-side fields of the fixture.
 *
 * Shapes follow Xen 4.17's xc_domain.c and domctl.c: getinfolist answers
 * the domains from first_domain on, in domid order, at most max_domains;
 * the guest width is in bytes (4 or 8; an HVM domain answers 8); a domain
 * the hypervisor does not know is -1 with errno ESRCH.
 *
 * $XENMODE_FAKE_XC_LOG, when set, names a file to which every
 * getinfolist and guest-width call appends one line ("getinfolist FIRST
 * MAX" / "guest_width DOMID"), so tests can count hypercalls.
 */
#include "fakexl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

/* Our definition of the handle libxenctrl keeps opaque. */
struct xc_interface_core {
    uint32_t magic;
    xentoollog_logger *lg;
};
#define FXC_MAGIC 0x66616b63u /* "fakc" */

void fxl_log_call(const char *fmt, unsigned a, unsigned b)
{
    const char *path = getenv("XENMODE_FAKE_XC_LOG");
    if (!path || !*path)
        return;
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    fprintf(f, fmt, a, b);
    fputc('\n', f);
    fclose(f);
}

void fxl_check_handle(const void *h, uint32_t magic, uint32_t want, const char *what,
                      const char *func)
{
    if (!h || magic != want) {
        fprintf(stderr, "fake %s: %s called with a bad handle %p\n", what, func, h);
        abort();
    }
}

static void check_xch(const xc_interface *xch, const char *func)
{
    fxl_check_handle(xch, xch ? xch->magic : 0, FXC_MAGIC, "libxenctrl", func);
}

bool fxl_privcmd_fails(void)
{
    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    bool fail = !root || fxl_fixture_failing(root, "ctx_alloc") ||
                fxl_fixture_failing(root, "xc_open");
    pthread_mutex_unlock(&fxl_lock);
    return fail;
}

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void)dombuild_logger;
    (void)open_flags;
    if (fxl_privcmd_fails()) {
        if (logger)
            xtl_log(logger, XTL_ERROR, ENOENT, "xencall",
                    "Could not obtain handle on privileged command interface");
        errno = ENOENT;
        return NULL;
    }
    xc_interface *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->magic = FXC_MAGIC;
    x->lg = logger;
    return x;
}

int xc_interface_close(xc_interface *xch)
{
    if (!xch)
        return 0;
    check_xch(xch, __func__);
    xch->magic = 0;
    free(xch);
    return 0;
}

bool fxl_flag(json_t *dom, const char *key, bool dflt)
{
    json_t *v = json_object_get(dom, key);
    return v ? json_is_true(v) : dflt;
}

/* getdomaininfo() in xen/common/domctl.c for one fixture domain. */
static void fill_info(xc_domaininfo_t *xi, json_t *dom)
{
    memset(xi, 0, sizeof *xi);
    uint32_t domid = (uint32_t)json_integer_value(json_object_get(dom, "domid"));
    bool hvm = json_is_true(json_object_get(dom, "hvm"));
    libxl_uuid u;
    const char *uuid = fxl_fixture_uuid(dom);
    if (uuid && libxl_uuid_from_string(&u, uuid) == 0)
        memcpy(xi->handle, libxl_uuid_bytearray(&u), sizeof xi->handle);
    xi->domain = (domid_t)domid;
    bool paused = fxl_flag(dom, "paused", false);
    xi->flags = (paused ? XEN_DOMINF_paused : XEN_DOMINF_running) |
                (hvm ? XEN_DOMINF_hvm_guest : 0) |
                (hvm && fxl_flag(dom, "hap", true) ? XEN_DOMINF_hap : 0);
    uint64_t pages = domid == 0 ? 262144 : 131072;
    xi->tot_pages = xi->max_pages = pages;
    xi->cpu_time = 1000000000ull * (domid + 1);
    xi->nr_online_vcpus = 1;
    xi->max_vcpu_id = 0;
}

static int by_domain(const void *a, const void *b)
{
    const xc_domaininfo_t *x = a, *y = b;
    return (x->domain > y->domain) - (x->domain < y->domain);
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    check_xch(xch, __func__);
    fxl_log_call("getinfolist %u %u", first_domain, max_domains);
    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    if (!root || fxl_fixture_failing(root, "getinfolist")) {
        pthread_mutex_unlock(&fxl_lock);
        errno = EPERM;
        return -1;
    }
    json_t *doms = json_object_get(root, "domains");
    size_t n = json_array_size(doms);
    xc_domaininfo_t *all = calloc(n ? n : 1, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; all && i < n; i++) {
        json_t *d = json_array_get(doms, i);
        /* A domain that vanished after the libxl listing is gone here too. */
        if (!json_is_true(json_object_get(d, "vanish_after_list")))
            fill_info(&all[k++], d);
    }
    pthread_mutex_unlock(&fxl_lock);
    if (!all) {
        errno = ENOMEM;
        return -1;
    }
    qsort(all, k, sizeof *all, by_domain);
    unsigned got = 0;
    for (size_t i = 0; i < k && got < max_domains; i++)
        if (all[i].domain >= first_domain)
            info[got++] = all[i];
    free(all);
    return (int)got;
}

int xc_domain_get_guest_width(xc_interface *xch, uint32_t domid, unsigned int *guest_width)
{
    check_xch(xch, __func__);
    fxl_log_call("guest_width %u%.0u", domid, 0);
    int rc = 0;
    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    json_t *dom = fxl_fixture_domain(root, domid);
    if (!root || fxl_fixture_failing(root, "guest_width")) {
        rc = -1;
        errno = EPERM;
    } else if (!fxl_fixture_domain_present(root, domid)) {
        rc = -1;
        errno = ESRCH;
    } else {
        json_t *w = json_object_get(dom, "guest_width");
        bool hvm = json_is_true(json_object_get(dom, "hvm"));
        /* is_pv_32bit_domain() ? 32 : BITS_PER_LONG, in bytes */
        *guest_width = !hvm && json_integer_value(w) == 32 ? 4 : 8;
    }
    pthread_mutex_unlock(&fxl_lock);
    return rc;
}

int libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *physinfo)
{
    fxl_check_ctx(ctx, __func__);
    int rc = 0;
    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    if (!root || fxl_fixture_failing(root, "physinfo")) {
        rc = ERROR_FAIL;
    } else {
        /* Plausible figures of the QEMU test host; only the caps matter. */
        physinfo->threads_per_core = 1;
        physinfo->cores_per_socket = 2;
        physinfo->max_cpu_id = 1;
        physinfo->nr_cpus = 2;
        physinfo->cpu_khz = 2000000;
        physinfo->total_pages = 1048576;
        physinfo->free_pages = 262144;
        physinfo->nr_nodes = 1;
        physinfo->cap_pv = fxl_fixture_cap(root, "pv64") || fxl_fixture_cap(root, "pv32");
        physinfo->cap_hvm = fxl_fixture_cap(root, "hvm");
        physinfo->cap_hvm_directio = physinfo->cap_hvm;
        physinfo->cap_hap = fxl_fixture_cap(root, "hap");
        physinfo->cap_shadow = fxl_fixture_cap(root, "shadow");
    }
    pthread_mutex_unlock(&fxl_lock);
    if (rc)
        fxl_log(ctx, EPERM, "libxl.c", 5700, "libxl_get_physinfo", INVALID_DOMID,
                "getting physinfo");
    return rc;
}

bool fxl_fixture_cap(json_t *root, const char *cap)
{
    json_t *v = json_object_get(json_object_get(root, "capabilities"), cap);
    return v ? json_is_true(v) : true;
}

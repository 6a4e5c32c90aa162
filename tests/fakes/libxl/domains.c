/*
 * domains.c - libxl_list_domain, libxl_domain_info, libxl_domid_to_name:
 * what the hypervisor knows about the fixture's domains.
 *
 * Shapes follow tools/libs/light/libxl_domain.c (RELEASE-4.17.7): the list
 * is in domid order and released by the real libxl_dominfo_list_free
 * (dispose each element, free the array), so it is one calloc'd array of
 * libxl_dominfo_init'ed elements; domain_type comes from the HVM flag alone
 * (a PVH guest lists as HVM).
 */
#include "fakexl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libxl__xcinfo2xlinfo for one fixture domain. */
static void fill_dominfo(libxl_dominfo *info, json_t *dom)
{
    uint32_t domid = (uint32_t)json_integer_value(json_object_get(dom, "domid"));
    const char *uuid = json_string_value(json_object_get(dom, "uuid"));
    if (!uuid || libxl_uuid_from_string(&info->uuid, uuid) != 0)
        libxl_uuid_clear(&info->uuid);
    info->domid = domid;
    info->ssidref = 0;
    info->ssid_label = NULL; /* no FLASK policy: the real one sets NULL too */
    info->running = true;
    info->blocked = info->paused = info->shutdown = info->dying = false;
    info->never_stop = false;
    info->shutdown_reason = LIBXL_SHUTDOWN_REASON_UNKNOWN;
    /* Plausible memory: dom0 1 GiB (dom0_mem=1024M), guests 512 MiB. */
    uint64_t memkb = domid == 0 ? 1048576 : 524288;
    info->outstanding_memkb = info->shared_memkb = info->paged_memkb = 0;
    info->current_memkb = info->max_memkb = memkb;
    info->cpu_time = 1000000000ull * (domid + 1);
    info->vcpu_max_id = 0;
    info->vcpu_online = 1;
    info->cpupool = 0;
    info->gpaddr_bits = 0;
    info->domain_type = json_is_true(json_object_get(dom, "hvm")) ? LIBXL_DOMAIN_TYPE_HVM
                                                                  : LIBXL_DOMAIN_TYPE_PV;
}

static int by_domid(const void *a, const void *b)
{
    const libxl_dominfo *x = a, *y = b;
    return (x->domid > y->domid) - (x->domid < y->domid);
}

libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, int *nb_domain_out)
{
    fxl_check_ctx(ctx, __func__);
    libxl_dominfo *list = NULL;
    size_t n = 0;
    bool fail;

    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    fail = !root || fxl_fixture_failing(root, "list");
    if (!fail) {
        json_t *doms = json_object_get(root, "domains");
        n = json_array_size(doms);
        list = n ? calloc(n, sizeof *list) : NULL;
        if (n && !list)
            fail = true;
        for (size_t i = 0; list && i < n; i++) {
            libxl_dominfo_init(&list[i]);
            fill_dominfo(&list[i], json_array_get(doms, i));
        }
    }
    pthread_mutex_unlock(&fxl_lock);

    if (fail) {
        /* xc_domain_getinfolist failed: the real one logs and returns NULL. */
        fxl_log(ctx, EPERM, "libxl_domain.c", 335, "libxl_list_domain", INVALID_DOMID,
                "getting domain info list");
        *nb_domain_out = 0;
        errno = EPERM;
        return NULL;
    }
    if (list)
        qsort(list, n, sizeof *list, by_domid);
    /* No domains: the real one returns NULL too (it never reallocs). */
    *nb_domain_out = (int)n;
    return list;
}

int libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info_r, uint32_t domid)
{
    fxl_check_ctx(ctx, __func__);
    int rc = 0;

    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    if (!root || fxl_fixture_failing(root, "domain_info"))
        rc = ERROR_FAIL;
    else if (!fxl_fixture_domain_present(root, domid))
        rc = ERROR_DOMAIN_NOTFOUND;
    else if (info_r)
        fill_dominfo(info_r, fxl_fixture_domain(root, domid));
    pthread_mutex_unlock(&fxl_lock);

    if (rc == ERROR_FAIL) {
        fxl_log(ctx, EPERM, "libxl_domain.c", 354, "libxl_domain_info", domid,
                "Getting domain info list");
        errno = EPERM;
    }
    return rc;
}

/* The real one reads /local/domain/<domid>/name from xenstore; the test
 * server serves the fixture's "xenstore" value for it, else the domain's
 * name, and nothing of a vanished domain. */
char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)
{
    fxl_check_ctx(ctx, __func__);
    char key[48], *name = NULL;
    snprintf(key, sizeof key, "/local/domain/%u/name", domid);

    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    json_t *dom = fxl_fixture_domain(root, domid);
    if (root && !json_is_true(json_object_get(dom, "vanish_after_list"))) {
        const char *s = json_string_value(json_object_get(json_object_get(root, "xenstore"), key));
        if (!s)
            s = json_string_value(json_object_get(dom, "name"));
        name = s ? strdup(s) : NULL;
    }
    pthread_mutex_unlock(&fxl_lock);
    return name;
}

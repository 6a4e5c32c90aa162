/*
 * domstate.c - libxencall, as far as the core uses it: the stable
 * XEN_DOMCTL_get_domain_state (xen/common/domain.c, get_domain_state(),
 * RELEASE-4.21.0) answering the fixture domains' "priv", "hardware" and
 * "xenstore_domain" keys as the CAP_CONTROL, CAP_HARDWARE and CAP_XENSTORE bits.
 *
 * Like Xen: a hypervisor older than 4.21 (the fixture's xen_version) does
 * not know the op and refuses its interface version 0 with EACCES; a
 * domain it does not know is ESRCH. Any other hypercall is ENOSYS.
 * Fail word "domain_state": EPERM. Each call logs "domain_state DOMID" to
 * $XENMODE_FAKE_XC_LOG.
 */
#include "fakexl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xencall.h>

#include "xm_domstate.h" /* the layout the core sends */

struct xencall_handle {
    uint32_t magic;
};
#define FXC_CALL_MAGIC 0x66616b78u /* "fakx" */

xencall_handle *xencall_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    if (fxl_privcmd_fails()) {
        errno = ENOENT;
        return NULL;
    }
    xencall_handle *h = calloc(1, sizeof *h);
    if (h)
        h->magic = FXC_CALL_MAGIC;
    return h;
}

static void check_handle(const xencall_handle *h, const char *func)
{
    fxl_check_handle(h, h ? h->magic : 0, FXC_CALL_MAGIC, "libxencall", func);
}

int xencall_close(xencall_handle *h)
{
    if (!h)
        return 0;
    check_handle(h, __func__);
    h->magic = 0;
    free(h);
    return 0;
}

void *xencall_alloc_buffer(xencall_handle *h, size_t size)
{
    check_handle(h, __func__);
    return calloc(1, size ? size : 1);
}

void xencall_free_buffer(xencall_handle *h, void *p)
{
    check_handle(h, __func__);
    free(p);
}

/* 4.21 or later: "4.21.0", "5.0". */
static bool names_control_domain(json_t *root)
{
    const char *v = json_string_value(json_object_get(root, "xen_version"));
    char *end = NULL;
    long major = strtol(v ? v : "4.17", &end, 10);
    long minor = end && *end == '.' ? strtol(end + 1, NULL, 10) : 0;
    return major > 4 || (major == 4 && minor >= 21);
}

static int domain_state(struct xm_domctl_domstate *op)
{
    fxl_log_call("domain_state %u%.0u", op->domain, 0);
    json_t *root = fxl_fixture();
    if (!root || fxl_fixture_failing(root, "domain_state"))
        return EPERM;
    if (op->interface_version != 0 || !names_control_domain(root))
        return EACCES;
    if (!fxl_fixture_domain_present(root, op->domain))
        return ESRCH;
    json_t *dom = fxl_fixture_domain(root, op->domain);
    memset(&op->u, 0, sizeof op->u);
    op->u.st.state = XM_DOMSTATE_EXIST;
    op->u.st.caps = (fxl_flag(dom, "priv", false) ? XM_DOMSTATE_CAP_CONTROL : 0) |
                    (fxl_flag(dom, "hardware", false) ? XM_DOMSTATE_CAP_HARDWARE : 0) |
                    (fxl_flag(dom, "xenstore_domain", false) ? XM_DOMSTATE_CAP_XENSTORE : 0);
    op->u.st.unique_id = op->domain + 1u;
    return 0;
}

int xencall1(xencall_handle *h, unsigned int op, uint64_t arg1)
{
    check_handle(h, __func__);
    struct xm_domctl_domstate *d = (struct xm_domctl_domstate *)(uintptr_t)arg1;
    int e = ENOSYS;
    if (op == XM_HYPERVISOR_domctl && d && d->cmd == XM_DOMCTL_get_domain_state) {
        pthread_mutex_lock(&fxl_lock);
        e = domain_state(d);
        pthread_mutex_unlock(&fxl_lock);
    }
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

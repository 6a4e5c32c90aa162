/* XEN_DOMCTL_get_domain_state through libxencall (see xm_domstate.h). */
#include "xm_domstate.h"

#include <errno.h>
#include <string.h>

#include <xencall.h>

int xm_domstate_caps(struct xencall_handle **h, struct xentoollog_logger *lg, uint32_t domid,
                     unsigned *caps, struct xm_error *err)
{
    if (!*h && !(*h = xencall_open(lg, 0)))
        return xm_set_error(err, XM_ERR_LIBXL, "cannot open libxencall: %s",
                            strerror(errno ? errno : EIO));
    /* The hypervisor reads and writes the argument through a hypercall-safe
     * buffer (locked pages), not through ordinary memory. */
    struct xm_domctl_domstate *op = xencall_alloc_buffer(*h, sizeof *op);
    if (!op)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory (hypercall buffer)");
    memset(op, 0, sizeof *op);
    op->cmd = XM_DOMCTL_get_domain_state;
    op->domain = (uint16_t)domid;
    errno = 0;
    int rc = xencall1(*h, XM_HYPERVISOR_domctl, (uint64_t)(uintptr_t)op);
    int saved = errno ? errno : EIO;
    if (rc == 0)
        *caps = op->u.st.caps;
    xencall_free_buffer(*h, op);
    if (rc != 0)
        return xm_set_error(err, XM_ERR_LIBXL, "get_domain_state(%u) failed: %s", domid,
                            strerror(saved));
    return XM_OK;
}

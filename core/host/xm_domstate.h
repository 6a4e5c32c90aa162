/*
 * xm_domstate.h - a domain's capabilities (control, hardware, xenstore)
 * through Xen's stable XEN_DOMCTL_get_domain_state, issued with libxencall.
 *
 * Xen 4.21 lets the control domain and the hardware domain be domains
 * other than domid 0 (dom0less / hyperlaunch builds). The hypervisor tells
 * which is which only through this domctl (xen/include/public/domctl.h,
 * RELEASE-4.21.0: XEN_DOMCTL_get_domain_state = 90, "stable interface":
 * interface_version 0; caps XEN_DOMCTL_GETDOMSTATE_CAP_CONTROL 0x1,
 * _HARDWARE 0x2, _XENSTORE 0x4). The domain-info flags of getdomaininfo do
 * NOT carry them (no XEN_DOMINF_priv or _hardware exists, up to 4.22).
 * libxenmanage wraps the call from 4.21 on, but Debian 12 (4.17) and 13
 * (4.20) do not ship it, so the call is made here: the op is stable, so its
 * layout below is fixed by Xen's ABI whatever headers the binary is built
 * with. It is only issued when the running hypervisor is 4.21 or later
 * (earlier ones answer EACCES: unknown interface version).
 *
 * The layout is shared with the test suite's fake hypervisor, so both read
 * and write the same bytes.
 */
#ifndef XM_DOMSTATE_H
#define XM_DOMSTATE_H

#include <stdint.h>

#include "xenmode/util.h"

#define XM_HYPERVISOR_domctl 36        /* __HYPERVISOR_domctl, xen/include/public/xen.h */
#define XM_DOMCTL_get_domain_state 90  /* XEN_DOMCTL_get_domain_state */
#define XM_DOMSTATE_EXIST 0x0001u      /* XEN_DOMCTL_GETDOMSTATE_STATE_EXIST */
#define XM_DOMSTATE_CAP_CONTROL 0x0001u  /* XEN_DOMCTL_GETDOMSTATE_CAP_CONTROL */
#define XM_DOMSTATE_CAP_HARDWARE 0x0002u /* XEN_DOMCTL_GETDOMSTATE_CAP_HARDWARE */
#define XM_DOMSTATE_CAP_XENSTORE 0x0004u /* XEN_DOMCTL_GETDOMSTATE_CAP_XENSTORE */

/* struct xen_domctl with its get_domain_state member: the header (cmd,
 * interface_version, domain, padding) and the 128-byte union. */
struct xm_domctl_domstate {
    uint32_t cmd;
    uint32_t interface_version; /* 0: stable op */
    uint16_t domain;            /* in: the domain asked about */
    uint16_t pad_[3];
    union {
        struct {
            uint16_t state; /* XM_DOMSTATE_EXIST ... */
            uint16_t caps;  /* XM_DOMSTATE_CAP_* */
            uint32_t pad0;
            uint64_t unique_id;
        } st;
        uint8_t raw[128];
        uint64_t align_;
    } u;
};
_Static_assert(sizeof(struct xm_domctl_domstate) == 144, "struct xen_domctl is 144 bytes");

struct xencall_handle;
struct xentoollog_logger;

/*
 * xm_domstate_caps
 *
 * Reads domid's XM_DOMSTATE_CAP_* bits into *caps, opening *h (libxencall)
 * on first use with lg for its messages. XM_OK, or XM_ERR_LIBXL with the
 * reason in err (ESRCH: no such domain; EACCES: the hypervisor predates
 * the op; EPERM: the caller may not ask).
 */
int xm_domstate_caps(struct xencall_handle **h, struct xentoollog_logger *lg, uint32_t domid,
                     unsigned *caps, struct xm_error *err);

#endif

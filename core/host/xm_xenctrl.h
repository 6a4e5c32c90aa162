/*
 * xm_xenctrl.h - the hypervisor's own view of each domain, through
 * libxenctrl (which ships with libxenlight): the domain-info flags of every
 * domain with ONE xc_domain_getinfolist call per snapshot, and the guest
 * width of PV domains (xc_domain_get_guest_width, one domctl, read only
 * when a PV domain is read afresh and kept with its cached evidence).
 *
 * Also the host's capabilities (libxl_get_physinfo and the capabilities
 * string of libxl_get_version_info), read once per libxl context: they
 * cannot change without a reboot.
 */
#ifndef XM_XENCTRL_H
#define XM_XENCTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxl.h>

#include "xenmode/host.h"

/* What one domain's xen_domctl_getdomaininfo says, decoded. xenctrl.h and
 * Xen's public domctl headers need GNU C (anonymous unions), so only
 * xm_xenctrl.c includes them; the rest of the core sees this. */
struct xm_xc_dominfo {
    uint32_t domid;
    uint8_t handle[16];   /* the domain's uuid */
    bool hap;             /* XEN_DOMINF_hap */
    bool paused;          /* XEN_DOMINF_paused */
};

struct xc_interface_core; /* libxenctrl's xc_interface */
struct xencall_handle;    /* libxencall's, for get_domain_state (xm_domstate.h) */

struct xm_xc {
    struct xc_interface_core *xch;
    struct xm_xc_dominfo *info; /* this snapshot's list, in domid order */
    void *raw;                  /* the call's buffer (xc_domaininfo_t[raw_cap]) */
    size_t raw_cap;
    size_t n, cap;
    struct xencall_handle *xcall; /* opened on first use, Xen >= 4.21 only */
    xentoollog_logger *lg;
    bool names_control_domain; /* the hypervisor answers get_domain_state (>= 4.21) */
    int xen_major, xen_minor;
};

void xm_xc_init(struct xm_xc *x);
/* Opens the handle if it is not open; lg receives libxenctrl's messages.
 * XM_ERR_LIBXL with err filled on failure. */
int xm_xc_open(struct xm_xc *x, xentoollog_logger *lg, int xen_major, int xen_minor,
               struct xm_error *err);
void xm_xc_close(struct xm_xc *x);

/* The snapshot's domain list: one xc_domain_getinfolist call sized for
 * `expected` domains (more calls only when more domains exist than that). */
int xm_xc_list(struct xm_xc *x, size_t expected, struct xm_error *err);
/* The listed domain's info when its domid and handle match, else NULL (it
 * came or went between the libxl listing and this one). */
const struct xm_xc_dominfo *xm_xc_find(const struct xm_xc *x, uint32_t domid,
                                  const uint8_t uuid[16]);

/*
 * xm_xc_is_dom0
 *
 * Whether the domain is the control domain ("dom0"), and the rule that
 * decided it (one evidence line, written into why). The one place the
 * core decides it: Xen >= 4.21 names the control domain in
 * get_domain_state's capabilities (one domctl, asked when a domain is read
 * afresh); before 4.21, and when that call fails, domid 0 is.
 */
bool xm_xc_is_dom0(struct xm_xc *x, uint32_t domid, char *why, size_t whysz);

/* The guest width of a PV domain in bits (32 or 64). XM_OK, or
 * XM_ERR_LIBXL with err filled. */
int xm_xc_guest_width(struct xm_xc *x, uint32_t domid, unsigned *bits, struct xm_error *err);

/* Fills caps[XM_CAP_COUNT] from libxl; false when physinfo failed. */
bool xm_host_caps_read(libxl_ctx *ctx, bool caps[XM_CAP_COUNT]);
/* Whether the space-separated capabilities string holds token exactly. */
bool xm_caps_has_token(const char *caps, const char *token);

#endif

/*
 * xm_classify.h - the pure classifier: evidence in, mode out.
 *
 * It implements docs/design.md "How the mode is decided (dom0)" and nothing else: no
 * I/O, so the unit tests drive it with a table whose rows are the rules.
 * Every decision appends a line to the evidence list.
 */
#ifndef XM_CLASSIFY_H
#define XM_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/util.h"

/* What the domain's stored configuration says about the PV shim. */
enum xm_shim {
    XM_SHIM_NOT_READ,   /* not consulted (only pvh type records need it) */
    XM_SHIM_NO_CONFIG,  /* libxl holds no stored configuration */
    XM_SHIM_UNREADABLE, /* retrieval failed or the JSON is not libxl's */
    XM_SHIM_OFF,        /* b_info."type.pvh".pvshim False or absent (default) */
    XM_SHIM_ON,         /* b_info."type.pvh".pvshim True */
};

struct xm_classify_input {
    uint32_t domid;
    bool dom0;                /* the control domain (xm_xc_is_dom0) */
    bool hvm_flag;            /* the hypervisor's hvm_guest flag */
    const char *libxl_type;   /* /libxl/<domid>/type, NULL when absent */
    const char *domain_type;  /* /local/domain/<domid>/domain-type (XenServer) */
    enum xm_shim shim;
    const char *config_type;  /* c_info.type of the stored configuration */
    const char *shim_detail;  /* why the shim is unknown, for the evidence */
    unsigned devices_connected;
};

/* True when the classifier will consult the stored configuration's shim
 * flag: a domU with the hvm flag whose only type record is a libxl `pvh`. */
bool xm_classify_wants_shim(const struct xm_classify_input *in);

/* Classifies; appends the reasons to ev (which may already hold device
 * evidence). */
enum xm_mode xm_classify(const struct xm_classify_input *in, struct xm_strvec *ev);

#endif

/*
 * xm_dominf.h - domain-info flag bits that older Xen headers do not name.
 * Include after <xenctrl.h>. Shared by the core's libxenctrl reader and the
 * test suite's fake hypervisor, so both read and write the same bits.
 *
 * Xen 4.21 marks the control and hardware domains in the domain-info flags
 * (bits 10 and 9 of xen_domctl_getdomaininfo.flags). Headers before 4.21
 * lack the names; the bits were always 0 there, and are only read when the
 * running hypervisor is 4.21 or later.
 */
#ifndef XM_DOMINF_H
#define XM_DOMINF_H

#ifndef XEN_DOMINF_hardware
#define XEN_DOMINF_hardware (1U << 9)
#endif
#ifndef XEN_DOMINF_priv
#define XEN_DOMINF_priv (1U << 10)
#endif

#endif

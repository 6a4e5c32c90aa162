/*
 * xenmode/guest.h - guest-side self-detection: the mode of the machine this
 * program runs on, from inside it.
 *
 * Sources, strongest first, each recorded as evidence:
 *   1. /sys/hypervisor/type, /sys/hypervisor/guest_type (Linux >= 4.13)
 *   2. /proc/xen/capabilities (control_d: this is dom0)
 *   3. CPUID: the Xen signature in the 0x40000000 range and the hypervisor
 *      bit (plain CPUID only: the forced-emulation prefix a PV guest needs
 *      raises SIGILL elsewhere, so it is never executed)
 *   4. DMI: /sys/class/dmi/id/sys_vendor "Xen", product_name "HVM domU"
 *   5. PV frontends bound to a driver on the xen bus (vbd-*, vif-*),
 *      which turn hvm into pvhvm
 * Every path is read under configurable roots so tests use fixture trees.
 *
 * Sources: core/guest/ (xm_guest.c; xm_cpuid.c behind core/guest/xm_cpuid.h).
 */
#ifndef XENMODE_GUEST_H
#define XENMODE_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenmode/util.h"

struct xm_guest_options {
    const char *sysfs;      /* default "/sys" */
    const char *procfs;     /* default "/proc" */
    const char *cpuid_file; /* read leaves from this file instead of the CPU */
    bool no_cpuid;          /* leave the CPUID source out */
};

struct xm_guest_result {
    bool on_xen;
    bool dom0;
    enum xm_mode mode;   /* meaningful when on_xen: pv, pvh, hvm or pvhvm */
    char **evidence;
    size_t n_evidence;
};

/*
 * RETURN VALUE: XM_OK with *out filled (dispose with
 * xm_guest_result_dispose), or XM_ERR_IO / XM_ERR_INVALID when the CPUID
 * file cannot be read or parsed. Missing or unreadable sysfs/procfs files
 * are not errors: they weaken the evidence, and the evidence says so.
 */
int xm_guest_detect(const struct xm_guest_options *opt, struct xm_guest_result *out,
                    struct xm_error *err);
void xm_guest_result_dispose(struct xm_guest_result *r);

#endif

/*
 * xm_guest.h - guest-side self-detection: the mode of the machine this
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
 */
#ifndef XM_GUEST_H
#define XM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenmode.h"

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

/* CPUID leaves, from the CPU or from a file. */
struct xm_cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};
struct xm_cpuid;
/* file NULL: the CPU (fails with XM_ERR_INVALID on non-x86). */
int xm_cpuid_open(const char *file, struct xm_cpuid **out, struct xm_error *err);
/* false when the source has no such leaf. */
bool xm_cpuid_query(const struct xm_cpuid *c, uint32_t leaf, struct xm_cpuid_regs *r);
void xm_cpuid_free(struct xm_cpuid *c);

#endif

/* xm_cpuid.h - CPUID leaves for guest self-detection, from the CPU or from
 * a file (tests, and hosts where the instruction is not the source). */
#ifndef XM_CPUID_H
#define XM_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/util.h"

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

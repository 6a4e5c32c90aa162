/* xm_config_expo.c - the configuration families in the exposition format. */
#include <stdlib.h>
#include <string.h>

#include "xenmode/configs.h"
#include "xenmode/expo.h"

static int cmp_config_name(const void *a, const void *b)
{
    const struct xm_config *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

void xm_config_expo(struct xm_buf *b, enum xm_expo_format f, const struct xm_config_set *set)
{
    xm_expo_family(b, f, "xen_domain_configured_virt_mode", XM_METRIC_GAUGE,
                   "Virtualization mode the domain's xl configuration file asks for: "
                   "1 for that mode, 0 for the others.");
    const struct xm_config **v = NULL;
    size_t n = 0;
    if (set && set->n_configs) {
        v = calloc(set->n_configs, sizeof *v);
        if (!v) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < set->n_configs; i++)
            if (!set->configs[i].error && set->configs[i].name && set->configs[i].name[0])
                v[n++] = &set->configs[i];
        qsort(v, n, sizeof *v, cmp_config_name);
        for (size_t i = 0; i < n; i++) {
            for (enum xm_mode m = 0; m < XM_MODE_COUNT; m++) {
                if (!xm_mode_configurable(m))
                    continue;
                struct xm_label l[] = {{"domain", v[i]->name}, {"mode", xm_mode_name(m)}};
                xm_expo_sample(b, "xen_domain_configured_virt_mode", l, 2, v[i]->mode == m);
            }
        }
    }
    /* PV configurations whose width is known (xm_kernel_width): a 32-bit
     * one cannot start on a hypervisor without pv32. */
    xm_expo_family(b, f, "xen_domain_configured_pv_guest_width", XM_METRIC_GAUGE,
                   "Address width in bits (32 or 64) of a PV guest as its xl configuration "
                   "boots it: the ELF class of its kernel= file, or firmware=pvgrub32/64. "
                   "PV configurations of known width only.");
    for (size_t i = 0; i < n; i++) {
        if (v[i]->mode != XM_MODE_PV || !v[i]->pv_width_bits)
            continue;
        struct xm_label l[] = {{"domain", v[i]->name}};
        xm_expo_sample(b, "xen_domain_configured_pv_guest_width", l, 1, v[i]->pv_width_bits);
    }
    free(v);
    xm_expo_family(b, f, "xen_config_files_failed", XM_METRIC_GAUGE,
                   "Domain configuration files that could not be read or that xl would "
                   "refuse (1 when the configuration directory itself cannot be read).");
    xm_expo_sample(b, "xen_config_files_failed", NULL, 0, set ? (double)set->n_failed : 1);
}

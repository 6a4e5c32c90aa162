#include "xenmode/util.h"

#include <string.h>

static const char *const mode_names[XM_MODE_COUNT] = {
    [XM_MODE_PV] = "pv",
    [XM_MODE_PVH] = "pvh",
    [XM_MODE_HVM] = "hvm",
    [XM_MODE_PVHVM] = "pvhvm",
    [XM_MODE_PV_IN_PVH] = "pv_in_pvh",
};

const char *xm_mode_name(enum xm_mode mode)
{
    if ((unsigned)mode >= XM_MODE_COUNT)
        return NULL;
    return mode_names[mode];
}

bool xm_mode_configurable(enum xm_mode mode)
{
    /* pvhvm is hvm whose guest loaded its PV drivers: the guest's choice. */
    return (unsigned)mode < XM_MODE_COUNT && mode != XM_MODE_PVHVM;
}

int xm_mode_from_name(const char *name)
{
    for (int m = 0; m < XM_MODE_COUNT; m++)
        if (strcmp(mode_names[m], name) == 0)
            return m;
    return -1;
}

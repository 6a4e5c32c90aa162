/* Dropping capabilities and core dumps after startup (see xe_privs.h for
 * what root needs to read Xen, and why that is no capability). */
#include "xe_privs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cap-ng.h>

int xe_privs_drop(char *err, size_t errsz)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        snprintf(err, errsz, "cannot disable core dumps: %s", strerror(errno));
        return -1;
    }
    /* The bounding set can only be cleared while CAP_SETPCAP is held, i.e.
     * when started as root; otherwise there is nothing left to drop in it
     * that could be regained (no_new_privs below). */
    if (capng_get_caps_process() != 0) {
        snprintf(err, errsz, "cannot read the process's capabilities: %s", strerror(errno));
        return -1;
    }
    capng_select_t what = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP) ? CAPNG_SELECT_ALL
                                                                                : CAPNG_SELECT_BOTH;
    capng_clear(CAPNG_SELECT_ALL);
    int rc = capng_apply(what);
    if (rc != 0) {
        snprintf(err, errsz, "cannot drop capabilities (capng_apply: %d)", rc);
        return -1;
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        snprintf(err, errsz, "cannot clear ambient capabilities: %s", strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errsz, "cannot set no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}

#include "xenmode.h"

#include <stdlib.h>
#include <string.h>

#include "xm_internal.h"

void xm_domain_dispose(struct xm_domain *d)
{
    free(d->name);
    for (size_t i = 0; i < d->n_devices; i++)
        free(d->devices[i].kind);
    free(d->devices);
    for (size_t i = 0; i < d->n_evidence; i++)
        free(d->evidence[i]);
    free(d->evidence);
}

void xm_snapshot_free(struct xm_snapshot *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->n_domains; i++)
        xm_domain_dispose(&snap->domains[i]);
    free(snap->domains);
    free(snap);
}

const struct xm_devcount *xm_domain_devcount(const struct xm_domain *d,
                                             const char *kind)
{
    for (size_t i = 0; i < d->n_devices; i++)
        if (strcmp(d->devices[i].kind, kind) == 0)
            return &d->devices[i];
    return NULL;
}

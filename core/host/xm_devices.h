/*
 * xm_devices.h - what xenstore says about one domain: its name, its type
 * records and its PV devices.
 *
 * Per domain it reads a small, known set of nodes (see xm_xs_read_domain):
 *   /local/domain/<id>/name                       1 READ
 *   /libxl/<id>/type, /local/domain/<id>/domain-type   2 READs (not the control domain)
 *   /local/domain/<id>/device                     1 DIRECTORY
 *     .../device/<kind>                           1 DIRECTORY per kind
 *       .../device/<kind>/<devid>/backend, <backend>/state   2 READs per device
 * The collector counts them; the test server counts them too.
 */
#ifndef XM_DEVICES_H
#define XM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/host.h"
#include "xm_xenstore.h"

#define XM_MAX_BACKEND_DOMS 16

/* What xenstore says about one domain. */
struct xm_xs_domain {
    char *name;         /* NULL when /local/domain/<id>/name is absent */
    char *libxl_type;   /* NULL when absent */
    char *domain_type;  /* NULL when absent */
    struct xm_devcount *devices;
    size_t n_devices;
    unsigned connected; /* total over all kinds */
    uint32_t backends[XM_MAX_BACKEND_DOMS]; /* distinct backend domains seen */
    size_t n_backends;
};

/* Reads the nodes listed above; appends device evidence to ev. */
int xm_xs_read_domain(struct xm_xs *xs, uint32_t domid, bool dom0, struct xm_xs_domain *out,
                      struct xm_strvec *ev, struct xm_error *err);
void xm_xs_domain_dispose(struct xm_xs_domain *d);

/*
 * Whether a frontend's backend path is the canonical one libxl writes for
 * this frontend: /local/domain/<b>/backend/<kind>/<domid>/<devid>. A guest
 * can rewrite its own frontend's `backend` node; pointing it at another
 * domain's connected backend must not make it look PV-enabled.
 * On success *backend_domid is <b>.
 */
bool xm_backend_path_valid(const char *path, uint32_t domid, const char *devid,
                           uint32_t *backend_domid);

#endif

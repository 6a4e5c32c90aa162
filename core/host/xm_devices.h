/*
 * xm_devices.h - what xenstore says about one domain: its name, its type
 * records and its PV devices.
 *
 * Per domain it reads a small, known set of nodes (see xm_xs_read_domain):
 *   /local/domain/<id>/name                       1 READ
 *   /libxl/<id>/type, /local/domain/<id>/domain-type   2 READs (not the control domain)
 *   /local/domain/<id>/device                     1 DIRECTORY
 *     .../device/<kind>                           1 DIRECTORY per kind
 *       .../device/<kind>/<devid>/backend            1 READ per device
 *       <backend>/frontend, <backend>/state          2 READs per device whose
 *                                                    backend path is canonical
 * The collector counts them; the test server counts them too.
 *
 * Everything under device/ is the guest's to write, so what one domain can
 * cost is capped (XM_MAX_*): kinds, devices, device evidence lines and the
 * length of the names read. What is cut is counted (cut[]) and said in one
 * evidence line per kind of cut.
 */
#ifndef XM_DEVICES_H
#define XM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "xenmode/host.h"
#include "xm_xenstore.h"

/* Per-domain bounds. Real domains use a handful of kinds (vbd, vif, vkbd,
 * console, ...) with short names and rarely more than a few dozen devices. */
#define XM_MAX_KINDS_PER_DOMAIN 32
#define XM_MAX_DEVICES_PER_DOMAIN 1024
#define XM_MAX_DEVICE_EVIDENCE 64 /* device evidence lines per domain */
#define XM_MAX_DEVICE_NAME 64     /* bytes of a kind or devid */

/* What xenstore says about one domain. */
struct xm_xs_domain {
    char *name;         /* NULL when /local/domain/<id>/name is absent */
    char *libxl_type;   /* NULL when absent */
    char *domain_type;  /* NULL when absent */
    struct xm_devcount *devices;
    size_t n_devices;
    unsigned connected; /* total over all kinds */
    uint32_t *backends; /* distinct backend domains seen (malloc'd; at most one
                           per device read, so bounded by the device cap) */
    size_t n_backends, cap_backends;
    unsigned long cut[XM_CUT_COUNT]; /* what the bounds left unread */
    unsigned dev_lines; /* device evidence lines added so far */
};

/* Reads the nodes listed above; appends device evidence to ev. */
int xm_xs_read_domain(struct xm_xs *xs, uint32_t domid, bool dom0, struct xm_xs_domain *out,
                      struct xm_strvec *ev, struct xm_error *err);
void xm_xs_domain_dispose(struct xm_xs_domain *d);

/*
 * Whether a frontend's backend path is the canonical one the toolstack
 * writes for this frontend: /local/domain/<b>/backend/<bkind>/<domid>/<devid>,
 * with <bkind> the frontend's kind or a backend of that kind (vbd: qdisk,
 * vbd3, tap; vusb: qusb) and <b> another domain than the frontend's own (a
 * guest writes its own subtree: a backend there proves nothing). A guest
 * can rewrite its frontend's `backend` node; pointing it at another
 * frontend's or another kind's connected backend must not make it look
 * PV-enabled (the backend's `frontend` node is checked as well, by the
 * reader). On success *backend_domid is <b>.
 */
bool xm_backend_path_valid(const char *path, uint32_t domid, const char *kind,
                           const char *devid, uint32_t *backend_domid);

#endif

/*
 * xm_libxl.h - the libxl evidence source: the domain list (one hypercall)
 * and the stored configuration's shim flag.
 *
 * libxl logs through a logger it must be given (a NULL logger crashes
 * libxl_ctx_alloc); ours keeps the last error line instead of printing it,
 * so the core never writes to stderr and errors can quote libxl's reason.
 */
#ifndef XM_LIBXL_H
#define XM_LIBXL_H

#include <libxl.h>

#include "xm_classify.h"

struct xm_capture_logger {
    xentoollog_logger vtable;  /* must stay first: libxl calls through it */
    char last_error[256];
};

struct xm_libxl {
    libxl_ctx *ctx;
    struct xm_capture_logger logger;
};

void xm_libxl_init(struct xm_libxl *x);
/* Opens the context if it is not open. XM_ERR_NOXEN when there is no Xen. */
int xm_libxl_open(struct xm_libxl *x, struct xm_error *err);
void xm_libxl_close(struct xm_libxl *x);

/* One libxl_list_domain call. Free the list with libxl_dominfo_list_free. */
int xm_libxl_list(struct xm_libxl *x, libxl_dominfo **list, int *n, struct xm_error *err);

/* 1 the domain exists, 0 it is gone, -1 libxl failed (err filled). */
int xm_libxl_domain_exists(struct xm_libxl *x, uint32_t domid, struct xm_error *err);

/*
 * Reads the shim flag and c_info.type from the stored configuration
 * (libxl_userdata_retrieve "libxl-json": only the short userdata lock, no
 * device lock, no QMP). *config_type is malloc'd or NULL; *detail is a
 * static description when the result is XM_SHIM_UNREADABLE.
 */
enum xm_shim xm_libxl_read_shim(struct xm_libxl *x, uint32_t domid, char **config_type,
                                const char **detail);

/* Parses libxl's stored JSON; exposed for the unit tests. */
enum xm_shim xm_libxl_parse_config(const char *json, size_t len, char **config_type,
                                   const char **detail);

/* "4.17.7", from libxl_get_version_info; "" when libxl is not open. */
void xm_libxl_xen_version(struct xm_libxl *x, char *out, size_t outsz);

#endif

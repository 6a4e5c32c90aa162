#include "xm_libxl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "xm_domain.h"

static void capture_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval,
                             const char *context, const char *format, va_list al)
{
    struct xm_capture_logger *cl = (struct xm_capture_logger *)lg;
    if (level < XTL_ERROR)
        return;
    char msg[200];
    vsnprintf(msg, sizeof msg, format, al);
    if (errnoval >= 0)
        snprintf(cl->last_error, sizeof cl->last_error, "%s%s%s: %s", context ? context : "",
                 context ? ": " : "", msg, strerror(errnoval));
    else
        snprintf(cl->last_error, sizeof cl->last_error, "%s%s%s", context ? context : "",
                 context ? ": " : "", msg);
}

static void capture_progress(xentoollog_logger *lg, const char *context, const char *doing,
                             int percent, unsigned long done, unsigned long total)
{
    (void)lg; (void)context; (void)doing; (void)percent; (void)done; (void)total;
}

/* The logger is embedded in struct xm_libxl, so nothing to free. */
static void capture_destroy(xentoollog_logger *lg)
{
    (void)lg;
}

void xm_libxl_init(struct xm_libxl *x)
{
    memset(x, 0, sizeof *x);
    x->logger.vtable.vmessage = capture_vmessage;
    x->logger.vtable.progress = capture_progress;
    x->logger.vtable.destroy = capture_destroy;
}

static int noxen_error(struct xm_libxl *x, int saved_errno, struct xm_error *err)
{
    static const char *const nodes[] = {"/dev/xen/privcmd", "/proc/xen/privcmd"};
    bool any = false;
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        if (access(nodes[i], F_OK) == 0)
            any = true;
    if (!any)
        return xm_set_error(err, XM_ERR_NOXEN,
                            "Xen is not running on this host (cannot open /dev/xen/privcmd: %s)",
                            strerror(ENOENT));
    if (saved_errno == EACCES || saved_errno == EPERM)
        return xm_set_error(err, XM_ERR_NOXEN,
                            "cannot open /dev/xen/privcmd: %s (xenmode needs root in dom0)",
                            strerror(saved_errno));
    return xm_set_error(err, XM_ERR_NOXEN, "cannot open a libxl context: %s",
                        x->logger.last_error[0] ? x->logger.last_error : strerror(saved_errno));
}

int xm_libxl_open(struct xm_libxl *x, struct xm_error *err)
{
    if (x->ctx)
        return XM_OK;
    x->logger.last_error[0] = '\0';
    errno = 0;
    int rc = libxl_ctx_alloc(&x->ctx, LIBXL_VERSION, 0, &x->logger.vtable);
    if (rc != 0 || !x->ctx) {
        int saved = errno;
        x->ctx = NULL;
        return noxen_error(x, saved, err);
    }
    return XM_OK;
}

void xm_libxl_close(struct xm_libxl *x)
{
    if (x->ctx)
        libxl_ctx_free(x->ctx);
    x->ctx = NULL;
}

int xm_libxl_list(struct xm_libxl *x, libxl_dominfo **list, int *n, struct xm_error *err)
{
    x->logger.last_error[0] = '\0';
    *list = libxl_list_domain(x->ctx, n);
    if (!*list)
        return xm_set_error(err, XM_ERR_LIBXL, "libxl_list_domain failed: %s",
                            x->logger.last_error[0] ? x->logger.last_error : "no reason given");
    return XM_OK;
}

int xm_libxl_domain_exists(struct xm_libxl *x, uint32_t domid, struct xm_error *err)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    int rc = libxl_domain_info(x->ctx, &info, domid);
    libxl_dominfo_dispose(&info);
    if (rc == 0)
        return 1;
    if (rc == ERROR_DOMAIN_NOTFOUND)
        return 0;
    xm_set_error(err, XM_ERR_LIBXL, "libxl_domain_info(%u) failed (%d): %s", domid, rc,
                 x->logger.last_error[0] ? x->logger.last_error : "no reason given");
    return -1;
}

enum xm_shim xm_libxl_parse_config(const char *data, size_t len, char **config_type,
                                   const char **detail)
{
    *config_type = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        *detail = "stored configuration is not a JSON object";
        return XM_SHIM_UNREADABLE;
    }
    json_t *type = json_object_get(json_object_get(root, "c_info"), "type");
    if (json_is_string(type)) {
        *config_type = strdup(json_string_value(type));
    }
    json_t *b_info = json_object_get(root, "b_info");
    if (!json_is_object(b_info)) {
        json_decref(root);
        free(*config_type);
        *config_type = NULL;
        *detail = "stored configuration has no b_info";
        return XM_SHIM_UNREADABLE;
    }
    /* libxl writes the keyed union as "type.pvh"; a defbool is "True",
     * "False" or left out (and "<default>" in older writers) for false. */
    json_t *pvshim = json_object_get(json_object_get(b_info, "type.pvh"), "pvshim");
    enum xm_shim result = XM_SHIM_OFF;
    if (json_is_string(pvshim)) {
        const char *v = json_string_value(pvshim);
        if (strcmp(v, "True") == 0)
            result = XM_SHIM_ON;
        else if (strcmp(v, "False") != 0 && strcmp(v, "<default>") != 0) {
            *detail = "b_info.type.pvh.pvshim is not a libxl defbool";
            result = XM_SHIM_UNREADABLE;
        }
    } else if (json_is_true(pvshim)) {
        result = XM_SHIM_ON;
    } else if (pvshim && !json_is_false(pvshim)) {
        *detail = "b_info.type.pvh.pvshim is not a libxl defbool";
        result = XM_SHIM_UNREADABLE;
    }
    json_decref(root);
    return result;
}

enum xm_shim xm_libxl_read_shim(struct xm_libxl *x, uint32_t domid, char **config_type,
                                const char **detail)
{
    uint8_t *data = NULL;
    int len = 0;
    *config_type = NULL;
    int rc = libxl_userdata_retrieve(x->ctx, domid, "libxl-json", &data, &len);
    if (rc != 0) {
        *detail = "libxl_userdata_retrieve failed";
        return XM_SHIM_UNREADABLE;
    }
    if (!data || len <= 0) {
        free(data);
        return XM_SHIM_NO_CONFIG;
    }
    /* libxl stores the JSON with its terminating NUL (libxl__set_domain_
     * configuration writes strlen + 1): parse up to the first NUL. */
    size_t n = strnlen((const char *)data, (size_t)len);
    enum xm_shim s = xm_libxl_parse_config((const char *)data, n, config_type, detail);
    free(data);
    return s;
}

void xm_libxl_xen_version(struct xm_libxl *x, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!x->ctx)
        return;
    const libxl_version_info *v = libxl_get_version_info(x->ctx);
    if (v)
        snprintf(out, outsz, "%d.%d%s", v->xen_version_major, v->xen_version_minor,
                 v->xen_version_extra ? v->xen_version_extra : "");
}

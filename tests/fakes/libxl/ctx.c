/*
 * ctx.c - libxl_ctx_alloc, libxl_ctx_free, libxl_get_version_info.
 *
 * Without a fixture (or with "ctx_alloc" injected) the fake fails exactly
 * as the real libxl does on a machine without Xen, observed here with
 * Debian's 4.17.7: it returns ERROR_FAIL, sets *pctx to NULL and errno to
 * ENOENT, and logs two XTL_ERROR messages through the caller's logger,
 * first from libxencall (opening /dev/xen/privcmd, then /proc/xen/privcmd),
 * then from libxl itself.
 */
#include "fakexl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Live contexts: the cached fixture is dropped with the last one, so a
 * process that frees its contexts leaks nothing. */
static unsigned live_ctxs;

void fxl_check_ctx(const libxl_ctx *ctx, const char *func)
{
    if (!ctx || ctx->magic != FXL_CTX_MAGIC) {
        fprintf(stderr, "fake libxl: %s called with %s libxl_ctx %p\n", func,
                ctx ? "a freed or foreign" : "a NULL", (const void *)ctx);
        abort();
    }
}

void fxl_log(libxl_ctx *ctx, int errnoval, const char *file, int line, const char *func,
             uint32_t domid, const char *fmt, ...)
{
    int esave = errno;
    char msg[512], domain[32] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* libxl__logv names the domain only for a valid guest domid (not 0). */
    if (libxl_domid_valid_guest(domid))
        snprintf(domain, sizeof domain, "Domain %u:", domid);
    xtl_log(ctx->lg, XTL_ERROR, errnoval, "libxl", "%s:%d:%s: %s%s", file, line, func, domain,
            msg);
    errno = esave;
}

/* The real failure without a hypervisor, message for message. */
static int no_xen(libxl_ctx **pctx, xentoollog_logger *lg)
{
    *pctx = NULL;
    xtl_log(lg, XTL_ERROR, ENOENT, "xencall",
            "Could not obtain handle on privileged command interface");
    xtl_log(lg, XTL_ERROR, ENOENT, "libxl", "%s:%d:%s: %s", "libxl.c", 102, "libxl_ctx_alloc",
            "cannot open libxc handle");
    errno = ENOENT;
    return ERROR_FAIL;
}

int libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg)
{
    (void)flags;
    /* The real one checks the version before touching the logger. */
    if (version != LIBXL_VERSION) {
        *pctx = NULL;
        return ERROR_VERSION;
    }
    if (!lg) {
        /* The real libxl dereferences the logger and dies with SIGSEGV. */
        fprintf(stderr, "fake libxl: libxl_ctx_alloc called with a NULL logger "
                        "(the real libxl crashes on it)\n");
        abort();
    }

    pthread_mutex_lock(&fxl_lock);
    json_t *root = fxl_fixture();
    bool fail = !root || fxl_fixture_failing(root, "ctx_alloc");
    libxl_ctx *ctx = NULL;
    if (!fail) {
        ctx = calloc(1, sizeof *ctx);
        if (ctx) {
            ctx->magic = FXL_CTX_MAGIC;
            ctx->lg = lg;
            libxl_version_info_init(&ctx->version);
            live_ctxs++;
        }
    }
    if (!ctx && live_ctxs == 0)
        fxl_fixture_release();
    pthread_mutex_unlock(&fxl_lock);

    if (fail)
        return no_xen(pctx, lg);
    if (!ctx) {
        int e = errno;
        xtl_log(lg, XTL_ERROR, e, "libxl", "%s:%d:%s: Failed to allocate context\n", "libxl.c",
                30, "libxl_ctx_alloc");
        *pctx = NULL;
        return ERROR_NOMEM;
    }
    *pctx = ctx;
    return 0;
}

int libxl_ctx_free(libxl_ctx *ctx)
{
    if (!ctx)
        return 0;
    fxl_check_ctx(ctx, __func__);
    pthread_mutex_lock(&fxl_lock);
    libxl_version_info_dispose(&ctx->version);
    ctx->magic = 0;
    if (--live_ctxs == 0)
        fxl_fixture_release();
    pthread_mutex_unlock(&fxl_lock);
    free(ctx);
    return 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

/* "4.17.7" -> 4, 17, ".7": Xen's extraversion keeps its leading dot. The
 * capabilities string follows the fixture's "capabilities". */
static void fill_version(libxl_version_info *v, const char *text, json_t *root)
{
    char *end = NULL;
    long major = strtol(text, &end, 10);
    long minor = 0;
    if (end && *end == '.')
        minor = strtol(end + 1, &end, 10);
    v->xen_version_major = (int)major;
    v->xen_version_minor = (int)minor;
    v->xen_version_extra = dup_or_empty(end);
    /* Plausible values for the rest, as Debian's hypervisor reports them. */
    v->compiler = dup_or_empty("gcc (Debian 12.2.0-14+deb12u1) 12.2.0");
    v->compile_by = dup_or_empty("pkg-xen-devel");
    v->compile_domain = dup_or_empty("lists.alioth.debian.org");
    v->compile_date = dup_or_empty("Tue Jan  1 00:00:00 UTC 2025");
    /* arch_get_xen_caps(): the PV entries, then the HVM ones. */
    char caps[160];
    snprintf(caps, sizeof caps, "%s%s%s", fxl_fixture_cap(root, "pv64") ? "xen-3.0-x86_64 " : "",
             fxl_fixture_cap(root, "pv32") ? "xen-3.0-x86_32p " : "",
             fxl_fixture_cap(root, "hvm") ? "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64" : "");
    v->capabilities = dup_or_empty(caps);
    v->changeset = dup_or_empty("");
    v->virt_start = 0xffff800000000000ull;
    v->pagesize = 4096;
    v->commandline = dup_or_empty("placeholder dom0_mem=1024M,max:1024M");
    v->build_id = dup_or_empty("");
}

const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)
{
    fxl_check_ctx(ctx, __func__);
    pthread_mutex_lock(&fxl_lock);
    /* Like the real one: read once, then the ctx's copy is returned. */
    if (!ctx->version_filled) {
        json_t *root = fxl_fixture();
        const char *text = json_string_value(json_object_get(root, "xen_version"));
        fill_version(&ctx->version, text ? text : "4.17.7", root);
        ctx->version_filled = true;
    }
    pthread_mutex_unlock(&fxl_lock);
    return &ctx->version;
}

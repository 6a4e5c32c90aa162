#include "xm_xenstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>


void xm_xs_init(struct xm_xs *xs)
{
    xs->h = NULL;
    xs->requests = 0;
}

static const char *xenstore_location(void)
{
    const char *p = getenv("XENSTORED_PATH");
    if (p && *p)
        return p;
    const char *rundir = getenv("XENSTORED_RUNDIR");
    if (rundir && *rundir)
        return rundir; /* libxenstore appends /socket */
    return "/var/run/xenstored/socket";
}

int xm_xs_open(struct xm_xs *xs, struct xm_error *err)
{
    if (xs->h)
        return XM_OK;
    errno = 0;
    xs->h = xs_open(0);
    if (!xs->h)
        return xm_set_error(err, XM_ERR_XENSTORE, "cannot connect to xenstore at %s: %s",
                            xenstore_location(), strerror(errno ? errno : ECONNREFUSED));
    return XM_OK;
}

void xm_xs_close(struct xm_xs *xs)
{
    if (xs->h)
        xs_close(xs->h);
    xs->h = NULL;
}

/* ENOENT: no such node; EACCES: not ours to read; EINVAL: a path built
 * from a guest-written value that xenstored refuses. Anything else means
 * the connection itself is gone. */
static bool errno_means_missing(int e)
{
    return e == ENOENT || e == EACCES || e == EINVAL || e == E2BIG;
}

int xm_xs_read(struct xm_xs *xs, const char *path, char **value, struct xm_error *err)
{
    unsigned len = 0;
    xs->requests++;
    errno = 0;
    *value = xs_read(xs->h, XBT_NULL, path, &len);
    if (*value)
        return XM_XS_FOUND;
    if (errno_means_missing(errno))
        return XM_XS_MISSING;
    xm_set_error(err, XM_ERR_XENSTORE, "xenstore read of %s failed: %s", path,
                 strerror(errno ? errno : EIO));
    return XM_XS_FAILED;
}

int xm_xs_directory(struct xm_xs *xs, const char *path, char ***names, unsigned *n,
                    struct xm_error *err)
{
    xs->requests++;
    errno = 0;
    *n = 0;
    *names = xs_directory(xs->h, XBT_NULL, path, n);
    if (*names)
        return XM_XS_FOUND;
    if (errno_means_missing(errno))
        return XM_XS_MISSING;
    xm_set_error(err, XM_ERR_XENSTORE, "xenstore directory of %s failed: %s", path,
                 strerror(errno ? errno : EIO));
    return XM_XS_FAILED;
}

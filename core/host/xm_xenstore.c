#include "xm_xenstore.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xs_wire.h>

#include "xm_deadline.h"


void xm_xs_init(struct xm_xs *xs)
{
    xs->h = NULL;
    xs->requests = 0;
    xs->guard = NULL;
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
    struct xm_fdset before = {NULL, 0};
    if (xs->guard)
        xm_fdset_take(&before);
    errno = 0;
    xs->h = xs_open(0);
    int saved = errno;
    if (xs->h && xs->guard)
        xm_deadline_adopt(xs->guard, &before, xs_daemon_socket(), XM_GUARD_XS);
    xm_fdset_dispose(&before);
    if (!xs->h)
        return xm_set_error(err, XM_ERR_XENSTORE, "cannot connect to xenstore at %s: %s",
                            xenstore_location(), strerror(saved ? saved : ECONNREFUSED));
    return XM_OK;
}

void xm_xs_close(struct xm_xs *xs)
{
    if (xs->h)
        xs_close(xs->h);
    xs->h = NULL;
    if (xs->guard)
        xm_deadline_release(xs->guard, XM_GUARD_XS);
}

const char *xm_xs_socket_path(void)
{
    return xs_daemon_socket();
}

static int not_answering(struct xm_error *err, const char *path, const char *why)
{
    return xm_set_error(err, XM_ERR_TIMEOUT, "xenstored is not answering at %s (%s)", path,
                        why);
}

/* A new probe: connect without blocking and send a read of "/". XM_OK with
 * p->fd set, or with p->fd -1 when there is nothing to probe (xs_open will
 * say why), or XM_ERR_TIMEOUT when the listen backlog is full. */
static int probe_start(struct xm_xs_probe *p, const char *path, struct xm_error *err)
{
    struct stat st;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode) || strlen(path) >= sizeof sa.sun_path)
        return XM_OK;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return XM_OK;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        /* A full backlog: xenstored has not accepted for a while. Refused
         * or gone: not a stall, xs_open reports it. */
        return e == EAGAIN ? not_answering(err, path, "its socket accepts no connection")
                           : XM_OK;
    }
    struct xsd_sockmsg hdr = {.type = XS_READ, .req_id = 1, .tx_id = 0, .len = 2};
    char req[sizeof hdr + 2];
    memcpy(req, &hdr, sizeof hdr);
    memcpy(req + sizeof hdr, "/", 2);
    /* An empty socket buffer takes 18 bytes at once. */
    if (send(fd, req, sizeof req, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof req) {
        close(fd);
        return XM_OK;
    }
    p->fd = fd;
    return XM_OK;
}

void xm_xs_probe_init(struct xm_xs_probe *p)
{
    p->fd = -1;
}

void xm_xs_probe_close(struct xm_xs_probe *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

int xm_xs_probe_check(struct xm_xs_probe *p, double wait_until, struct xm_error *err)
{
    const char *path = xs_daemon_socket();
    double left = 0; /* a probe already in flight is only looked at */
    if (p->fd < 0) {
        int rc = probe_start(p, path, err);
        if (rc != XM_OK || p->fd < 0)
            return rc;
        left = wait_until - xm_monotonic_seconds();
    }
    struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
    int n;
    do
        n = poll(&pfd, 1, left > 0 ? (int)(left * 1000) : 0);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        return not_answering(err, path, "no reply to a read of / yet");
    /* An answer, an error or a hang-up: xenstored is running again (or is
     * gone, which xs_open reports); either way the probe is done. */
    xm_xs_probe_close(p);
    return XM_OK;
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

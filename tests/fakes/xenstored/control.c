/* Control commands; see control.h. */
#include "control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A line longer than this is refused: it is no command we know. */
#define CTL_LINE_MAX (64 * 1024)

static const char *const type_names[XS_TYPE_COUNT] = {
    [XS_CONTROL] = "CONTROL", [XS_DIRECTORY] = "DIRECTORY",
    [XS_READ] = "READ", [XS_GET_PERMS] = "GET_PERMS", [XS_WATCH] = "WATCH",
    [XS_UNWATCH] = "UNWATCH", [XS_TRANSACTION_START] = "TRANSACTION_START",
    [XS_TRANSACTION_END] = "TRANSACTION_END", [XS_INTRODUCE] = "INTRODUCE",
    [XS_RELEASE] = "RELEASE", [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
    [XS_WRITE] = "WRITE", [XS_MKDIR] = "MKDIR", [XS_RM] = "RM",
    [XS_SET_PERMS] = "SET_PERMS", [XS_WATCH_EVENT] = "WATCH_EVENT",
    [XS_ERROR] = "ERROR", [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
    [XS_RESUME] = "RESUME", [XS_SET_TARGET] = "SET_TARGET",
    [XS_RESET_WATCHES] = "RESET_WATCHES",
    [XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

static void cmd_stats(struct server *srv, char *reply, size_t len)
{
    const uint64_t *t = srv->stats.by_type;
    uint64_t dir = t[XS_DIRECTORY] + t[XS_DIRECTORY_PART];
    uint64_t known = t[XS_READ] + dir + t[XS_WATCH] + t[XS_WRITE] + t[XS_RM];
    snprintf(reply, len,
             "requests=%" PRIu64 " read=%" PRIu64 " directory=%" PRIu64
             " watch=%" PRIu64 " write=%" PRIu64 " rm=%" PRIu64
             " other=%" PRIu64 " connections=%zu watches=%zu",
             srv->stats.total, t[XS_READ], dir, t[XS_WATCH], t[XS_WRITE],
             t[XS_RM], srv->stats.total - known, server_conn_count(srv),
             server_watch_count(srv));
}

/* Every type by its xs_wire.h name, for tests that need finer counts. */
static void cmd_stats_types(struct server *srv, char *reply, size_t len)
{
    size_t off = 0;
    for (int i = 0; i <= XS_TYPE_COUNT && off < len; i++) {
        const char *name = i < XS_TYPE_COUNT ? type_names[i] : "UNKNOWN";
        if (!name)
            name = "UNUSED";
        int n = snprintf(reply + off, len - off, "%s%s=%" PRIu64,
                         off ? " " : "", name, srv->stats.by_type[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
}

/* Decodes "\n" and "\\" in place; any other backslash stays as it is. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && (r[1] == 'n' || r[1] == '\\')) {
            *w++ = r[1] == 'n' ? '\n' : '\\';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

void ctl_execute(struct server *srv, char *line, char *reply, size_t len)
{
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    char err[512];

    if (strcmp(line, "stats") == 0 && !arg) {
        cmd_stats(srv, reply, len);
    } else if (strcmp(line, "stats-types") == 0 && !arg) {
        cmd_stats_types(srv, reply, len);
    } else if (strcmp(line, "reset-stats") == 0 && !arg) {
        memset(&srv->stats, 0, sizeof(srv->stats));
        snprintf(reply, len, "ok");
    } else if (strcmp(line, "reload") == 0 && !arg) {
        if (server_reload(srv, err, sizeof(err)) == 0)
            snprintf(reply, len, "ok");
        else
            snprintf(reply, len, "error %s: %s", srv->fixture, err);
    } else if (strcmp(line, "write") == 0 && arg) {
        char *value = strchr(arg, ' ');
        if (value)
            *value++ = '\0';
        else
            value = arg + strlen(arg);   /* no value: empty */
        unescape(value);
        if (!store_path_valid(arg)) {
            snprintf(reply, len, "error invalid path: %s", arg);
        } else {
            int e = store_write(&srv->store, arg, value, strlen(value));
            if (e)
                snprintf(reply, len, "error %s", strerror(e));
            else
                snprintf(reply, len, "ok");
        }
    } else if (strcmp(line, "rm") == 0 && arg) {
        int e = store_path_valid(arg) ? store_rm(&srv->store, arg) : EINVAL;
        /* Nothing under a missing parent: already removed, which is fine. */
        if (e == ENOENT)
            e = 0;
        if (e)
            snprintf(reply, len, "error %s: %s", strerror(e), arg);
        else
            snprintf(reply, len, "ok");
    } else if (strcmp(line, "drop-connections") == 0 && !arg) {
        for (struct conn *c = srv->conns; c; c = c->next)
            conn_close(c);
        snprintf(reply, len, "ok");
    } else {
        snprintf(reply, len, "error unknown command: %s%s%s", line,
                 arg ? " " : "", arg ? arg : "");
    }
}

void ctl_accept(struct server *srv)
{
    for (;;) {
        int fd = accept4(srv->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                fprintf(stderr, "fake-xenstored: control accept: %s\n",
                        strerror(errno));
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return;
        }
        struct ctl_conn *cc = calloc(1, sizeof(*cc));
        if (!cc) {
            close(fd);
            continue;
        }
        cc->fd = fd;
        cc->next = srv->ctls;
        if (srv->ctls)
            srv->ctls->prev = cc;
        srv->ctls = cc;
    }
}

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    char *b = realloc(*buf, n);
    if (!b)
        return -1;
    *buf = b;
    *cap = n;
    return 0;
}

static void queue_reply(struct ctl_conn *cc, const char *reply)
{
    size_t l = strlen(reply);
    if (grow(&cc->out, &cc->outcap, cc->outlen + l + 1) < 0) {
        cc->dead = true;
        return;
    }
    memcpy(cc->out + cc->outlen, reply, l);
    cc->out[cc->outlen + l] = '\n';
    cc->outlen += l + 1;
}

/* Runs every complete line in the input buffer. */
static void run_lines(struct server *srv, struct ctl_conn *cc)
{
    char *start = cc->in, *nl;
    /* Replies are one line: a big buffer covers stats-types and errors. */
    char reply[4096];
    while (!cc->dead && (nl = memchr(start, '\n', cc->inlen -
                                     (size_t)(start - cc->in)))) {
        *nl = '\0';
        if (nl > start && nl[-1] == '\r')
            nl[-1] = '\0';
        ctl_execute(srv, start, reply, sizeof(reply));
        queue_reply(cc, reply);
        start = nl + 1;
    }
    size_t rest = cc->inlen - (size_t)(start - cc->in);
    memmove(cc->in, start, rest);
    cc->inlen = rest;
}

void ctl_on_readable(struct server *srv, struct ctl_conn *cc)
{
    for (;;) {
        if (grow(&cc->in, &cc->incap, cc->inlen + 4096 + 1) < 0) {
            cc->dead = true;
            return;
        }
        ssize_t r = read(cc->fd, cc->in + cc->inlen, cc->incap - cc->inlen - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            /* EOF: a last line without newline still counts; answer it
             * before closing, as far as the socket takes it. */
            if (r == 0 && cc->inlen > 0) {
                cc->in[cc->inlen++] = '\n';
                run_lines(srv, cc);
                ctl_flush(cc);
            }
            cc->dead = true;
            return;
        }
        cc->inlen += (size_t)r;
        run_lines(srv, cc);
        if (cc->inlen > CTL_LINE_MAX) {
            queue_reply(cc, "error line too long");
            ctl_flush(cc);
            cc->dead = true;
            return;
        }
    }
    ctl_flush(cc);
}

void ctl_flush(struct ctl_conn *cc)
{
    size_t off = 0;
    while (off < cc->outlen) {
        ssize_t w = send(cc->fd, cc->out + off, cc->outlen - off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                cc->dead = true;
            break;
        }
        off += (size_t)w;
    }
    memmove(cc->out, cc->out + off, cc->outlen - off);
    cc->outlen -= off;
}

void ctl_free(struct server *srv, struct ctl_conn *cc)
{
    if (cc->prev)
        cc->prev->next = cc->next;
    else
        srv->ctls = cc->next;
    if (cc->next)
        cc->next->prev = cc->prev;
    close(cc->fd);
    free(cc->in);
    free(cc->out);
    free(cc);
}

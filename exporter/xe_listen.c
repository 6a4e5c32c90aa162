/* Parsing listen addresses and opening the listening sockets. */
#include "xe_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static bool valid_port(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return atoi(p) <= 65535;
}

int xe_listen_parse(const char *spec, struct xe_listen_addr *out, char *err, size_t errsz)
{
    const char *colon, *host = spec;
    size_t hostlen;

    memset(out, 0, sizeof *out);
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':') {
            snprintf(err, errsz, "\"%s\": expected [IPv6]:PORT", spec);
            return -1;
        }
        host = spec + 1;
        hostlen = (size_t)(close - host);
        colon = close + 1;
        struct in6_addr a6;
        char tmp[INET6_ADDRSTRLEN + 1];
        if (hostlen == 0 || hostlen >= sizeof tmp) {
            snprintf(err, errsz, "\"%s\": not an IPv6 address", spec);
            return -1;
        }
        memcpy(tmp, host, hostlen);
        tmp[hostlen] = '\0';
        if (inet_pton(AF_INET6, tmp, &a6) != 1) {
            snprintf(err, errsz, "\"%s\": not an IPv6 address", spec);
            return -1;
        }
    } else {
        colon = strrchr(spec, ':');
        if (!colon) {
            snprintf(err, errsz, "\"%s\": missing port (use :PORT, IPv4:PORT or [IPv6]:PORT)",
                     spec);
            return -1;
        }
        hostlen = (size_t)(colon - spec);
        if (memchr(spec, ':', hostlen)) {
            snprintf(err, errsz, "\"%s\": an IPv6 address needs brackets: [IPv6]:PORT", spec);
            return -1;
        }
    }
    if (hostlen >= sizeof out->host) {
        snprintf(err, errsz, "\"%s\": host name too long", spec);
        return -1;
    }
    if (!valid_port(colon + 1)) {
        snprintf(err, errsz, "\"%s\": \"%s\" is not a port number (0-65535)", spec, colon + 1);
        return -1;
    }
    memcpy(out->host, host, hostlen);
    out->host[hostlen] = '\0';
    snprintf(out->port, sizeof out->port, "%s", colon + 1);
    return 0;
}

static void describe(const struct sockaddr *sa, char *out, size_t outsz)
{
    if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *su = (const struct sockaddr_un *)sa;
        snprintf(out, outsz, "unix:%s", su->sun_path[0] ? su->sun_path : "@");
        return;
    }
    char h[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, h, sizeof h);
        port = ntohs(s6->sin6_port);
        snprintf(out, outsz, "[%s]:%u", h, port);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, h, sizeof h);
        port = ntohs(s4->sin_port);
        snprintf(out, outsz, "%s:%u", h, port);
    }
}

/* One socket for one address; -1 with errno set on failure. */
static int open_one(const struct sockaddr *sa, socklen_t len, bool dual_stack)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1, zero = 0;
    /* Restarting must not wait for old connections in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof one);
    if (bind(fd, sa, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int xe_listen_open(const struct xe_listen_addr *a, char *bound, size_t boundsz, char *err,
                   size_t errsz)
{
    int fd = -1;
    char shown[300];
    snprintf(shown, sizeof shown, "%s%s%s:%s", strchr(a->host, ':') ? "[" : "", a->host,
             strchr(a->host, ':') ? "]" : "", a->port);

    if (a->host[0] == '\0') {
        /* Every address: dual-stack IPv6 socket, or IPv4 on a host without IPv6. */
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT,
                                  .sin6_port = htons((uint16_t)atoi(a->port))};
        fd = open_one((struct sockaddr *)&s6, sizeof s6, true);
        if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
            struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY),
                                     .sin_port = htons((uint16_t)atoi(a->port))};
            fd = open_one((struct sockaddr *)&s4, sizeof s4, false);
        }
        if (fd < 0) {
            snprintf(err, errsz, "cannot listen on %s: %s", shown, strerror(errno));
            return -1;
        }
    } else {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        struct addrinfo *res = NULL;
        int rc = getaddrinfo(a->host, a->port, &hints, &res);
        if (rc != 0) {
            snprintf(err, errsz, "cannot listen on %s: %s", shown, gai_strerror(rc));
            return -1;
        }
        fd = open_one(res->ai_addr, res->ai_addrlen, false);
        int e = errno;
        freeaddrinfo(res);
        if (fd < 0) {
            snprintf(err, errsz, "cannot listen on %s: %s", shown, strerror(e));
            return -1;
        }
    }
    if (bound) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
            describe((struct sockaddr *)&ss, bound, boundsz);
        else
            snprintf(bound, boundsz, "%s", shown);
    }
    return fd;
}

int xe_listen_systemd(int **fds, char ***names, size_t *n, char *err, size_t errsz)
{
    *fds = NULL;
    *names = NULL;
    *n = 0;
    int got = sd_listen_fds(1);
    if (got < 0) {
        snprintf(err, errsz, "--web.systemd-socket: cannot read the sockets systemd passed: %s",
                 strerror(-got));
        return -1;
    }
    if (got == 0) {
        snprintf(err, errsz, "--web.systemd-socket: systemd passed no socket (LISTEN_FDS unset: "
                             "is the service started by its .socket unit?)");
        return -1;
    }
    *fds = calloc((size_t)got, sizeof **fds);
    *names = calloc((size_t)got, sizeof **names);
    if (!*fds || !*names) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    for (int i = 0; i < got; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        (*fds)[i] = fd;
        *n = (size_t)i + 1;
        if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
            snprintf(err, errsz, "--web.systemd-socket: descriptor %d from systemd is not a "
                                 "listening stream socket (ListenStream= in the .socket unit)",
                     fd);
            return -1;
        }
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        char bound[320] = "?";
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
            describe((struct sockaddr *)&ss, bound, sizeof bound);
        (*names)[i] = strdup(bound);
        if (!(*names)[i]) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    }
    return 0;
}

/*
 * xm-load: a small HTTP/1.1 load generator for xenmode_exporter's benchmark
 * and tests. Each of --connections threads opens one keep-alive connection
 * and sends --requests GETs on it one after the other; with --barrier all
 * connections are open before any request is sent (a burst of truly
 * concurrent requests). With --duration each connection stops sending
 * after that many seconds (and --requests, when given too, still caps it).
 * Responses are read by Content-Length or, without one, as a chunked body
 * (Transfer-Encoding: chunked, as Go's net/http sends, e.g. node_exporter).
 *
 * Output, one line of key=value pairs:
 *   requests ok status_other errors reconnects seconds rps p50_ms p99_ms
 *   max_ms body_bytes
 * Exit status 0 when every request got --expect-status (default 200) and
 * no connection had to be reopened, else 1; 2 for usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xenmode/util.h"

struct opts {
    const char *host, *port, *path;
    char headers[4096];
    int connections;
    long requests;
    double duration; /* seconds; 0: --requests alone */
    int expect;
    bool barrier;
};

struct worker {
    const struct opts *o;
    pthread_barrier_t *barrier;
    double *lat;       /* seconds, one per request */
    long lat_cap;
    long done, ok, other, errors, reconnects;
    size_t body_bytes; /* of the last response */
};

static int dial(const struct opts *o)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(o->host, o->port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Connection buffer: bytes received and not consumed yet. */
struct conn {
    int fd;
    char *buf;
    size_t len, cap;
};

static int fill(struct conn *c)
{
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 65536;
        char *p = realloc(c->buf, cap);
        if (!p)
            return -1;
        c->buf = p;
        c->cap = cap;
    }
    ssize_t r;
    do
        r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    while (r < 0 && errno == EINTR);
    if (r <= 0)
        return -1;
    c->len += (size_t)r;
    return 0;
}

static void consume(struct conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* Consumes one CRLF-terminated line into line (truncated to cap - 1). */
static int read_line(struct conn *c, char *line, size_t cap)
{
    char *nl;
    while (!(nl = c->len ? memchr(c->buf, '\n', c->len) : NULL))
        if (fill(c) != 0)
            return -1;
    size_t n = (size_t)(nl - c->buf);
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(line, c->buf, k);
    line[k] = '\0';
    consume(c, n + 1);
    return 0;
}

/* A chunked body (RFC 9112 7.1): chunks, the last of size 0, trailers,
 * an empty line. *body is the decoded size. */
static int read_chunked(struct conn *c, size_t *body)
{
    char line[256];
    *body = 0;
    for (;;) {
        if (read_line(c, line, sizeof line) != 0)
            return -1;
        char *end;
        unsigned long size = strtoul(line, &end, 16);
        if (end == line)
            return -1;
        if (size == 0)
            break;
        while (c->len < size + 2)
            if (fill(c) != 0)
                return -1;
        consume(c, size + 2); /* data and its CRLF */
        *body += size;
    }
    do /* trailers, up to the empty line */
        if (read_line(c, line, sizeof line) != 0)
            return -1;
    while (line[0] != '\0' && strcmp(line, "\r") != 0);
    return 0;
}

/* Reads one response; returns its status or -1. *close_after tells whether
 * the server announced it closes the connection. */
static int read_response(struct conn *c, bool head, size_t *body, bool *close_after)
{
    char *end;
    for (;;) {
        end = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
        if (end)
            break;
        if (fill(c) != 0)
            return -1;
    }
    size_t hlen = (size_t)(end - c->buf) + 4;
    int status = 0;
    if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1)
        return -1;
    size_t clen = 0;
    bool chunked = false;
    *close_after = false;
    for (char *line = memchr(c->buf, '\n', hlen); line && line < c->buf + hlen;
         line = memchr(line + 1, '\n', (size_t)(c->buf + hlen - line - 1))) {
        char *l = line + 1;
        if (strncasecmp(l, "Content-Length:", 15) == 0)
            clen = strtoul(l + 15, NULL, 10);
        else if (strncasecmp(l, "Transfer-Encoding:", 18) == 0 &&
                 strncasecmp(l + 18 + strspn(l + 18, " \t"), "chunked", 7) == 0)
            chunked = true;
        else if (strncasecmp(l, "Connection:", 11) == 0 &&
                 strncasecmp(l + 11 + strspn(l + 11, " \t"), "close", 5) == 0)
            *close_after = true;
    }
    if (head || status == 204 || status == 304)
        clen = 0, chunked = false;
    if (chunked) {
        consume(c, hlen);
        return read_chunked(c, body) == 0 ? status : -1;
    }
    while (c->len < hlen + clen)
        if (fill(c) != 0)
            return -1;
    consume(c, hlen + clen);
    *body = clen;
    return status;
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    const struct opts *o = w->o;
    char req[8192];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\n%s\r\n", o->path, o->host,
                     o->port, o->headers);
    struct conn c = {.fd = dial(o)};
    if (w->barrier)
        pthread_barrier_wait(w->barrier);
    double stop = o->duration > 0 ? xm_monotonic_seconds() + o->duration : 0;
    for (long i = 0; i < o->requests && (!stop || xm_monotonic_seconds() < stop); i++) {
        if (w->done == w->lat_cap) {
            long cap = w->lat_cap * 2;
            double *p = realloc(w->lat, (size_t)cap * sizeof *p);
            if (!p)
                break;
            w->lat = p;
            w->lat_cap = cap;
        }
        if (c.fd < 0) {
            c.fd = dial(o);
            c.len = 0;
            if (c.fd < 0) {
                w->errors++;
                w->lat[w->done++] = 0;
                continue;
            }
            if (i > 0)
                w->reconnects++;
        }
        double t0 = xm_monotonic_seconds();
        size_t body = 0;
        bool close_after = false;
        int status = -1;
        if (send_all(c.fd, req, (size_t)n) == 0)
            status = read_response(&c, false, &body, &close_after);
        w->lat[w->done++] = xm_monotonic_seconds() - t0;
        if (status < 0) {
            w->errors++;
            close(c.fd);
            c.fd = -1;
            continue;
        }
        if (status == o->expect)
            w->ok++;
        else
            w->other++;
        w->body_bytes = body;
        if (close_after) {
            close(c.fd);
            c.fd = -1;
        }
    }
    if (c.fd >= 0)
        close(c.fd);
    free(c.buf);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: xm-load [--connections N] [--requests N] [--duration SECONDS] [--barrier]\n"
                 "               [--header 'K: V']... [--expect-status CODE] HOST PORT PATH\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"connections", required_argument, NULL, 'c'},
        {"requests", required_argument, NULL, 'n'},
        {"duration", required_argument, NULL, 'd'},
        {"header", required_argument, NULL, 'H'},
        {"expect-status", required_argument, NULL, 's'},
        {"barrier", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o = {.connections = 1, .requests = 100, .expect = 200};
    bool requests_set = false;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:n:d:H:s:bh", lo, NULL)) != -1) {
        switch (ch) {
        case 'c': o.connections = atoi(optarg); break;
        case 'n': o.requests = atol(optarg); requests_set = true; break;
        case 'd': o.duration = atof(optarg); break;
        case 's': o.expect = atoi(optarg); break;
        case 'b': o.barrier = true; break;
        case 'H':
            if (strlen(o.headers) + strlen(optarg) + 3 >= sizeof o.headers)
                return 2;
            strcat(o.headers, optarg);
            strcat(o.headers, "\r\n");
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (o.duration > 0 && !requests_set)
        o.requests = LONG_MAX;
    if (argc - optind != 3 || o.connections < 1 || o.requests < 1 || o.duration < 0) {
        usage(stderr);
        return 2;
    }
    o.host = argv[optind];
    o.port = argv[optind + 1];
    o.path = argv[optind + 2];

    struct worker *w = calloc((size_t)o.connections, sizeof *w);
    pthread_t *t = calloc((size_t)o.connections, sizeof *t);
    pthread_barrier_t barrier;
    if (!w || !t)
        return 1;
    if (o.barrier)
        pthread_barrier_init(&barrier, NULL, (unsigned)o.connections + 1);
    for (int i = 0; i < o.connections; i++) {
        w[i].o = &o;
        w[i].barrier = o.barrier ? &barrier : NULL;
        w[i].lat_cap = o.requests < 4096 ? o.requests : 4096;
        w[i].lat = calloc((size_t)w[i].lat_cap, sizeof(double));
        if (!w[i].lat)
            return 1;
    }
    double t0 = xm_monotonic_seconds();
    for (int i = 0; i < o.connections; i++)
        if (pthread_create(&t[i], NULL, run_worker, &w[i]) != 0)
            return 1;
    if (o.barrier) {
        pthread_barrier_wait(&barrier); /* every connection is open */
        t0 = xm_monotonic_seconds();
    }
    for (int i = 0; i < o.connections; i++)
        pthread_join(t[i], NULL);
    double elapsed = xm_monotonic_seconds() - t0;

    long total = 0, ok = 0, other = 0, errors = 0, reconnects = 0;
    size_t body = 0;
    long n_all = 0;
    for (int i = 0; i < o.connections; i++)
        n_all += w[i].done;
    double *all = calloc((size_t)n_all + 1, sizeof(double));
    if (!all)
        return 1;
    for (int i = 0; i < o.connections; i++) {
        memcpy(all + total, w[i].lat, (size_t)w[i].done * sizeof(double));
        total += w[i].done;
        ok += w[i].ok;
        other += w[i].other;
        errors += w[i].errors;
        reconnects += w[i].reconnects;
        if (w[i].body_bytes)
            body = w[i].body_bytes;
        free(w[i].lat);
    }
    qsort(all, (size_t)total, sizeof(double), cmp_double);
    double p50 = total ? all[(size_t)((double)(total - 1) * 0.50)] : 0;
    double p99 = total ? all[(size_t)((double)(total - 1) * 0.99)] : 0;
    double max = total ? all[total - 1] : 0;
    printf("requests=%ld ok=%ld status_other=%ld errors=%ld reconnects=%ld seconds=%.3f "
           "rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f body_bytes=%zu\n",
           total, ok, other, errors, reconnects, elapsed, elapsed > 0 ? (double)total / elapsed : 0,
           p50 * 1e3, p99 * 1e3, max * 1e3, body);
    free(all);
    free(w);
    free(t);
    if (o.barrier)
        pthread_barrier_destroy(&barrier);
    return ok == total && reconnects == 0 ? 0 : 1;
}

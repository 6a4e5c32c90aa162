/* The libmicrohttpd side: routing, auth, the in-flight limit, responses. */
#include "xe_http.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "xe_accept.h"
#include "xe_gzip.h"
#include "xe_negotiate.h"

#define THREADS_PER_DAEMON 4
/* A new connection has this long to send a whole request: connections
 * that send nothing, or drip their headers, do not hold a slot for long. */
#define REQUEST_TIMEOUT_SECONDS 10
/* Once a client has been served, it may keep the connection idle this long
 * between scrapes (longer than any sane scrape interval). */
#define IDLE_TIMEOUT_SECONDS 120
/* Connections per daemon, when the descriptor limit leaves room for them. */
#define MAX_CONNECTIONS 4096
/* Connections from one client address: an eighth of the limit, so that a
 * single hostile address leaves the rest to Prometheus. */
#define PER_ADDRESS_SHARE 8
#define REALM "xenmode_exporter"

struct xe_http {
    const struct xe_http_opts *o;
    struct MHD_Daemon **daemons;
    size_t n_daemons;
    struct xe_accept *tls_accept; /* HTTPS: our accept loop (xe_accept.h) */
    atomic_uint in_flight;
    char seen; /* marker in a request's con_cls: its headers were checked */
};

static void log_request(struct xe_http *h, const char *method, const char *url, unsigned status)
{
    if (h->o->log->level > XE_DEBUG)
        return;
    char st[8];
    snprintf(st, sizeof st, "%u", status);
    xe_log(h->o->log, XE_DEBUG, "request", "method", method, "path", url, "status", st, NULL);
}

/* Queues a response whose body is copied from text. */
static enum MHD_Result reply(struct xe_http *h, struct MHD_Connection *c, const char *method,
                             const char *url, unsigned status, const char *ctype,
                             const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    xe_web_add_headers(h->o->web, r);
    if (status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(r, "Retry-After", "1");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    log_request(h, method, url, status);
    return ret;
}

static void html_escape(struct xm_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': xm_buf_puts(b, "&amp;"); break;
        case '<': xm_buf_puts(b, "&lt;"); break;
        case '>': xm_buf_puts(b, "&gt;"); break;
        case '"': xm_buf_puts(b, "&quot;"); break;
        case '\'': xm_buf_puts(b, "&#39;"); break;
        default: xm_buf_putc(b, *s);
        }
    }
}

static enum MHD_Result landing_page(struct xe_http *h, struct MHD_Connection *c,
                                    const char *method, const char *url)
{
    struct xm_buf b;
    xm_buf_init(&b);
    xm_buf_puts(&b, "<!DOCTYPE html>\n<html>\n<head><meta charset=\"utf-8\">"
                    "<title>xenmode_exporter</title></head>\n<body>\n"
                    "<h1>xenmode_exporter</h1>\n"
                    "<p>Prometheus exporter of each Xen domain's virtualization mode "
                    "(pv, pvh, hvm, pvhvm, pv_in_pvh).</p>\n<p>Version " XM_BUILD_VERSION
                    " (revision " XM_BUILD_REVISION ")</p>\n<p><a href=\"");
    html_escape(&b, h->o->telemetry_path);
    xm_buf_puts(&b, "\">Metrics</a></p>\n</body>\n</html>\n");
    const char *text = xm_buf_cstr(&b);
    enum MHD_Result ret = text ? reply(h, c, method, url, MHD_HTTP_OK, "text/html; charset=utf-8",
                                       text)
                               : reply(h, c, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
                                       "text/plain; charset=utf-8", "out of memory\n");
    xm_buf_dispose(&b);
    return ret;
}

static enum MHD_Result metrics_page(struct xe_http *h, struct MHD_Connection *c,
                                    const char *method, const char *url)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *enc =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    enum xm_expo_format fmt = xe_negotiate_format(accept);
    bool gzip = xe_negotiate_gzip(enc);
    struct xm_buf body, packed;
    xm_buf_init(&body);
    xm_buf_init(&packed);

    char err[128] = "out of memory";
    int rc = xe_scrape(h->o->scraper, fmt, &body, err, sizeof err);
    if (rc == 0 && gzip)
        rc = xe_gzip(body.data, body.len, &packed, err, sizeof err);
    struct xm_buf *send = gzip ? &packed : &body;
    size_t len = send->len;
    char *data = rc == 0 ? xm_buf_steal(send) : NULL;
    xm_buf_dispose(&body);
    xm_buf_dispose(&packed);
    if (!data) {
        xe_log(h->o->log, XE_ERROR, "cannot build the metrics page", "err", err, NULL);
        return reply(h, c, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR,
                     "text/plain; charset=utf-8", "cannot build the metrics page\n");
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            fmt == XM_EXPO_OPENMETRICS ? XM_CONTENT_TYPE_OPENMETRICS
                                                       : XM_CONTENT_TYPE_TEXT);
    xe_web_add_headers(h->o->web, r);
    if (gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    if (h->o->log->level <= XE_DEBUG)
        xe_log(h->o->log, XE_DEBUG, "request", "method", method, "path", url, "status", "200",
               "format", fmt == XM_EXPO_OPENMETRICS ? "openmetrics" : "text", "encoding",
               gzip ? "gzip" : "identity", NULL);
    return ret;
}

static enum MHD_Result unauthorized(struct xe_http *h, struct MHD_Connection *c,
                                    const char *method, const char *url)
{
    static const char text[] = "Unauthorized\n";
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof text - 1, (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    xe_web_add_headers(h->o->web, r);
    enum MHD_Result ret = MHD_queue_basic_auth_fail_response(c, REALM, r);
    MHD_destroy_response(r);
    log_request(h, method, url, MHD_HTTP_UNAUTHORIZED);
    return ret;
}

/* What the headers alone decide, before any body byte is read and before
 * authentication: a request the exporter will refuse anyway is answered at
 * once, so it cannot hold a connection by dripping a body. NULL: carry on. */
struct refusal {
    unsigned status;
    const char *text;
};

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                            const char *value)
{
    const char **first = cls;
    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (!first[0])
        first[0] = value;
    else if (strcmp(first[0], value) != 0)
        first[1] = value; /* a second, different one */
    return MHD_YES;
}

static bool refuse_early(struct MHD_Connection *c, const char *method, const char *version,
                         struct refusal *r)
{
    const char *cl[2] = {NULL, NULL};
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_content_length, cl);
    if (cl[1]) {
        *r = (struct refusal){MHD_HTTP_BAD_REQUEST, "Conflicting Content-Length headers\n"};
        return true;
    }
    if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST)) {
        *r = (struct refusal){MHD_HTTP_BAD_REQUEST, "HTTP/1.1 request without a Host header\n"};
        return true;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        *r = (struct refusal){MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n"};
        return true;
    }
    /* Every path is GET-only: a body has no use and is not waited for. */
    bool body = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                            MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL ||
                (cl[0] && strspn(cl[0], "0") != strlen(cl[0]));
    if (body) {
        *r = (struct refusal){MHD_HTTP_CONTENT_TOO_LARGE,
                              "GET and HEAD requests take no body\n"};
        return true;
    }
    return false;
}

/* Runs a page handler as one of at most max_requests at once. Only an
 * authenticated request whose handler runs is counted: connections that
 * are still sending, or failed authentication, hold no slot. */
static enum MHD_Result serve_counted(struct xe_http *h, struct MHD_Connection *c,
                                     const char *method, const char *url)
{
    unsigned limit = h->o->max_requests;
    unsigned before = atomic_fetch_add(&h->in_flight, 1);
    enum MHD_Result ret;
    if (limit && before >= limit) {
        char text[96];
        snprintf(text, sizeof text, "Too many concurrent requests (--web.max-requests=%u)\n",
                 limit);
        ret = reply(h, c, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                    text);
    } else if (strcmp(url, h->o->telemetry_path) == 0) {
        ret = metrics_page(h, c, method, url);
    } else if (strcmp(url, "/") == 0) {
        ret = landing_page(h, c, method, url);
    } else {
        ret = reply(h, c, method, url, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                    "Not Found\n");
    }
    atomic_fetch_sub(&h->in_flight, 1);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct xe_http *h = cls;
    (void)upload_data;

    if (*con_cls == NULL) {
        /* First call, headers only. */
        struct refusal r;
        if (refuse_early(c, method, version, &r))
            return reply(h, c, method, url, r.status, "text/plain; charset=utf-8", r.text);
        /* Answer on the next call: a response queued before libmicrohttpd
         * has seen the end of the request closes the connection. */
        *con_cls = &h->seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* Cannot happen after refuse_early; never wait for a body. */
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* web config: authentication and rate limit, before the request counts. */
    switch (xe_web_check_request(h->o->web, c)) {
    case XE_WEB_ALLOW:
        break;
    case XE_WEB_UNAUTHORIZED:
        return unauthorized(h, c, method, url);
    case XE_WEB_RATE_LIMITED:
        return reply(h, c, method, url, MHD_HTTP_TOO_MANY_REQUESTS, "text/plain; charset=utf-8",
                     "Too Many Requests\n");
    case XE_WEB_AUTH_BUSY:
        return reply(h, c, method, url, MHD_HTTP_TOO_MANY_REQUESTS, "text/plain; charset=utf-8",
                     "Too Many Requests: authentication is busy\n");
    }
    enum MHD_Result ret = serve_counted(h, c, method, url);
    /* A client that authenticated may keep its connection idle between
     * scrapes; new connections get the short request timeout. */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    *con_cls = NULL;
}

/* Connection start and end: the web config sets TLS sessions up. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct xe_http *h = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        xe_web_connection_started(h->o->web, c, socket_context);
    else
        xe_web_connection_closed(h->o->web, socket_context);
}

/* URL unescaping as libmicrohttpd's own, except that "%00" stays as it
 * is: a NUL would cut the path short, so "/metrics%00x" would be served
 * as "/metrics". Returns the new length. */
static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static size_t unescape_url(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (r[0] == '%' && (hi = hex_value(r[1])) >= 0 && (lo = hex_value(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* libmicrohttpd's own messages (TLS handshake failures, accept errors). */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct xe_http *h = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    xe_log(h->o->log, XE_DEBUG, "libmicrohttpd", "detail", msg, NULL);
}

/* Connections per daemon: what the descriptor limit leaves room for. */
static unsigned connection_limit(size_t n_daemons)
{
    struct rlimit rl;
    unsigned limit = MAX_CONNECTIONS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        rlim_t avail = rl.rlim_cur > 64 ? rl.rlim_cur - 64 : 16;
        avail /= n_daemons ? n_daemons : 1;
        if (avail < limit)
            limit = (unsigned)avail;
    }
    return limit;
}

int xe_http_start(struct xe_http **out, const struct xe_http_opts *o, const int *fds,
                  const char *const *names, size_t n, char *err, size_t errsz)
{
    *out = NULL;
    struct xe_http *h = calloc(1, sizeof *h);
    if (h)
        h->daemons = calloc(n ? n : 1, sizeof *h->daemons);
    if (!h || !h->daemons) {
        free(h);
        for (size_t i = 0; i < n; i++)
            close(fds[i]);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    h->o = o;
    atomic_init(&h->in_flight, 0);
    /* web config: TLS sessions are set up per connection (on_connection). */
    bool tls = xe_web_tls(o->web);
    /* HTTPS connections are accepted by xe_accept, which answers plain
     * HTTP itself and hands TLS ones over (MHD_add_connection). */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     (tls ? MHD_USE_TLS | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC : 0);
    unsigned limit = connection_limit(n);
    unsigned per_address = limit / PER_ADDRESS_SHARE > 16 ? limit / PER_ADDRESS_SHARE : 16;

    for (size_t i = 0; i < n; i++) {
        struct MHD_OptionItem tls_opts[3];
        xe_web_mhd_options(o->web, tls_opts, 3);
        struct MHD_OptionItem listen_opts[] = {
            {tls ? MHD_OPTION_END : MHD_OPTION_LISTEN_SOCKET, (intptr_t)fds[i], NULL},
            {MHD_OPTION_END, 0, NULL},
        };
        h->daemons[i] = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, h,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, /* first, or MHD logs some itself */
            MHD_OPTION_ARRAY, listen_opts,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS_PER_DAEMON,
            MHD_OPTION_CONNECTION_LIMIT, limit,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)REQUEST_TIMEOUT_SECONDS,
            MHD_OPTION_STRICT_FOR_CLIENT, 1, /* e.g. HTTP/1.1 needs Host */
            MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
            MHD_OPTION_ARRAY, tls_opts,
            MHD_OPTION_END);
        if (!h->daemons[i]) {
            snprintf(err, errsz, "cannot start the %s server on %s", tls ? "HTTPS" : "HTTP",
                     names[i]);
            /* Sockets not yet given to a daemon; for HTTPS none was. */
            for (size_t j = tls ? 0 : i; j < n; j++)
                close(fds[j]);
            h->n_daemons = i;
            xe_http_free(h);
            return -1;
        }
        h->n_daemons = i + 1;
    }
    if (tls && xe_accept_start(&h->tls_accept, fds, h->daemons, n, per_address, limit, err,
                               errsz) != 0) {
        xe_http_free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void xe_http_free(struct xe_http *h)
{
    if (!h)
        return;
    xe_accept_free(h->tls_accept);
    for (size_t i = 0; i < h->n_daemons; i++)
        MHD_stop_daemon(h->daemons[i]);
    free(h->daemons);
    free(h);
}

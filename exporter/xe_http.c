/* The libmicrohttpd side: routing, auth, the in-flight limit, responses. */
#include "xe_http.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <microhttpd.h>

#include "xe_gzip.h"
#include "xe_negotiate.h"

#define THREADS_PER_DAEMON 4
#define IDLE_TIMEOUT_SECONDS 120 /* longer than any sane scrape interval's gap */
#define REALM "xenmode_exporter"

struct xe_http {
    const struct xe_http_opts *o;
    struct MHD_Daemon **daemons;
    size_t n_daemons;
    atomic_uint in_flight;
    /* Markers stored in a request's con_cls: whether it was counted in
     * in_flight (and must be uncounted when it completes) or refused. */
    char counted, refused;
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
    xm_buf_free(&b);
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

    int rc = xe_scrape(h->o->scraper, fmt, &body);
    if (rc == 0 && gzip)
        rc = xe_gzip(body.data, body.len, &packed);
    struct xm_buf *send = gzip ? &packed : &body;
    size_t len = send->len;
    char *data = rc == 0 ? xm_buf_steal(send) : NULL;
    xm_buf_free(&body);
    xm_buf_free(&packed);
    if (!data) {
        xe_log(h->o->log, XE_ERROR, "cannot build the metrics page", "err", strerror(rc ? rc : ENOMEM),
               NULL);
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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct xe_http *h = cls;
    (void)version;
    (void)upload_data;

    if (*con_cls == NULL) {
        /* First call, headers only. Count the request now, so one whose
         * body is still arriving holds its slot; answer on a later call
         * (a response queued now would close the connection). */
        unsigned limit = h->o->max_requests;
        unsigned before = atomic_fetch_add(&h->in_flight, 1);
        if (limit && before >= limit) {
            atomic_fetch_sub(&h->in_flight, 1);
            *con_cls = &h->refused;
        } else {
            *con_cls = &h->counted;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* request bodies are ignored */
        return MHD_YES;
    }
    if (*con_cls == &h->refused) {
        char text[96];
        snprintf(text, sizeof text, "Too many concurrent requests (--web.max-requests=%u)\n",
                 h->o->max_requests);
        return reply(h, c, method, url, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                     text);
    }
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
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(h, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                     "Method Not Allowed\n");
    if (strcmp(url, h->o->telemetry_path) == 0)
        return metrics_page(h, c, method, url);
    if (strcmp(url, "/") == 0)
        return landing_page(h, c, method, url);
    return reply(h, c, method, url, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
                 "Not Found\n");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct xe_http *h = cls;
    (void)c;
    (void)toe;
    if (*con_cls == &h->counted)
        atomic_fetch_sub(&h->in_flight, 1);
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
    unsigned limit = 1024;
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
    bool tls = xe_web_tls(o->web);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);
    unsigned limit = connection_limit(n);

    for (size_t i = 0; i < n; i++) {
        struct MHD_OptionItem tls_opts[3];
        xe_web_mhd_options(o->web, tls_opts, 3);
        h->daemons[i] = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, h,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h, /* first, or MHD logs some itself */
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fds[i],
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)THREADS_PER_DAEMON,
            MHD_OPTION_CONNECTION_LIMIT, limit,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
            MHD_OPTION_ARRAY, tls_opts,
            MHD_OPTION_END);
        if (!h->daemons[i]) {
            snprintf(err, errsz, "cannot start the %s server on %s", tls ? "HTTPS" : "HTTP",
                     names[i]);
            for (size_t j = i; j < n; j++)
                close(fds[j]);
            h->n_daemons = i;
            xe_http_stop(h);
            return -1;
        }
        h->n_daemons = i + 1;
    }
    *out = h;
    return 0;
}

void xe_http_stop(struct xe_http *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n_daemons; i++)
        MHD_stop_daemon(h->daemons[i]);
    free(h->daemons);
    free(h);
}

/*
 * xe_http.h - the HTTP(S) server over libmicrohttpd.
 *
 *   GET|HEAD <telemetry path>  the metrics page (content negotiated, gzip)
 *   GET|HEAD /                 a small HTML landing page
 *   anything else              404; methods other than GET/HEAD get 405
 *
 * With basic_auth_users in the web config every path needs credentials
 * (401 otherwise), rate_limit gives 429 (see xe_web.h). More than max_requests requests in progress at once get
 * 503. Responses are queued on the second call of the access handler, so
 * libmicrohttpd keeps the connection alive between scrapes.
 */
#ifndef XE_HTTP_H
#define XE_HTTP_H

#include <stddef.h>

#include "xe_log.h"
#include "xe_scrape.h"
#include "xe_web.h"

struct xe_http_opts {
    const char *telemetry_path;
    unsigned max_requests;          /* 0 = no limit */
    struct xe_web *web;             /* NULL: plain HTTP, no auth; not owned */
    struct xe_scraper *scraper;     /* not owned */
    const struct xe_log *log;       /* not owned */
};

struct xe_http;

/*
 * xe_http_start
 *
 * Serves on the given listening sockets (one libmicrohttpd daemon each,
 * with its own thread pool). The sockets belong to the server from now on,
 * also on failure. opts must outlive the server.
 * RETURN VALUE: 0 and *out set, or -1 with the reason in err.
 */
int xe_http_start(struct xe_http **out, const struct xe_http_opts *opts, const int *fds,
                  const char *const *names, size_t n, char *err, size_t errsz);

/* Stops every daemon, waiting for requests in progress, and frees the
 * server. NULL-safe. */
void xe_http_free(struct xe_http *h);

#endif

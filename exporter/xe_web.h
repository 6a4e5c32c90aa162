/*
 * xe_web.h - the web config in force, reloaded without a restart, and
 * what the HTTP server asks of it.
 *
 * The config in force is a reference-counted snapshot (parsed config, its
 * GnuTLS objects, its users, its rate limiter). A connection takes the
 * snapshot current when it starts (its TLS session is set up from it) and
 * keeps it until it closes; a request checks credentials and the rate
 * limit against the snapshot current when it arrives.
 *
 * Reload: on SIGHUP (xe_web_reload), and on a new connection when at
 * least a second has passed since the last look and the config file or a
 * file it names (certificate, key, client CA) changed (stat: device, inode,
 * size, mtime, ctime). A new config that does not load is refused with one
 * log line (once per change) and the last good one stays; so does one that
 * would turn TLS on or off, which needs a restart. The gauges
 * xenmode_exporter_web_config_last_reload_successful and
 * xenmode_exporter_web_config_last_reload_success_timestamp_seconds say
 * how the last attempt went.
 */
#ifndef XE_WEB_H
#define XE_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "xe_log.h"
#include "xenmode/expo.h"
#include "xenmode/util.h"

struct xe_web;
struct xe_websnap;

/*
 * xe_web_open
 *
 * Loads path (the startup load: any error is fatal for the caller). log
 * must outlive the result.
 * RETURN VALUE: 0 and *out set, or -1 with one line in err naming the file
 * and the key.
 */
int xe_web_open(const char *path, const struct xe_log *log, struct xe_web **out, char *err,
                size_t errsz);
void xe_web_free(struct xe_web *w);

bool xe_web_tls(const struct xe_web *w);        /* TLS on (fixed at startup) */
bool xe_web_auth(const struct xe_web *w);       /* basic auth in the current config */

/* Re-reads the config now (SIGHUP). RETURN VALUE: 0 loaded, -1 refused. */
int xe_web_reload(struct xe_web *w);

/*
 * libmicrohttpd glue. xe_web_mhd_options fills items (at least 3) with the
 * daemon options TLS needs (terminated by MHD_OPTION_END; none without TLS).
 * xe_web_connection_started/closed go in MHD_OPTION_NOTIFY_CONNECTION with
 * a per-connection void * slot: started sets the connection's TLS session
 * up from the current config (and looks for a changed file first).
 */
void xe_web_mhd_options(struct xe_web *w, struct MHD_OptionItem *items, size_t n);
void xe_web_connection_started(struct xe_web *w, struct MHD_Connection *c, void **slot);
void xe_web_connection_closed(struct xe_web *w, void **slot);

enum xe_web_verdict {
    XE_WEB_ALLOW,
    XE_WEB_UNAUTHORIZED,   /* 401 with WWW-Authenticate */
    XE_WEB_RATE_LIMITED,   /* 429: rate_limit */
    XE_WEB_AUTH_BUSY,      /* 429: no bcrypt slot free now */
};

/* Rate limit, then credentials, for one request. */
enum xe_web_verdict xe_web_check_request(struct xe_web *w, struct MHD_Connection *c);

/* Adds http_server_config.headers to a response. */
void xe_web_add_headers(struct xe_web *w, struct MHD_Response *r);

/* The reload gauges. */
void xe_web_write_metrics(struct xe_web *w, enum xm_expo_format f, struct xm_buf *b);

#endif

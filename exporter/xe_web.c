/* The web config in force: snapshots, reload on change or SIGHUP, and the
 * per-connection and per-request hooks the HTTP server calls. */
#include "xe_web.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "xe_auth.h"
#include "xe_ratelimit.h"
#include "xe_tls.h"
#include "xe_webconfig.h"

#define CHECK_INTERVAL_NS 1000000000ull
#define N_FILES 4

struct xe_websnap {
    atomic_uint refs;
    struct xe_webconfig *wc;
    struct xe_tls *tls;   /* NULL without TLS */
    struct xe_auth *auth;
    struct xe_ratelimit rate;
};

/* What stat says of one file; equal stamps: unchanged. */
struct stamp {
    int err;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
};

struct xe_web {
    char *path;
    const struct xe_log *log;
    bool tls;
    pthread_mutex_t lock;         /* guards cur */
    struct xe_websnap *cur;
    pthread_mutex_t reload_lock;  /* one reload at a time; guards the rest */
    uint64_t last_check_ns;
    struct stamp stamps[N_FILES]; /* of the files cur was loaded from */
    struct stamp refused[N_FILES];/* of the last refused attempt: logged once */
    bool have_refused;
    atomic_int last_ok;
    _Atomic uint64_t last_success_ns; /* CLOCK_REALTIME */
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void take_stamp(const char *path, struct stamp *s)
{
    struct stat st;
    memset(s, 0, sizeof *s);
    if (!path)
        return;
    if (stat(path, &st) != 0) {
        s->err = errno;
        return;
    }
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    s->size = st.st_size;
    s->mtime = st.st_mtim;
    s->ctime = st.st_ctim;
}

static bool same_stamp(const struct stamp *a, const struct stamp *b)
{
    return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* The config file and the files it names (from the snapshot in force). */
static void take_stamps(const char *path, const struct xe_webconfig *wc, struct stamp *s)
{
    take_stamp(path, &s[0]);
    take_stamp(wc ? wc->cert_at.file : NULL, &s[1]);
    take_stamp(wc ? wc->key_at.file : NULL, &s[2]);
    take_stamp(wc ? wc->client_ca_at.file : NULL, &s[3]);
}

static void snap_free(struct xe_websnap *s)
{
    if (!s)
        return;
    xe_ratelimit_dispose(&s->rate);
    xe_auth_free(s->auth);
    xe_tls_free(s->tls);
    xe_webconfig_free(s->wc);
    free(s);
}

static void snap_release(struct xe_websnap *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

static struct xe_websnap *snap_acquire(struct xe_web *w)
{
    pthread_mutex_lock(&w->lock);
    struct xe_websnap *s = w->cur;
    atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&w->lock);
    return s;
}

/* A snapshot from the file. tls: -1 any, else what it must say. */
static int snap_load(const char *path, int tls, struct xe_websnap **out, char *err, size_t errsz)
{
    struct xe_websnap *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errsz, "%s: out of memory", path);
        return -1;
    }
    atomic_init(&s->refs, 1);
    xe_ratelimit_init(&s->rate, 0, 0);
    if (xe_webconfig_load(path, &s->wc, err, errsz) != 0)
        goto fail;
    if (tls >= 0 && s->wc->tls != (tls == 1)) {
        snprintf(err, errsz, "%s: tls_server_config: turning TLS %s needs a restart", path,
                 tls ? "off" : "on");
        goto fail;
    }
    if (s->wc->tls && xe_tls_new(s->wc, &s->tls, err, errsz) != 0)
        goto fail;
    char why[128];
    if (xe_auth_new(s->wc, &s->auth, why, sizeof why) != 0) {
        snprintf(err, errsz, "%s: basic_auth_users: %s", path, why);
        goto fail;
    }
    xe_ratelimit_dispose(&s->rate);
    xe_ratelimit_init(&s->rate, s->wc->rate_interval_ns, s->wc->rate_burst);
    /* The key now lives in GnuTLS's credentials only. */
    if (s->wc->key_pem) {
        explicit_bzero(s->wc->key_pem, s->wc->key_len);
        free(s->wc->key_pem);
        s->wc->key_pem = NULL;
        s->wc->key_len = 0;
    }
    *out = s;
    return 0;
fail:
    snap_free(s);
    return -1;
}

int xe_web_open(const char *path, const struct xe_log *log, struct xe_web **out, char *err,
                size_t errsz)
{
    *out = NULL;
    struct xe_web *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        snprintf(err, errsz, "%s: out of memory", path);
        return -1;
    }
    w->log = log;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->reload_lock, NULL);
    if (snap_load(path, -1, &w->cur, err, errsz) != 0) {
        xe_web_free(w);
        return -1;
    }
    w->tls = w->cur->wc->tls;
    take_stamps(path, w->cur->wc, w->stamps);
    w->last_check_ns = clock_ns(CLOCK_MONOTONIC);
    atomic_init(&w->last_ok, 1);
    atomic_init(&w->last_success_ns, clock_ns(CLOCK_REALTIME));
    *out = w;
    return 0;
}

void xe_web_free(struct xe_web *w)
{
    if (!w)
        return;
    snap_release(w->cur);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->reload_lock);
    free(w->path);
    free(w);
}

bool xe_web_tls(const struct xe_web *w)
{
    return w && w->tls;
}

bool xe_web_auth(const struct xe_web *w)
{
    if (!w)
        return false;
    struct xe_websnap *s = snap_acquire((struct xe_web *)w);
    bool on = s->wc->n_users > 0;
    snap_release(s);
    return on;
}

/* Loads the file into a new current snapshot. Called with reload_lock.
 * stamps: of the files as they were before the load. */
static int reload_locked(struct xe_web *w, const struct stamp *stamps, bool quiet_repeat)
{
    char err[1024];
    struct xe_websnap *s = NULL;
    if (snap_load(w->path, w->tls, &s, err, sizeof err) != 0) {
        bool repeat = w->have_refused && !memcmp(w->refused, stamps, sizeof w->refused);
        if (!(quiet_repeat && repeat))
            xe_log(w->log, XE_ERROR, "web config reload refused, the last good one stays",
                   "err", err, NULL);
        memcpy(w->refused, stamps, sizeof w->refused);
        w->have_refused = true;
        atomic_store(&w->last_ok, 0);
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    struct xe_websnap *old = w->cur;
    w->cur = s;
    pthread_mutex_unlock(&w->lock);
    snap_release(old);
    /* Stamps of the files the new config names, as they are now. */
    take_stamps(w->path, s->wc, w->stamps);
    w->have_refused = false;
    atomic_store(&w->last_ok, 1);
    atomic_store(&w->last_success_ns, clock_ns(CLOCK_REALTIME));
    xe_log(w->log, XE_INFO, "web config reloaded", "file", w->path, NULL);
    return 0;
}

int xe_web_reload(struct xe_web *w)
{
    pthread_mutex_lock(&w->reload_lock);
    struct stamp now[N_FILES];
    struct xe_websnap *s = snap_acquire(w);
    take_stamps(w->path, s->wc, now);
    snap_release(s);
    int rc = reload_locked(w, now, false);
    w->last_check_ns = clock_ns(CLOCK_MONOTONIC);
    pthread_mutex_unlock(&w->reload_lock);
    return rc;
}

/* At most once a second, and never waiting for another thread's look. */
static void maybe_reload(struct xe_web *w)
{
    uint64_t t = clock_ns(CLOCK_MONOTONIC);
    if (pthread_mutex_trylock(&w->reload_lock) != 0)
        return;
    if (t - w->last_check_ns >= CHECK_INTERVAL_NS) {
        w->last_check_ns = t;
        struct stamp now[N_FILES];
        struct xe_websnap *s = snap_acquire(w);
        take_stamps(w->path, s->wc, now);
        snap_release(s);
        bool changed = memcmp(now, w->stamps, sizeof now) != 0;
        for (size_t i = 0; i < N_FILES && !changed; i++)
            changed = !same_stamp(&now[i], &w->stamps[i]);
        bool already_refused = w->have_refused && !memcmp(w->refused, now, sizeof now);
        if (changed && !already_refused)
            reload_locked(w, now, true);
    }
    pthread_mutex_unlock(&w->reload_lock);
}

/* libmicrohttpd's own credentials never serve: every session gets ours in
 * xe_web_connection_started. Were that to fail, this makes the handshake
 * fail rather than go on without a certificate. */
static int no_certificate(gnutls_session_t s, const gnutls_datum_t *req_ca_dn, int nreqs,
                          const gnutls_pk_algorithm_t *algos, int n_algos, gnutls_pcert_st **pcert,
                          unsigned *pcert_length, gnutls_privkey_t *key)
{
    (void)s;
    (void)req_ca_dn;
    (void)nreqs;
    (void)algos;
    (void)n_algos;
    (void)pcert;
    (void)key;
    *pcert_length = 0;
    return -1;
}

void xe_web_mhd_options(struct xe_web *w, struct MHD_OptionItem *items, size_t n)
{
    size_t i = 0;
    if (w && w->tls && n >= 2)
        items[i++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                             (void *)no_certificate};
    items[i] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

void xe_web_connection_started(struct xe_web *w, struct MHD_Connection *c, void **slot)
{
    *slot = NULL;
    if (!w)
        return;
    maybe_reload(w);
    if (!w->tls)
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return;
    struct xe_websnap *s = snap_acquire(w);
    char err[128];
    if (xe_tls_session_setup(s->tls, (gnutls_session_t)ci->tls_session, err, sizeof err) != 0)
        xe_log(w->log, XE_ERROR, "cannot set up a TLS session", "err", err, NULL);
    *slot = s; /* the session's credentials live as long as the connection */
}

void xe_web_connection_closed(struct xe_web *w, void **slot)
{
    (void)w;
    snap_release(*slot);
    *slot = NULL;
}

enum xe_web_verdict xe_web_check_request(struct xe_web *w, struct MHD_Connection *c)
{
    if (!w)
        return XE_WEB_ALLOW;
    struct xe_websnap *s = snap_acquire(w);
    enum xe_web_verdict v = XE_WEB_ALLOW;
    if (!xe_ratelimit_allow(&s->rate, clock_ns(CLOCK_MONOTONIC))) {
        v = XE_WEB_RATE_LIMITED;
    } else if (xe_auth_enabled(s->auth)) {
        const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION);
        switch (xe_auth_check(s->auth, h)) {
        case XE_AUTH_OK: v = XE_WEB_ALLOW; break;
        case XE_AUTH_DENIED: v = XE_WEB_UNAUTHORIZED; break;
        case XE_AUTH_BUSY: v = XE_WEB_AUTH_BUSY; break;
        }
    }
    snap_release(s);
    return v;
}

void xe_web_add_headers(struct xe_web *w, struct MHD_Response *r)
{
    if (!w)
        return;
    struct xe_websnap *s = snap_acquire(w);
    for (size_t i = 0; i < s->wc->n_headers; i++)
        MHD_add_response_header(r, s->wc->headers[i].name, s->wc->headers[i].value);
    snap_release(s);
}

void xe_web_write_metrics(struct xe_web *w, enum xm_expo_format f, struct xm_buf *b)
{
    if (!w)
        return;
    xm_expo_family(b, f, "xenmode_exporter_web_config_last_reload_successful", XM_METRIC_GAUGE,
                   "Whether the last load of --web.config.file succeeded (1) or was refused, "
                   "the previous config staying in force (0).");
    xm_expo_sample(b, "xenmode_exporter_web_config_last_reload_successful", NULL, 0,
                   atomic_load(&w->last_ok));
    xm_expo_family(b, f, "xenmode_exporter_web_config_last_reload_success_timestamp_seconds",
                   XM_METRIC_GAUGE, "When --web.config.file was last loaded successfully.");
    xm_expo_sample(b, "xenmode_exporter_web_config_last_reload_success_timestamp_seconds", NULL,
                   0, (double)atomic_load(&w->last_success_ns) / 1e9);
}

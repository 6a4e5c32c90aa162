/* xenmode_exporter: serves each Xen domain's virtualization mode to
 * Prometheus. main() wires the parts: flags, log, web config, sockets,
 * collector, HTTP server; then waits for SIGTERM/SIGINT. Collection
 * failures never end the process: they are served as xen_up 0. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "xe_flags.h"
#include "xe_http.h"
#include "xe_listen.h"
#include "xe_log.h"
#include "xe_privs.h"
#include "xe_scrape.h"
#include "xe_auth.h"
#include "xe_web.h"
#include "xenmode/host.h"

#define EXIT_USAGE 2

struct app {
    struct xe_flags flags;
    struct xe_log log;
    struct xe_web *web;
    int *fds;
    char **names;
    size_t n_fds;
    struct xm_collector *collector;
    struct xm_config_cache *configs;
    struct xe_scraper scraper;
    bool scraper_ready;
    struct xe_http_opts http_opts;
    struct xe_http *http;
};

static void app_free(struct app *a)
{
    /* A scrape waiting for a stalled xenstored must not hold up the exit:
     * it gives up now, and the server's threads can be joined. */
    if (a->collector)
        xm_collector_interrupt(a->collector);
    xe_http_free(a->http); /* closes the sockets it took */
    if (!a->http)
        for (size_t i = 0; i < a->n_fds; i++)
            if (a->fds[i] >= 0)
                close(a->fds[i]);
    for (size_t i = 0; i < a->n_fds; i++)
        free(a->names[i]);
    free(a->fds);
    free(a->names);
    if (a->scraper_ready)
        xe_scraper_dispose(&a->scraper);
    xm_collector_free(a->collector);
    xm_config_cache_free(a->configs);
    xe_web_free(a->web);
    xe_flags_free(&a->flags);
}

/* Opens every --web.listen-address before anything serves, so a busy port
 * stops startup with the address in the message. */
static int open_listeners(struct app *a, char *err, size_t errsz)
{
    if (a->flags.systemd_socket)
        return xe_listen_systemd(&a->fds, &a->names, &a->n_fds, err, errsz);
    a->fds = calloc(a->flags.n_listen, sizeof *a->fds);
    a->names = calloc(a->flags.n_listen, sizeof *a->names);
    if (!a->fds || !a->names) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < a->flags.n_listen; i++) {
        struct xe_listen_addr addr;
        char bound[320];
        char why[400];
        if (xe_listen_parse(a->flags.listen[i], &addr, why, sizeof why) != 0) {
            snprintf(err, errsz, "--web.listen-address %s", why);
            return -1;
        }
        int fd = xe_listen_open(&addr, bound, sizeof bound, err, errsz);
        if (fd < 0)
            return -1;
        a->fds[a->n_fds] = fd;
        a->names[a->n_fds] = strdup(bound);
        a->n_fds++;
        if (!a->names[a->n_fds - 1]) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Every connection is a descriptor: take the hard limit, as Go programs
 * do, so the connection limits are not the soft 1024 of a service. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Blocks the stop signals in every thread (libmicrohttpd's threads inherit
 * the mask) and waits for one in main. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-response is not fatal */
}

static int wait_for_stop(struct app *a, const sigset_t *set)
{
    for (;;) {
        int sig = 0;
        if (sigwait(set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            if (a->web)
                xe_web_reload(a->web); /* logs how it went */
            else
                xe_log(&a->log, XE_INFO, "SIGHUP: no --web.config.file to reload", NULL);
            continue;
        }
        xe_log(&a->log, XE_INFO, "shutting down", "signal", strsignal(sig), NULL);
        return 0;
    }
}

int main(int argc, char **argv)
{
    struct app a;
    char err[1024];
    sigset_t stop;
    int rc = EXIT_FAILURE;

    memset(&a, 0, sizeof a);
    if (xe_flags_parse(argc, argv, &a.flags, err, sizeof err) != 0) {
        fprintf(stderr, "xenmode_exporter: %s\n\n", err);
        xe_flags_usage(stderr);
        xe_flags_free(&a.flags);
        return EXIT_USAGE;
    }
    if (a.flags.help) {
        xe_flags_usage(stdout);
        xe_flags_free(&a.flags);
        return 0;
    }
    if (a.flags.hash_password) {
        xe_flags_free(&a.flags);
        return xe_auth_hash_password_main(stdin, stdout, stderr);
    }
    if (a.flags.version) {
        printf("xenmode_exporter %s (revision %s)\n", XM_BUILD_VERSION, XM_BUILD_REVISION);
        xe_flags_free(&a.flags);
        return 0;
    }
    /* glibc gives every thread that allocates an arena of its own; a few
     * server threads building pages do not need more than two. */
    mallopt(M_ARENA_MAX, 2);
    raise_fd_limit();
    xe_log_init(&a.log, a.flags.log_level, a.flags.log_format, STDERR_FILENO);
    xe_log(&a.log, XE_INFO, "starting xenmode_exporter", "version", XM_BUILD_VERSION,
           "revision", XM_BUILD_REVISION, NULL);

    if (a.flags.web_config_file &&
        xe_web_open(a.flags.web_config_file, &a.log, &a.web, err, sizeof err) != 0) {
        xe_log(&a.log, XE_ERROR, "invalid --web.config.file", "err", err, NULL);
        goto out;
    }
    if (open_listeners(&a, err, sizeof err) != 0) {
        xe_log(&a.log, XE_ERROR, "cannot listen", "err", err, NULL);
        goto out;
    }
    /* Before the collector: libxenstore starts a thread for its watches,
     * and capabilities are per thread. Xen needs uid 0, no capability. */
    if (xe_privs_drop(err, sizeof err) != 0) {
        xe_log(&a.log, XE_ERROR, "cannot drop privileges", "err", err, NULL);
        goto out;
    }
    struct xm_error xerr;
    int crc = a.flags.xen_cache ? xm_collector_new(&a.collector, &xerr)
                                : xm_collector_new_oneshot(&a.collector, &xerr);
    if (crc != XM_OK) {
        xe_log(&a.log, XE_ERROR, "cannot create the collector", "err", xerr.message, NULL);
        goto out;
    }
    xm_collector_set_timeout(a.collector, a.flags.xen_timeout);
    if (a.flags.configs && xm_config_cache_new(a.flags.config_dir, &a.configs, &xerr) != XM_OK) {
        xe_log(&a.log, XE_ERROR, "cannot create the configuration cache", "err", xerr.message,
               NULL);
        goto out;
    }
    struct xe_scrape_config scfg = {
        .configs = a.configs,
        .view = a.flags.view,
        .sysfs = a.flags.sysfs,
        .procfs = a.flags.procfs,
        .cpuid_file = a.flags.cpuid_file,
        .web = a.web,
        .exporter_metrics = !a.flags.disable_exporter_metrics,
        .timeout = a.flags.xen_timeout,
    };
    if (xe_scraper_init(&a.scraper, a.collector, &a.log, &scfg, err, sizeof err) != 0) {
        xe_log(&a.log, XE_ERROR, "cannot create the scraper", "err", err, NULL);
        goto out;
    }
    a.scraper_ready = true;

    /* One collection now: the log says at once whether Xen can be read. */
    struct xm_buf probe;
    xm_buf_init(&probe);
    if (xe_scrape(&a.scraper, XM_EXPO_TEXT, &probe, err, sizeof err) != 0)
        xe_log(&a.log, XE_WARN, "first collection", "err", err, NULL);
    xm_buf_dispose(&probe);

    block_signals(&stop);
    a.http_opts = (struct xe_http_opts){
        .telemetry_path = a.flags.telemetry_path,
        .max_requests = a.flags.max_requests,
        .web = a.web,
        .scraper = &a.scraper,
        .log = &a.log,
    };
    if (xe_http_start(&a.http, &a.http_opts, a.fds, (const char *const *)a.names, a.n_fds, err,
                      sizeof err) != 0) {
        for (size_t i = 0; i < a.n_fds; i++)
            a.fds[i] = -1;
        xe_log(&a.log, XE_ERROR, "cannot start the server", "err", err, NULL);
        goto out;
    }
    bool tls = xe_web_tls(a.web);
    bool auth = xe_web_auth(a.web);
    for (size_t i = 0; i < a.n_fds; i++)
        xe_log(&a.log, XE_INFO, "listening", "address", a.names[i], "tls", tls ? "true" : "false",
               "basic_auth", auth ? "true" : "false", "telemetry_path", a.flags.telemetry_path,
               NULL);
    if (auth && !tls)
        xe_log(&a.log, XE_WARN, "basic auth without TLS sends passwords in clear text", NULL);

    wait_for_stop(&a, &stop);
    rc = EXIT_SUCCESS;
out:
    app_free(&a);
    return rc;
}

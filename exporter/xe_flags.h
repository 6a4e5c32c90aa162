/*
 * xe_flags.h - the exporter's command line, in the Prometheus ecosystem's
 * style (--web.listen-address, --web.telemetry-path, --web.config.file,
 * --web.max-requests, --log.level, --log.format, --version, --help).
 * Both "--flag=value" and "--flag value" are accepted; flags are written in
 * full (no abbreviations, as kingpin); switches also have a --no- form.
 */
#ifndef XE_FLAGS_H
#define XE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "xe_log.h"

/* Not used by node_exporter (9100), the collectd exporter (9103), the
 * libvirt exporter (9177) or the other Xen exporters (xenlight_exporter
 * 9603, xapi_exporter 9290); see docs/exporter.md. */
#define XE_DEFAULT_PORT "9717"
#define XE_DEFAULT_LISTEN ":" XE_DEFAULT_PORT
#define XE_DEFAULT_MAX_REQUESTS 40u
#define XE_DEFAULT_XEN_TIMEOUT "5s"

/* Which view the exporter serves: the host's domains (dom0), the machine it
 * runs on (inside a guest), or the first that works (auto). */
enum xe_view { XE_VIEW_AUTO, XE_VIEW_DOM0, XE_VIEW_GUEST };

struct xe_flags {
    const char **listen;        /* --web.listen-address, in order given; points into argv */
    size_t n_listen;            /* at least 1 after a successful parse */
    const char *telemetry_path; /* "/metrics" */
    const char *web_config_file;/* NULL when not given */
    unsigned max_requests;      /* 0 = unlimited */
    bool systemd_socket;        /* --web.systemd-socket: sockets from systemd */
    bool disable_exporter_metrics; /* --web.disable-exporter-metrics */
    enum xe_level log_level;
    enum xe_log_format log_format;
    bool xen_cache;             /* --[no-]xen.cache: watch-fed cache (default on) */
    enum xe_view view;          /* --xen.view */
    const char *sysfs;          /* --path.sysfs ("/sys") */
    const char *procfs;         /* --path.procfs ("/proc") */
    const char *cpuid_file;     /* --cpuid.file, NULL: the CPU */
    const char *config_dir;     /* --xen.config-dir ("/etc/xen") */
    bool configs;               /* --[no-]xen.configs: configured modes (default on) */
    double xen_timeout;         /* --xen.timeout, seconds (default 5) */
    bool help;
    bool version;
    bool hash_password;         /* --web.hash-password */
};

/*
 * xe_flags_parse
 *
 * RETURN VALUE: 0, or -1 with a one-line reason in err (the caller prints
 * it with the usage and exits 2). Free with xe_flags_free() in both cases.
 */
int xe_flags_parse(int argc, char **argv, struct xe_flags *f, char *err, size_t errsz);
void xe_flags_free(struct xe_flags *f);
void xe_flags_usage(FILE *out);

#endif

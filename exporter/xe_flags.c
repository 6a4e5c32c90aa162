/* Command-line parsing, kingpin's way: every flag written in full, as
 * --flag=value or --flag value; each value is checked here so a typo stops
 * startup with the flag's name in the error. */
#include "xe_flags.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xe_webconfig.h"

enum {
    OPT_LISTEN = 256,
    OPT_PATH,
    OPT_CONFIG,
    OPT_MAX_REQ,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_VERSION,
    OPT_CACHE,
    OPT_VIEW,
    OPT_SYSFS,
    OPT_PROCFS,
    OPT_CPUID,
    OPT_CONFIG_DIR,
    OPT_CONFIGS,
    OPT_XEN_TIMEOUT,
    OPT_HASH_PASSWORD,
    OPT_SYSTEMD_SOCKET,
    OPT_DISABLE_EXPORTER_METRICS,
    OPT_HELP,
};

void xe_flags_usage(FILE *out)
{
    fprintf(out,
            "usage: xenmode_exporter [FLAGS]\n"
            "\n"
            "Prometheus exporter of each Xen domain's virtualization mode.\n"
            "\n"
            "  --web.listen-address=ADDR  address to listen on: :PORT, IPv4:PORT or [IPv6]:PORT;\n"
            "                             repeat for several (default \"" XE_DEFAULT_LISTEN "\")\n"
            "  --web.telemetry-path=PATH  path of the metrics (default \"/metrics\")\n"
            "  --web.config.file=FILE     exporter-toolkit web config: TLS, client certificates,\n"
            "                             basic auth, headers, rate limit; re-read when it changes\n"
            "  --web.hash-password        read a password on standard input, print its bcrypt\n"
            "                             hash for basic_auth_users and exit\n"
            "  --web.max-requests=N       concurrent requests served; more get 503, 0 = no limit\n"
            "                             (default %u)\n"
            "  --web.systemd-socket       listen on the sockets systemd passes (socket\n"
            "                             activation) instead of --web.listen-address\n"
            "  --web.disable-exporter-metrics\n"
            "                             leave out process_* and the exporter's own metrics\n"
            "  --log.level=LEVEL          debug, info, warn or error (default \"info\")\n"
            "  --log.format=FORMAT        logfmt or json (default \"logfmt\")\n"
            "  --[no-]xen.cache           keep domains cached between scrapes, fresh through\n"
            "                             xenstore watches (default on)\n"
            "  --xen.view=VIEW            auto, dom0 or guest (default \"auto\": the host's\n"
            "                             domains where libxl works, else the guest's own mode)\n"
            "  --path.sysfs=DIR           sysfs mount point for the guest view (default \"/sys\")\n"
            "  --path.procfs=DIR          procfs mount point (default \"/proc\")\n"
            "  --cpuid.file=FILE          CPUID leaves for the guest view from FILE, not the CPU\n"
            "  --xen.config-dir=DIR       xl domain configurations, for the configured modes\n"
            "                             (default \"/etc/xen\", and its auto/)\n"
            "  --[no-]xen.configs         serve the configured modes (default on)\n"
            "  --xen.timeout=DURATION     a collection from Xen still waiting for xenstored after\n"
            "                             this long is abandoned: xen_up 0 (default \"" XE_DEFAULT_XEN_TIMEOUT "\")\n"
            "  --version                  print the version and exit\n"
            "  -h, --help                 print this help and exit\n",
            XE_DEFAULT_MAX_REQUESTS);
}

static int fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errsz, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_uint(const char *s, unsigned *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > UINT_MAX)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int add_listen(struct xe_flags *f, const char *addr)
{
    const char **v = realloc(f->listen, (f->n_listen + 1) * sizeof *v);
    if (!v)
        return -1;
    v[f->n_listen++] = addr;
    f->listen = v;
    return 0;
}

/* The flags, written in full as kingpin wants them: a prefix such as
 * --web.listen is an unknown flag, not an abbreviation. A switch (no
 * value) also has its --no- form. */
struct flag {
    const char *name;
    int id;
    bool takes_value;
};

static const struct flag flag_table[] = {
    {"web.listen-address", OPT_LISTEN, true},
    {"web.telemetry-path", OPT_PATH, true},
    {"web.config.file", OPT_CONFIG, true},
    {"web.max-requests", OPT_MAX_REQ, true},
    {"web.hash-password", OPT_HASH_PASSWORD, false},
    {"web.systemd-socket", OPT_SYSTEMD_SOCKET, false},
    {"web.disable-exporter-metrics", OPT_DISABLE_EXPORTER_METRICS, false},
    {"log.level", OPT_LOG_LEVEL, true},
    {"log.format", OPT_LOG_FORMAT, true},
    {"version", OPT_VERSION, false},
    {"xen.cache", OPT_CACHE, false},
    {"xen.view", OPT_VIEW, true},
    {"path.sysfs", OPT_SYSFS, true},
    {"path.procfs", OPT_PROCFS, true},
    {"cpuid.file", OPT_CPUID, true},
    {"xen.config-dir", OPT_CONFIG_DIR, true},
    {"xen.configs", OPT_CONFIGS, false},
    {"xen.timeout", OPT_XEN_TIMEOUT, true},
    {"help", OPT_HELP, false},
};

/* Finds "--name", "--name=value" or "--no-name" (switches only). */
static const struct flag *lookup(const char *arg, const char **value, bool *negated)
{
    const char *word = arg + 2;
    size_t len = strcspn(word, "=");
    *value = word[len] == '=' ? word + len + 1 : NULL;
    *negated = false;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sizeof flag_table / sizeof flag_table[0]; i++) {
            const struct flag *fl = &flag_table[i];
            if (strlen(fl->name) == len && strncmp(fl->name, word, len) == 0)
                return pass == 0 || !fl->takes_value ? fl : NULL;
        }
        if (strncmp(word, "no-", 3) != 0)
            return NULL;
        word += 3;
        len -= 3;
        *negated = true;
    }
    return NULL;
}

static int apply(struct xe_flags *f, const struct flag *fl, const char *v, bool negated,
                 char *err, size_t errsz)
{
    switch (fl->id) {
    case OPT_LISTEN:
        if (add_listen(f, v) != 0)
            return fail(err, errsz, "out of memory");
        break;
    case OPT_PATH:
        if (v[0] != '/')
            return fail(err, errsz, "--web.telemetry-path must start with '/': \"%s\"", v);
        f->telemetry_path = v;
        break;
    case OPT_CONFIG:
        f->web_config_file = v;
        break;
    case OPT_MAX_REQ:
        if (parse_uint(v, &f->max_requests) != 0)
            return fail(err, errsz, "--web.max-requests: not a number: \"%s\"", v);
        break;
    case OPT_SYSTEMD_SOCKET:
        f->systemd_socket = !negated;
        break;
    case OPT_DISABLE_EXPORTER_METRICS:
        f->disable_exporter_metrics = !negated;
        break;
    case OPT_LOG_LEVEL:
        if (xe_log_parse_level(v, &f->log_level) != 0)
            return fail(err, errsz, "--log.level: \"%s\" is not one of debug, info, warn, error",
                        v);
        break;
    case OPT_LOG_FORMAT:
        if (xe_log_parse_format(v, &f->log_format) != 0)
            return fail(err, errsz, "--log.format: \"%s\" is not one of logfmt, json", v);
        break;
    case OPT_VERSION:
        f->version = !negated;
        break;
    case OPT_CACHE:
        f->xen_cache = !negated;
        break;
    case OPT_VIEW:
        if (strcmp(v, "auto") == 0)
            f->view = XE_VIEW_AUTO;
        else if (strcmp(v, "dom0") == 0)
            f->view = XE_VIEW_DOM0;
        else if (strcmp(v, "guest") == 0)
            f->view = XE_VIEW_GUEST;
        else
            return fail(err, errsz, "--xen.view: \"%s\" is not one of auto, dom0, guest", v);
        break;
    case OPT_SYSFS:
        f->sysfs = v;
        break;
    case OPT_PROCFS:
        f->procfs = v;
        break;
    case OPT_CPUID:
        f->cpuid_file = v;
        break;
    case OPT_CONFIG_DIR:
        f->config_dir = v;
        break;
    case OPT_CONFIGS:
        f->configs = !negated;
        break;
    case OPT_XEN_TIMEOUT: {
        uint64_t ns;
        /* A unit is required: a bare number would be nanoseconds. */
        if (xe_parse_duration(v, &ns) != 0 || strspn(v, "0123456789") == strlen(v) || ns == 0 ||
            ns > 3600000000000ull)
            return fail(err, errsz,
                        "--xen.timeout: \"%s\" is not a duration between 1ns and 1h "
                        "(e.g. 5s, 1500ms)", v);
        f->xen_timeout = (double)ns / 1e9;
        break;
    }
    case OPT_HELP:
        f->help = !negated;
        break;
    case OPT_HASH_PASSWORD:
        f->hash_password = !negated;
        break;
    }
    return 0;
}

int xe_flags_parse(int argc, char **argv, struct xe_flags *f, char *err, size_t errsz)
{
    memset(f, 0, sizeof *f);
    f->telemetry_path = "/metrics";
    f->max_requests = XE_DEFAULT_MAX_REQUESTS;
    f->log_level = XE_INFO;
    f->log_format = XE_LOGFMT;
    f->xen_cache = true;
    f->view = XE_VIEW_AUTO;
    f->sysfs = "/sys";
    f->procfs = "/proc";
    f->config_dir = "/etc/xen";
    f->configs = true;
    f->xen_timeout = 5.0;
    err[0] = '\0';

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0) {
            f->help = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (arg[0] == '-')
                return fail(err, errsz, "unknown or malformed flag %s", arg);
            return fail(err, errsz, "unexpected argument \"%s\"", arg);
        }
        const char *value;
        bool negated;
        const struct flag *fl = lookup(arg, &value, &negated);
        if (!fl || (!fl->takes_value && value))
            return fail(err, errsz, "unknown or malformed flag %s", arg);
        if (fl->takes_value && !value) {
            if (i + 1 >= argc)
                return fail(err, errsz, "flag %s needs a value", arg);
            value = argv[++i];
        }
        if (apply(f, fl, value, negated, err, errsz) != 0)
            return -1;
    }
    if (f->n_listen == 0 && add_listen(f, XE_DEFAULT_LISTEN) != 0)
        return fail(err, errsz, "out of memory");
    return 0;
}

void xe_flags_free(struct xe_flags *f)
{
    free(f->listen);
    f->listen = NULL;
    f->n_listen = 0;
}

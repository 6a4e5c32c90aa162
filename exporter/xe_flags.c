/* Command-line parsing. getopt_long does the splitting; each value is
 * checked here so a typo stops startup with the flag's name in the error. */
#include "xe_flags.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_LISTEN = 256,
    OPT_PATH,
    OPT_CONFIG,
    OPT_MAX_REQ,
    OPT_LOG_LEVEL,
    OPT_LOG_FORMAT,
    OPT_VERSION,
    OPT_CACHE,
    OPT_NO_CACHE,
    OPT_VIEW,
    OPT_SYSFS,
    OPT_PROCFS,
    OPT_CPUID,
    OPT_CONFIG_DIR,
    OPT_CONFIGS,
    OPT_NO_CONFIGS,
    OPT_HASH_PASSWORD,
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
            "  --version                  print the version and exit\n"
            "  -h, --help                 print this help and exit\n",
            XE_DEFAULT_MAX_REQUESTS);
}

static int fail(char *err, size_t errsz, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errsz, fmt, a, b);
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

int xe_flags_parse(int argc, char **argv, struct xe_flags *f, char *err, size_t errsz)
{
    static const struct option opts[] = {
        {"web.listen-address", required_argument, NULL, OPT_LISTEN},
        {"web.telemetry-path", required_argument, NULL, OPT_PATH},
        {"web.config.file", required_argument, NULL, OPT_CONFIG},
        {"web.max-requests", required_argument, NULL, OPT_MAX_REQ},
        {"log.level", required_argument, NULL, OPT_LOG_LEVEL},
        {"log.format", required_argument, NULL, OPT_LOG_FORMAT},
        {"version", no_argument, NULL, OPT_VERSION},
        {"xen.cache", no_argument, NULL, OPT_CACHE},
        {"no-xen.cache", no_argument, NULL, OPT_NO_CACHE},
        {"xen.view", required_argument, NULL, OPT_VIEW},
        {"path.sysfs", required_argument, NULL, OPT_SYSFS},
        {"path.procfs", required_argument, NULL, OPT_PROCFS},
        {"cpuid.file", required_argument, NULL, OPT_CPUID},
        {"xen.config-dir", required_argument, NULL, OPT_CONFIG_DIR},
        {"xen.configs", no_argument, NULL, OPT_CONFIGS},
        {"no-xen.configs", no_argument, NULL, OPT_NO_CONFIGS},
        {"web.hash-password", no_argument, NULL, OPT_HASH_PASSWORD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
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
    err[0] = '\0';

    opterr = 0; /* our own messages name the flag */
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_LISTEN:
            if (add_listen(f, optarg) != 0)
                return fail(err, errsz, "out of memory%s%s", "", "");
            break;
        case OPT_PATH:
            if (optarg[0] != '/')
                return fail(err, errsz, "--web.telemetry-path must start with '/': \"%s\"%s",
                            optarg, "");
            f->telemetry_path = optarg;
            break;
        case OPT_CONFIG:
            f->web_config_file = optarg;
            break;
        case OPT_MAX_REQ:
            if (parse_uint(optarg, &f->max_requests) != 0)
                return fail(err, errsz, "--web.max-requests: not a number: \"%s\"%s", optarg, "");
            break;
        case OPT_LOG_LEVEL:
            if (xe_log_parse_level(optarg, &f->log_level) != 0)
                return fail(err, errsz,
                            "--log.level: \"%s\" is not one of debug, info, warn, error%s",
                            optarg, "");
            break;
        case OPT_LOG_FORMAT:
            if (xe_log_parse_format(optarg, &f->log_format) != 0)
                return fail(err, errsz, "--log.format: \"%s\" is not one of logfmt, json%s",
                            optarg, "");
            break;
        case OPT_VERSION:
            f->version = true;
            break;
        case OPT_CACHE:
        case OPT_NO_CACHE:
            f->xen_cache = c == OPT_CACHE;
            break;
        case OPT_VIEW:
            if (strcmp(optarg, "auto") == 0)
                f->view = XE_VIEW_AUTO;
            else if (strcmp(optarg, "dom0") == 0)
                f->view = XE_VIEW_DOM0;
            else if (strcmp(optarg, "guest") == 0)
                f->view = XE_VIEW_GUEST;
            else
                return fail(err, errsz, "--xen.view: \"%s\" is not one of auto, dom0, guest%s",
                            optarg, "");
            break;
        case OPT_SYSFS:
            f->sysfs = optarg;
            break;
        case OPT_PROCFS:
            f->procfs = optarg;
            break;
        case OPT_CPUID:
            f->cpuid_file = optarg;
            break;
        case OPT_CONFIG_DIR:
            f->config_dir = optarg;
            break;
        case OPT_CONFIGS:
        case OPT_NO_CONFIGS:
            f->configs = c == OPT_CONFIGS;
            break;
        case 'h':
            f->help = true;
            break;
        case OPT_HASH_PASSWORD:
            f->hash_password = true;
            break;
        case ':':
            return fail(err, errsz, "flag %s needs a value%s", argv[optind - 1], "");
        default: {
            /* A bad short flag is named by optopt; a bad long one (optopt 0
             * or its value) by the word getopt just stepped over. */
            char shortflag[3] = {'-', (char)optopt, '\0'};
            bool is_short = optopt > ' ' && optopt < 127;
            return fail(err, errsz, "unknown or malformed flag %s%s",
                        is_short ? shortflag : argv[optind - 1], "");
        }
        }
    }
    if (optind < argc)
        return fail(err, errsz, "unexpected argument \"%s\"%s", argv[optind], "");
    if (f->n_listen == 0 && add_listen(f, XE_DEFAULT_LISTEN) != 0)
        return fail(err, errsz, "out of memory%s%s", "", "");
    return 0;
}

void xe_flags_free(struct xe_flags *f)
{
    free(f->listen);
    f->listen = NULL;
    f->n_listen = 0;
}

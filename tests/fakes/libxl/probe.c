/*
 * fakexl-probe - drives libxl one call at a time, for
 * tests/integration/test-fake-libxl.sh.
 *
 * Linked against the real libxenlight; run it with the fake preloaded to
 * exercise the fake, or without to see what the real library does here.
 * Reads one command per line on stdin and answers each with its output
 * lines followed by a line holding a single ".", so a test can change the
 * fixture between two calls of one process. Every message libxl sends to
 * the logger is printed as "log LEVEL ERRNO CONTEXT: MESSAGE".
 *
 *   alloc [nolog|badversion]   libxl_ctx_alloc -> "alloc rc=R errno=E ctx=set|null"
 *   free                       libxl_ctx_free
 *   list                       "dom DOMID UUID hvm|pv" lines, then "list n=N" or
 *                              "list NULL nb=N errno=E"
 *   info DOMID [null]          libxl_domain_info (null: info_r NULL) -> "info rc=R [type=T]"
 *   userdata DOMID [USERID [FILE|-] [lenonly]]
 *                              libxl_userdata_retrieve -> "userdata rc=R len=L data=set|null";
 *                              the data is written to FILE
 *   version                    "version MAJOR MINOR EXTRA"
 *   name DOMID                 libxl_domid_to_name -> "name NAME" or "name (null)"
 *   setenv NAME VALUE | unsetenv NAME
 *   realjson TYPE NAME UUID PVSHIM FILE
 *                              the real libxl_domain_config_to_json of that config
 *                              (PVSHIM 1, 0 or - for default), written with its NUL
 *   threads N ITERATIONS       N threads list/info/userdata/name on the ctx at once
 *                              -> "threads errors=E"
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

static libxl_ctx *ctx;

static void log_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval,
                         const char *context, const char *format, va_list al)
{
    (void)lg;
    char msg[1024];
    vsnprintf(msg, sizeof msg, format, al);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    printf("log %s %d %s: %s\n", xtl_level_to_string(level), errnoval,
           context ? context : "(null)", msg);
}

static void log_progress(xentoollog_logger *lg, const char *context, const char *doing_what,
                         int percent, unsigned long done, unsigned long total)
{
    (void)lg; (void)context; (void)doing_what; (void)percent; (void)done; (void)total;
}

static void log_destroy(xentoollog_logger *lg)
{
    (void)lg;
}

static xentoollog_logger logger = {log_vmessage, log_progress, log_destroy};

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

static void cmd_alloc(const char *how)
{
    int version = how && strcmp(how, "badversion") == 0 ? LIBXL_VERSION + 1 : LIBXL_VERSION;
    xentoollog_logger *lg = how && strcmp(how, "nolog") == 0 ? NULL : &logger;
    libxl_ctx *c = (libxl_ctx *)&logger; /* not NULL: shows whether it is reset */
    errno = 0;
    int rc = libxl_ctx_alloc(&c, version, 0, lg);
    int e = errno;
    printf("alloc rc=%d errno=%d ctx=%s\n", rc, e, c ? "set" : "null");
    if (rc == 0)
        ctx = c;
}

static void cmd_list(void)
{
    int n = -1;
    errno = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &n);
    if (!list) {
        printf("list NULL nb=%d errno=%d\n", n, errno);
        return;
    }
    for (int i = 0; i < n; i++) {
        printf("dom %u " LIBXL_UUID_FMT " %s running=%d memkb=%llu\n", list[i].domid,
               LIBXL_UUID_BYTES(list[i].uuid),
               list[i].domain_type == LIBXL_DOMAIN_TYPE_HVM ? "hvm"
               : list[i].domain_type == LIBXL_DOMAIN_TYPE_PV ? "pv" : "other",
               list[i].running, (unsigned long long)list[i].current_memkb);
    }
    printf("list n=%d\n", n);
    libxl_dominfo_list_free(list, n);
}

static void cmd_info(const char *id, const char *mode)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    bool null = mode && strcmp(mode, "null") == 0;
    int rc = libxl_domain_info(ctx, null ? NULL : &info, (uint32_t)strtoul(id, NULL, 10));
    if (rc == 0 && !null)
        printf("info rc=0 domid=%u type=%s\n", info.domid,
               info.domain_type == LIBXL_DOMAIN_TYPE_HVM ? "hvm" : "pv");
    else
        printf("info rc=%d\n", rc);
    libxl_dominfo_dispose(&info);
}

static void cmd_userdata(const char *id, const char *userid, const char *file, const char *mode)
{
    uint8_t *data = (uint8_t *)&logger; /* not NULL: shows whether it is set */
    int len = -1;
    bool lenonly = mode && strcmp(mode, "lenonly") == 0;
    int rc = libxl_userdata_retrieve(ctx, (uint32_t)strtoul(id, NULL, 10),
                                     userid ? userid : "libxl-json", lenonly ? NULL : &data, &len);
    if (lenonly)
        data = NULL;
    if (rc != 0) {
        printf("userdata rc=%d\n", rc);
        return;
    }
    printf("userdata rc=0 len=%d data=%s\n", len, data ? "set" : "null");
    if (file && strcmp(file, "-") != 0 && write_file(file, data, data ? (size_t)len : 0) != 0)
        printf("error writing %s\n", file);
    free(data);
}

static void cmd_version(void)
{
    const libxl_version_info *v = libxl_get_version_info(ctx);
    if (v)
        printf("version %d %d %s\n", v->xen_version_major, v->xen_version_minor,
               v->xen_version_extra ? v->xen_version_extra : "(null)");
    else
        printf("version NULL\n");
}

static void cmd_name(const char *id)
{
    char *name = libxl_domid_to_name(ctx, (uint32_t)strtoul(id, NULL, 10));
    printf("name %s\n", name ? name : "(null)");
    free(name);
}

static void cmd_realjson(char **arg)
{
    libxl_domain_config c;
    libxl_domain_type t;
    libxl_domain_config_init(&c);
    if (libxl_domain_type_from_string(arg[0], &t) != 0) {
        printf("realjson bad type\n");
        return;
    }
    c.c_info.type = t;
    c.c_info.name = strdup(arg[1]);
    libxl_uuid_from_string(&c.c_info.uuid, arg[2]);
    libxl_domain_build_info_init_type(&c.b_info, t);
    if (t == LIBXL_DOMAIN_TYPE_PVH && strcmp(arg[3], "-") != 0)
        libxl_defbool_set(&c.b_info.u.pvh.pvshim, strcmp(arg[3], "1") == 0);
    /* The ctx is used only to log an error; there is no real one here. */
    char *json = libxl_domain_config_to_json(NULL, &c);
    if (json && write_file(arg[4], json, strlen(json) + 1) == 0)
        printf("realjson ok\n");
    else
        printf("realjson failed\n");
    free(json);
    libxl_domain_config_dispose(&c);
}

/* One thread of "threads": the exporter's pattern on a shared ctx. */
static void *hammer(void *arg)
{
    long iterations = *(long *)arg, errors = 0;
    for (long i = 0; i < iterations; i++) {
        int n = 0;
        libxl_dominfo *list = libxl_list_domain(ctx, &n);
        if (!list) {
            errors++;
            continue;
        }
        for (int d = 0; d < n; d++) {
            int rc = libxl_domain_info(ctx, NULL, list[d].domid);
            if (rc != 0 && rc != ERROR_DOMAIN_NOTFOUND)
                errors++;
            uint8_t *data = NULL;
            int len = 0;
            rc = libxl_userdata_retrieve(ctx, list[d].domid, "libxl-json", &data, &len);
            if (rc != 0 && rc != ERROR_LOCK_FAIL)
                errors++;
            free(data);
            free(libxl_domid_to_name(ctx, list[d].domid));
        }
        if (!libxl_get_version_info(ctx))
            errors++;
        libxl_dominfo_list_free(list, n);
    }
    return (void *)errors;
}

static void cmd_threads(const char *nthreads, const char *iterations)
{
    int n = atoi(nthreads);
    long iters = atol(iterations), errors = 0;
    pthread_t tid[64];
    if (n < 1 || n > 64) {
        printf("threads: 1..64\n");
        return;
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&tid[i], NULL, hammer, &iters) != 0)
            n = i;
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(tid[i], &r);
        errors += (long)r;
    }
    printf("threads errors=%ld\n", errors);
}

int main(void)
{
    char line[4096];
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin)) {
        char *arg[8] = {0}, *save = NULL;
        int n = 0;
        for (char *t = strtok_r(line, " \t\n", &save); t && n < 8; t = strtok_r(NULL, " \t\n", &save))
            arg[n++] = t;
        const char *cmd = arg[0] ? arg[0] : "";
        if (strcmp(cmd, "alloc") == 0)
            cmd_alloc(arg[1]);
        else if (strcmp(cmd, "free") == 0) {
            printf("free rc=%d\n", libxl_ctx_free(ctx));
            ctx = NULL;
        } else if (strcmp(cmd, "list") == 0)
            cmd_list();
        else if (strcmp(cmd, "info") == 0 && n >= 2)
            cmd_info(arg[1], arg[2]);
        else if (strcmp(cmd, "userdata") == 0 && n >= 2)
            cmd_userdata(arg[1], arg[2], arg[3], arg[4]);
        else if (strcmp(cmd, "version") == 0)
            cmd_version();
        else if (strcmp(cmd, "name") == 0 && n >= 2)
            cmd_name(arg[1]);
        else if (strcmp(cmd, "setenv") == 0 && n >= 3)
            printf("setenv %d\n", setenv(arg[1], arg[2], 1));
        else if (strcmp(cmd, "unsetenv") == 0 && n >= 2)
            printf("unsetenv %d\n", unsetenv(arg[1]));
        else if (strcmp(cmd, "realjson") == 0 && n >= 6)
            cmd_realjson(&arg[1]);
        else if (strcmp(cmd, "threads") == 0 && n >= 3)
            cmd_threads(arg[1], arg[2]);
        else if (strcmp(cmd, "quit") == 0)
            break;
        else if (cmd[0])
            printf("unknown command: %s\n", cmd);
        printf(".\n");
    }
    if (ctx)
        libxl_ctx_free(ctx);
    return 0;
}

/*
 * mock_daemon.c - a minimal stand-in for the collectd daemon, to call the
 * plugin's read callback from several threads at the same time (collectd
 * itself never runs one read callback concurrently, but its read threads
 * take turns, and the plugin promises to be safe either way).
 *
 * It provides the daemon functions xenmode.so uses (the executable is
 * linked with -rdynamic, so the dlopen()ed plugin binds to them), loads the
 * plugin, runs module_register, the config callback (an empty
 * <Plugin xenmode> block, or one Domain line), init, THREADS threads doing
 * READS reads each, then shutdown.
 *
 * usage: xmc-mock-daemon PLUGIN.so THREADS READS [DOMAIN]
 * Prints one line per thread, "thread N: R reads, F failed, D values,
 * M mode gauges = 1", then "total ..."; exit 0 when every read succeeded and
 * dispatched the same number of values.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_complain.h"
#include "collectd/core/utils/common/common.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>

static int (*config_cb)(oconfig_item_t *);
static plugin_init_cb init_cb;
static plugin_shutdown_cb shutdown_cb;
static plugin_read_cb read_cb;
static user_data_t read_ud;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int log_lines;

/* Values dispatched by the current thread's read. */
static _Thread_local long tl_values, tl_ones;

/* ---- the daemon's API, as far as xenmode.so uses it -------------------- */

int plugin_register_complex_config(const char *type, int (*callback)(oconfig_item_t *))
{
    (void)type;
    config_cb = callback;
    return 0;
}

int plugin_register_init(const char *name, plugin_init_cb callback)
{
    (void)name;
    init_cb = callback;
    return 0;
}

int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback)
{
    (void)name;
    shutdown_cb = callback;
    return 0;
}

int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb callback,
                                 cdtime_t interval, user_data_t const *user_data)
{
    (void)group;
    (void)name;
    (void)interval;
    read_cb = callback;
    read_ud = *user_data;
    return 0;
}

int plugin_dispatch_values(value_list_t const *vl)
{
    /* The host-wide values have no plugin_instance: the count of bad xl
     * configurations (there is no /etc/xen here) and the hypervisor's
     * capability_<cap> gauges. The mock counts domain values only. */
    if (vl->plugin_instance[0] == '\0' &&
        (strcmp(vl->type_instance, "config_files_failed") == 0 ||
         strncmp(vl->type_instance, "capability_", 11) == 0))
        return 0;
    if (strcmp(vl->plugin, "xenmode") != 0 || vl->values_len != 1 || vl->plugin_instance[0] == '\0')
        abort();
    tl_values++;
    /* Mode gauges only (gauge-hap is 1 too for a HAP domain). */
    static const char *const modes[] = {"pv", "pvh", "hvm", "pvhvm", "pv_in_pvh"};
    if (strcmp(vl->type, "gauge") == 0 && vl->values[0].gauge == 1.0)
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strcmp(vl->type_instance, modes[i]) == 0)
                tl_ones++;
    return 0;
}

void plugin_log(int level, const char *format, ...)
{
    va_list ap;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "[%d] ", level);
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
    atomic_fetch_add(&log_lines, 1);
}

/* collectd's semantics (src/daemon/utils_complain.c), without the back-off. */
void c_complain_once(int level, c_complain_t *c, const char *format, ...)
{
    char msg[512];
    va_list ap;
    if (c->complained_once)
        return;
    c->complained_once = true;
    c->interval = 1;
    va_start(ap, format);
    vsnprintf(msg, sizeof(msg), format, ap);
    va_end(ap);
    plugin_log(level, "%s", msg);
}

void c_do_release(int level, c_complain_t *c, const char *format, ...)
{
    char msg[512];
    va_list ap;
    if (c->interval == 0)
        return;
    c->interval = 0;
    c->complained_once = false;
    va_start(ap, format);
    vsnprintf(msg, sizeof(msg), format, ap);
    va_end(ap);
    plugin_log(level, "%s", msg);
}

cdtime_t cdtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return TIMESPEC_TO_CDTIME_T(&ts);
}

char *sstrncpy(char *dest, const char *src, size_t n)
{
    strncpy(dest, src, n);
    dest[n - 1] = '\0';
    return dest;
}

/* ---- the run ----------------------------------------------------------- */

struct worker {
    pthread_t tid;
    int reads;
    int failed;
    long values, ones;
    long min_values, max_values;
};

static pthread_barrier_t start;

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    w->min_values = -1;
    pthread_barrier_wait(&start);
    for (int i = 0; i < w->reads; i++) {
        tl_values = tl_ones = 0;
        if (read_cb(&read_ud) != 0)
            w->failed++;
        w->values += tl_values;
        w->ones += tl_ones;
        if (w->min_values < 0 || tl_values < w->min_values)
            w->min_values = tl_values;
        if (tl_values > w->max_values)
            w->max_values = tl_values;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: xmc-mock-daemon PLUGIN.so THREADS READS [DOMAIN]\n");
        return 2;
    }
    int nthreads = atoi(argv[2]), nreads = atoi(argv[3]);
    if (nthreads < 1 || nreads < 1)
        return 2;

    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    void (*reg)(void) = (void (*)(void))dlsym(h, "module_register");
    if (!reg) {
        fprintf(stderr, "no module_register\n");
        return 1;
    }
    reg();
    if (!config_cb || !init_cb || !shutdown_cb) {
        fprintf(stderr, "module_register did not register config, init and shutdown\n");
        return 1;
    }

    /* The configured modes (xl files) are not what this mock exercises. */
    oconfig_value_t dom_value = {.value.string = argc > 4 ? argv[4] : NULL, .type = OCONFIG_TYPE_STRING};
    oconfig_value_t no_value = {.value.boolean = 0, .type = OCONFIG_TYPE_BOOLEAN};
    oconfig_item_t children[2] = {
        {.key = "ReportConfiguredModes", .values = &no_value, .values_num = 1},
        {.key = "Domain", .values = &dom_value, .values_num = 1},
    };
    oconfig_value_t block_value = {.value.string = "xenmode", .type = OCONFIG_TYPE_STRING};
    oconfig_item_t block = {.key = "Plugin", .values = &block_value, .values_num = 1,
                            .children = children, .children_num = argc > 4 ? 2 : 1};
    children[0].parent = children[1].parent = &block;
    if (config_cb(&block) != 0 || init_cb() != 0 || !read_cb) {
        fprintf(stderr, "config or init failed\n");
        return 1;
    }

    struct worker *w = calloc((size_t)nthreads, sizeof(*w));
    if (!w)
        return 1;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        w[i].reads = nreads;
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
            return 1;
    }
    long total = 0, failed = 0, lo = -1, hi = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].tid, NULL);
        printf("thread %d: %d reads, %d failed, %ld values (%ld..%ld per read), %ld mode gauges = 1\n", i,
               w[i].reads, w[i].failed, w[i].values, w[i].min_values, w[i].max_values, w[i].ones);
        total += w[i].values;
        failed += w[i].failed;
        if (lo < 0 || w[i].min_values < lo)
            lo = w[i].min_values;
        if (w[i].max_values > hi)
            hi = w[i].max_values;
    }
    pthread_barrier_destroy(&start);
    printf("total: %d reads, %ld failed, %ld values, %ld..%ld per read, %d log lines\n",
           nthreads * nreads, failed, total, lo, hi, atomic_load(&log_lines));
    free(w);
    if (shutdown_cb() != 0)
        return 1;
    /* dlclose would unmap code the core's atexit handlers (if any) need;
     * collectd does not dlclose plugins either. */
    return failed == 0 && lo == hi ? 0 : 1;
}

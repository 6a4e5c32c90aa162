/*
 * cache-diff: the randomized differential test of the snapshot cache, run on
 * the fake host (tests/fake-host/run FIXTURE -- cache-diff ...).
 *
 *   cache-diff --seed N --steps N --fixture FILE
 *       A seeded random sequence of host changes: domains created and
 *       destroyed, type records changed, device backends moved through
 *       states 1-6, devices added, backends' frontend nodes broken and
 *       mended, agent keys written, changed and removed, domains renamed,
 *       the xenstore server killed and restarted, connections dropped,
 *       write floods (a guest writing its own device/ subtree thousands of
 *       times, sometimes pointing a frontend at another kind's backend,
 *       between two snapshots), and xenstored stopped (SIGSTOP) at a random
 *       moment of a snapshot that must re-read, with a 0.3 s deadline. After
 *       each step settles, a cached collector's snapshot must equal a
 *       one-shot full read exactly; a stalled snapshot must return within
 *       its deadline (plus a margin) and either succeed or fail with
 *       XM_ERR_TIMEOUT, and after SIGCONT the next successful snapshot must
 *       equal a full read. A failure prints the seed and step; the same
 *       seed replays the changes (the moment of a stall depends on timing).
 *
 *   cache-diff --steady N --domains M --fixture FILE
 *       Writes an unchanging host of M domains, takes one snapshot to fill
 *       the cache, then N more, and checks with the server's counter that
 *       those N sent no xenstore request.
 *
 * FILE is rewritten (atomically) as the host changes: pass a copy.
 * Output is TAP.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <xenstore.h>

#include "xenmode/host.h"

#define MAX_DOMS 40
#define MAX_DEVS 4

struct dev { char kind[4]; unsigned devid; uint32_t bdom; int state; bool fe_bad; };
struct dom {
    uint32_t domid;
    char name[32];
    int kind;          /* 0 pv, 1 pvh, 2 hvm, 3 shim */
    char type_rec[8];  /* "" = absent */
    struct dev devs[MAX_DEVS];
    int n_devs;
    int agent;         /* 0 none, else which set of agent keys is written */
};

static struct dom doms[MAX_DOMS];
static int n_doms;
static uint32_t next_domid = 1;
static uint64_t rng;
static const char *fixture;
static int tap_n;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* ---- the fake host ---- */
static int control(const char *cmd, char *reply, size_t replysz)
{
    const char *path = getenv("XENMODE_FAKE_CONTROL");
    if (!path)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    dprintf(fd, "%s\n", cmd);
    size_t o = 0;
    while (o + 1 < replysz) {
        ssize_t n = read(fd, reply + o, 1);
        if (n <= 0 || reply[o] == '\n')
            break;
        o++;
    }
    reply[o] = '\0';
    close(fd);
    return strncmp(reply, "ok", 2) == 0 || strncmp(reply, "requests=", 9) == 0 ? 0 : -1;
}

static void add_kv(json_t *xs, const char *val, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_kv(json_t *xs, const char *val, const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    json_object_set_new(xs, path, json_string(val));
}

static const char *kind_type(int kind) { return (const char *[]){"pv", "pvh", "hvm", "pvh"}[kind]; }

static void write_fixture(void)
{
    json_t *root = json_object(), *list = json_array(), *xs = json_object();
    json_t *d0 = json_pack("{s:i,s:s,s:s,s:b}", "domid", 0, "name", "Domain-0", "uuid",
                           "00000000-0000-0000-0000-000000000000", "hvm", 0);
    json_array_append_new(list, d0);
    for (int i = 0; i < n_doms; i++) {
        struct dom *d = &doms[i];
        char uuid[40];
        snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012" PRIu32, d->domid);
        json_t *cfg = json_pack("{s:s}", "type", kind_type(d->kind));
        if (d->kind == 1 || d->kind == 3)
            json_object_set_new(cfg, "pvshim", json_boolean(d->kind == 3));
        json_array_append_new(list, json_pack("{s:i,s:s,s:s,s:b,s:o}", "domid", (int)d->domid,
                                              "name", d->name, "uuid", uuid, "hvm", d->kind != 0,
                                              "config", cfg));
        add_kv(xs, d->name, "/local/domain/%" PRIu32 "/name", d->domid);
        if (d->type_rec[0])
            add_kv(xs, d->type_rec, "/libxl/%" PRIu32 "/type", d->domid);
        if (d->agent) {
            /* Guest agent keys (xm_agent.h); the sets differ in every value
             * and in which keys exist, so a stale cache shows. */
            char v[32];
            snprintf(v, sizeof v, "%d", d->agent);
            add_kv(xs, v, "/local/domain/%" PRIu32 "/attr/PVAddons/MajorVersion", d->domid);
            if (d->agent % 2)
                add_kv(xs, "7", "/local/domain/%" PRIu32 "/attr/PVAddons/MinorVersion", d->domid);
            snprintf(v, sizeof v, "distro%d", d->agent);
            add_kv(xs, v, "/local/domain/%" PRIu32 "/data/os_distro", d->domid);
            if (d->agent % 3)
                add_kv(xs, "12", "/local/domain/%" PRIu32 "/data/os_majorver", d->domid);
            for (int k = 0; k < d->agent % 4; k++) {
                snprintf(v, sizeof v, "Vendor DRV%d %d.%d", k, d->agent, k);
                add_kv(xs, v, "/local/domain/%" PRIu32 "/drivers/%d", d->domid, k);
            }
        }
        for (int k = 0; k < d->n_devs; k++) {
            struct dev *v = &d->devs[k];
            char be[128], st[4];
            snprintf(be, sizeof be, "/local/domain/%" PRIu32 "/backend/%s/%" PRIu32 "/%u",
                     v->bdom, v->kind, d->domid, v->devid);
            snprintf(st, sizeof st, "%d", v->state);
            add_kv(xs, be, "/local/domain/%" PRIu32 "/device/%s/%u/backend", d->domid, v->kind,
                   v->devid);
            add_kv(xs, st, "%s/state", be);
            /* The backend's frontend node: right, or naming another device. */
            char fe[128];
            snprintf(fe, sizeof fe, "/local/domain/%" PRIu32 "/device/%s/%u", d->domid, v->kind,
                     v->devid + (v->fe_bad ? 1 : 0));
            add_kv(xs, fe, "%s/frontend", be);
        }
    }
    json_object_set_new(root, "domains", list);
    json_object_set_new(root, "xenstore", xs);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", fixture);
    if (json_dump_file(root, tmp, JSON_INDENT(1)) != 0 || rename(tmp, fixture) != 0) {
        fprintf(stderr, "cache-diff: cannot write %s\n", fixture);
        exit(2);
    }
    json_decref(root);
}

static void new_domain(void)
{
    struct dom *d = &doms[n_doms++];
    memset(d, 0, sizeof *d);
    d->domid = next_domid++;
    snprintf(d->name, sizeof d->name, "g%" PRIu32, d->domid);
    d->kind = (int)rnd(4);
    snprintf(d->type_rec, sizeof d->type_rec, "%s", kind_type(d->kind));
    d->n_devs = (int)rnd(MAX_DEVS + 1);
    for (int k = 0; k < d->n_devs; k++) {
        struct dev *v = &d->devs[k];
        snprintf(v->kind, sizeof v->kind, "%s", rnd(2) ? "vbd" : "vif");
        v->devid = 768 + (unsigned)k;
        v->bdom = n_doms > 1 && rnd(4) == 0 ? doms[rnd((uint32_t)n_doms - 1)].domid : 0;
        v->state = 1 + (int)rnd(6);
    }
}

/* ---- comparison ---- */
static bool same_domain(const struct xm_domain *a, const struct xm_domain *b, char *why,
                        size_t whysz)
{
    if (a->domid != b->domid || strcmp(a->name, b->name) || strcmp(a->uuid, b->uuid) ||
        a->mode != b->mode || a->hvm_flag != b->hvm_flag || a->dom0 != b->dom0 ||
        a->pv_width_bits != b->pv_width_bits || a->paging != b->paging) {
        snprintf(why, whysz, "domain %" PRIu32 ": cached %s/%s, full read %s/%s", a->domid,
                 a->name, xm_mode_name(a->mode), b->name, xm_mode_name(b->mode));
        return false;
    }
    if (a->n_devices != b->n_devices || a->n_evidence != b->n_evidence) {
        snprintf(why, whysz, "domain %" PRIu32 ": %zu/%zu device kinds, %zu/%zu evidence lines",
                 a->domid, a->n_devices, b->n_devices, a->n_evidence, b->n_evidence);
        return false;
    }
    for (size_t i = 0; i < a->n_devices; i++)
        if (strcmp(a->devices[i].kind, b->devices[i].kind) ||
            a->devices[i].connected != b->devices[i].connected ||
            a->devices[i].present != b->devices[i].present) {
            snprintf(why, whysz, "domain %" PRIu32 ": devices of kind %s differ", a->domid,
                     b->devices[i].kind);
            return false;
        }
    const struct xm_guest_agent *ga = &a->agent, *gb = &b->agent;
    bool agent_same = ga->present == gb->present && !strcmp(ga->version, gb->version) &&
                      !strcmp(ga->os_distro, gb->os_distro) && !strcmp(ga->os_name, gb->os_name) &&
                      !strcmp(ga->os_version, gb->os_version) && ga->n_drivers == gb->n_drivers;
    for (size_t i = 0; agent_same && i < ga->n_drivers; i++)
        agent_same = !strcmp(ga->drivers[i].driver, gb->drivers[i].driver) &&
                     !strcmp(ga->drivers[i].version, gb->drivers[i].version);
    if (!agent_same) {
        snprintf(why, whysz, "domain %" PRIu32 ": agent values differ (cached version '%s', %zu "
                 "drivers; full read '%s', %zu)", a->domid, ga->version, ga->n_drivers,
                 gb->version, gb->n_drivers);
        return false;
    }
    for (size_t i = 0; i < a->n_evidence; i++)
        if (strcmp(a->evidence[i], b->evidence[i])) {
            snprintf(why, whysz, "domain %" PRIu32 ": evidence '%s' vs '%s'", a->domid,
                     a->evidence[i], b->evidence[i]);
            return false;
        }
    return true;
}

static bool same_snapshot(const struct xm_snapshot *a, const struct xm_snapshot *b, char *why,
                          size_t whysz)
{
    if (a->n_domains != b->n_domains) {
        snprintf(why, whysz, "cached snapshot has %zu domains, full read %zu", a->n_domains,
                 b->n_domains);
        return false;
    }
    for (size_t i = 0; i < a->n_domains; i++)
        if (!same_domain(&a->domains[i], &b->domains[i], why, whysz))
            return false;
    return true;
}

/* Polls until the cached snapshot equals a full read, or the deadline. */
static bool settle(struct xm_collector *cached, char *why, size_t whysz, int *tries)
{
    double deadline = xm_monotonic_seconds() + 5.0;
    for (*tries = 1;; (*tries)++) {
        struct xm_collector *one = NULL;
        struct xm_snapshot *a = NULL, *b = NULL;
        struct xm_error err;
        bool ok = false;
        xm_collector_new_oneshot(&one, NULL);
        int ra = xm_collector_snapshot(cached, &a, &err);
        if (ra != XM_OK)
            snprintf(why, whysz, "cached snapshot failed: %.400s", err.message);
        int rb = xm_collector_snapshot(one, &b, &err);
        if (ra == XM_OK && rb != XM_OK)
            snprintf(why, whysz, "full read failed: %.400s", err.message);
        if (ra == XM_OK && rb == XM_OK)
            ok = same_snapshot(a, b, why, whysz);
        xm_snapshot_free(a);
        xm_snapshot_free(b);
        xm_collector_free(one);
        if (ok)
            return true;
        if (xm_monotonic_seconds() > deadline)
            return false;
        usleep(2000);
    }
}

/* A guest's write flood into its own device/ subtree, straight to the
 * xenstore server (not through the fixture: the next reload removes it).
 * Sometimes the last write points a frontend at another kind's backend. */
static int flood(const struct dom *d)
{
    struct xs_handle *h = xs_open(0);
    if (!h)
        return -1;
    int rc = 0, n = 500 + (int)rnd(2000);
    for (int i = 0; i < n && rc == 0; i++) {
        char path[128], val[16];
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device/vif/0/flood-%d", d->domid,
                 i % 97);
        int len = snprintf(val, sizeof val, "%d", i);
        if (!xs_write(h, XBT_NULL, path, val, (unsigned)len))
            rc = -1;
    }
    if (rc == 0 && d->n_devs && rnd(2)) {
        const struct dev *v = &d->devs[rnd((uint32_t)d->n_devs)];
        char path[128], be[128];
        snprintf(path, sizeof path, "/local/domain/%" PRIu32 "/device/%s/%u/backend", d->domid,
                 v->kind, v->devid);
        snprintf(be, sizeof be, "/local/domain/%" PRIu32 "/backend/%s/%" PRIu32 "/%u", v->bdom,
                 strcmp(v->kind, "vbd") == 0 ? "vif" : "vbd", d->domid, v->devid);
        if (!xs_write(h, XBT_NULL, path, be, (unsigned)strlen(be)))
            rc = -1;
    }
    xs_close(h);
    return rc;
}

/* ---- stalls ---- */
#define STALL_TIMEOUT 0.3
#define STALL_MARGIN 2.0

static pid_t server_pid(void)
{
    const char *path = getenv("XENMODE_FAKE_XENSTORED_PIDFILE");
    FILE *f = path ? fopen(path, "r") : NULL;
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

struct stopper {
    pid_t pid;
    useconds_t delay;
};

static void *stop_later(void *arg)
{
    struct stopper *s = arg;
    usleep(s->delay);
    kill(s->pid, SIGSTOP);
    return NULL;
}

/* The host has changed (reloaded) under the cached collector; xenstored is
 * stopped 0-3 ms into its next snapshot. That snapshot must come back
 * within its deadline, succeeded or abandoned (XM_ERR_TIMEOUT). *abandoned
 * counts the latter. false with why filled otherwise. */
static bool stalled_snapshot(struct xm_collector *cached, int *abandoned, char *why,
                             size_t whysz)
{
    struct stopper st = {server_pid(), (useconds_t)rnd(3000)};
    struct xm_snapshot *snap = NULL;
    struct xm_error err;
    pthread_t t;
    if (st.pid <= 0) {
        snprintf(why, whysz, "no xenstore server pid (XENMODE_FAKE_XENSTORED_PIDFILE)");
        return false;
    }
    xm_collector_set_timeout(cached, STALL_TIMEOUT);
    if (pthread_create(&t, NULL, stop_later, &st) != 0) {
        snprintf(why, whysz, "cannot start a thread");
        return false;
    }
    double start = xm_monotonic_seconds();
    int rc = xm_collector_snapshot(cached, &snap, &err);
    double took = xm_monotonic_seconds() - start;
    pthread_join(t, NULL);
    kill(st.pid, SIGCONT);
    xm_snapshot_free(snap);
    xm_collector_set_timeout(cached, XM_DEFAULT_TIMEOUT_SECONDS);
    *abandoned += rc == XM_ERR_TIMEOUT;
    if (took > STALL_TIMEOUT + STALL_MARGIN) {
        snprintf(why, whysz, "the stalled snapshot took %.2fs (deadline %.1fs)", took,
                 STALL_TIMEOUT);
        return false;
    }
    if (rc != XM_OK && rc != XM_ERR_TIMEOUT) {
        snprintf(why, whysz, "the stalled snapshot failed otherwise: %.400s", err.message);
        return false;
    }
    return true;
}

static int run_random(uint64_t seed, int steps)
{
    struct xm_collector *cached = NULL;
    char why[1024], reply[256];
    int tries, max_tries = 1, restarts = 0, floods = 0, stalls = 0, abandoned = 0;
    rng = seed ? seed : 1;
    for (int i = 0; i < 8; i++)
        new_domain();
    write_fixture();
    if (control("reload", reply, sizeof reply) != 0) {
        printf("not ok %d - reload the first host: %s\n", ++tap_n, reply);
        return 1;
    }
    xm_collector_new(&cached, NULL);
    if (!settle(cached, why, sizeof why, &tries)) {
        printf("not ok %d - seed %" PRIu64 " step 0: %s\n", ++tap_n, seed, why);
        return 1;
    }
    for (int step = 1; step <= steps; step++) {
        const char *what;
        enum { ACT_RELOAD, ACT_RESTART, ACT_DROP, ACT_FLOOD } act = ACT_RELOAD;
        uint32_t r = rnd(100);
        struct dom *d = n_doms ? &doms[rnd((uint32_t)n_doms)] : NULL;
        if (r < 15 && n_doms < MAX_DOMS) {
            what = "create a domain";
            new_domain();
        } else if (r < 27 && d) {
            what = "destroy a domain";
            *d = doms[--n_doms];
        } else if (r < 42 && d) {
            what = "change a type record";
            static const char *const recs[] = {"pv", "pvh", "hvm", "HVM", "junk", ""};
            snprintf(d->type_rec, sizeof d->type_rec, "%s", recs[rnd(6)]);
        } else if (r < 75 && d && d->n_devs) {
            what = "move a backend state";
            d->devs[rnd((uint32_t)d->n_devs)].state = 1 + (int)rnd(6);
        } else if (r < 80 && d && d->n_devs < MAX_DEVS) {
            what = "add a device";
            struct dev *v = &d->devs[d->n_devs++];
            snprintf(v->kind, sizeof v->kind, "%s", rnd(2) ? "vbd" : "vif");
            v->devid = 900 + (unsigned)d->n_devs;
            v->bdom = 0;
            v->state = 1 + (int)rnd(6);
        } else if (r < 83 && d && d->n_devs) {
            what = "break or mend a backend's frontend node";
            struct dev *v = &d->devs[rnd((uint32_t)d->n_devs)];
            v->fe_bad = !v->fe_bad;
        } else if (r < 86 && d) {
            what = "a guest's write flood";
            act = ACT_FLOOD;
        } else if (r < 88 && d) {
            what = d->agent ? "change or remove agent keys" : "write agent keys";
            d->agent = d->agent && rnd(3) == 0 ? 0 : 1 + (int)rnd(12);
        } else if (r < 90 && d) {
            what = "rename a domain";
            snprintf(d->name, sizeof d->name, "r%" PRIu32 "-%u", d->domid, (unsigned)rnd(1000));
        } else if (r < 93 && d) {
            what = "rename a domain, stop xenstored mid-snapshot";
            snprintf(d->name, sizeof d->name, "s%" PRIu32 "-%u", d->domid, (unsigned)rnd(1000));
        } else if (r < 97) {
            what = "kill and restart the xenstore server";
            act = ACT_RESTART;
        } else {
            what = "drop every xenstore connection";
            act = ACT_DROP;
        }
        write_fixture();
        int rc;
        if (act == ACT_RESTART) {
            restarts++;
            rc = system("\"$XM_ROOT\"/tests/fake-host/xenstored-ctl restart >/dev/null");
        } else if (act == ACT_DROP) {
            rc = control("drop-connections", reply, sizeof reply);
        } else if (act == ACT_FLOOD) {
            floods++;
            snprintf(reply, sizeof reply, "a write failed");
            rc = control("reload", reply, sizeof reply) == 0 ? flood(d) : -1;
        } else {
            rc = control("reload", reply, sizeof reply);
        }
        if (rc != 0) {
            printf("not ok %d - seed %" PRIu64 " step %d (%s): the fake host refused: %s\n",
                   ++tap_n, seed, step, what, reply);
            xm_collector_free(cached);
            return 1;
        }
        bool stall = strstr(what, "mid-snapshot") != NULL;
        stalls += stall;
        if ((stall && !stalled_snapshot(cached, &abandoned, why, sizeof why)) ||
            !settle(cached, why, sizeof why, &tries)) {
            printf("not ok %d - seed %" PRIu64 " step %d (%s): %s\n", ++tap_n, seed, step, what,
                   why);
            printf("# replay: tests/fake-host/run FIXTURE -- cache-diff --seed %" PRIu64
                   " --steps %d --fixture COPY\n", seed, step);
            xm_collector_free(cached);
            return 1;
        }
        if (tries > max_tries)
            max_tries = tries;
    }
    struct xm_collector_stats st;
    xm_collector_stats(cached, &st);
    xm_collector_free(cached);
    printf("ok %d - seed %" PRIu64 ": after each of %d steps the cached snapshot equals a full read\n",
           ++tap_n, seed, steps);
    printf("# %d server restarts, %lu cache rebuilds, %d write floods, at most %d snapshots "
           "to settle a step\n", restarts, st.cache_rebuilds_total, floods, max_tries);
    printf("# %d stalls of xenstored, %d of them abandoned mid-snapshot\n", stalls, abandoned);
    return 0;
}

static unsigned long server_requests(void)
{
    char reply[256];
    if (control("stats", reply, sizeof reply) != 0)
        return (unsigned long)-1;
    return strtoul(reply + strlen("requests="), NULL, 10);
}

static int run_steady(int scrapes, int domains)
{
    struct xm_collector *c = NULL;
    struct xm_snapshot *s = NULL;
    char reply[256];
    (void)domains; /* the host is the fixture the caller wrote */
    if (xm_collector_new(&c, NULL) != XM_OK || xm_collector_snapshot(c, &s, NULL) != XM_OK) {
        printf("not ok %d - first snapshot of the steady host\n", ++tap_n);
        return 1;
    }
    size_t n = s->n_domains;
    xm_snapshot_free(s);
    control("reset-stats", reply, sizeof reply);
    int failed = 0;
    for (int i = 0; i < scrapes; i++) {
        if (xm_collector_snapshot(c, &s, NULL) != XM_OK || s->n_domains != n)
            failed++;
        xm_snapshot_free(s);
    }
    unsigned long req = server_requests();
    xm_collector_free(c);
    printf("%s %d - %d snapshots of an unchanging %zu-domain host: all complete\n",
           failed ? "not ok" : "ok", ++tap_n, scrapes, n);
    printf("%s %d - the xenstore server counted %lu requests for them (want 0)\n",
           req == 0 ? "ok" : "not ok", ++tap_n, req);
    return failed || req != 0;
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    int steps = 1000, steady = 0, domains = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--steps") == 0)
            steps = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--fixture") == 0)
            fixture = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--steady") == 0)
            steady = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--domains") == 0)
            domains = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: cache-diff --seed N --steps N --fixture FILE | "
                            "--steady N --fixture FILE\n");
            return 2;
        }
    }
    if (!fixture) {
        fprintf(stderr, "cache-diff: --fixture is required\n");
        return 2;
    }
    int rc = steady ? run_steady(steady, domains) : run_random(seed, steps);
    printf("1..%d\n", tap_n);
    return rc;
}

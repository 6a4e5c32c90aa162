/* The collector's control flow against wrapped libxl and libxenstore calls
 * (linked with -Wl,--wrap): vanished domains, driver-domain backends,
 * backend states, failures mid-way and recovery. The fake host tests cover
 * the same ground through the real libxenstore; these pin the logic. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libxl.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "xenmode/host.h"
#include "host/xm_cache.h"
#include "host/xm_domstate.h"
#include <xencall.h>

/* ---- the host the wrapped calls serve ---- */
struct fdom {
    uint32_t domid; bool hvm; bool gone; const char *config;
    unsigned width_bytes; bool shadow; bool paused; unsigned caps; /* get_domain_state */
};
static struct fdom doms[16];
static int n_doms;
static const char *kv[128][2];
static int n_kv;
static int fail_ctx, fail_list, xs_fail_after = -1, xs_reads, userdata_calls, ctx_allocs, xs_opens;
static int sentinel_ctx, sentinel_xs;
/* The hypervisor side: version, capabilities, libxenctrl call counts. */
static int xen_minor = 17, xc_opens, getinfolist_calls, width_calls, fail_width, domstate_calls,
    fail_domstate;
static char xen_caps[128];
static bool cap_hap = true, cap_shadow = true;

static void reset_host(void)
{
    xen_minor = 17;
    xc_opens = getinfolist_calls = width_calls = fail_width = domstate_calls = fail_domstate = 0;
    snprintf(xen_caps, sizeof xen_caps, "xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_64");
    cap_hap = cap_shadow = true;
    n_doms = n_kv = 0;
    fail_ctx = fail_list = 0;
    xs_fail_after = -1;
    xs_reads = userdata_calls = ctx_allocs = xs_opens = 0;
}
static void add_dom(uint32_t domid, bool hvm, const char *name)
{
    doms[n_doms++] = (struct fdom){domid, hvm, false, NULL, 8, false, false, 0};
    static char names[16][64];
    static char paths[16][64];
    snprintf(paths[n_doms], sizeof paths[0], "/local/domain/%u/name", domid);
    snprintf(names[n_doms], sizeof names[0], "%s", name);
    kv[n_kv][0] = paths[n_doms];
    kv[n_kv++][1] = names[n_doms];
}
static void set(const char *k, const char *v) { kv[n_kv][0] = k; kv[n_kv++][1] = v; }
static void update(const char *k, const char *v)
{
    for (int i = 0; i < n_kv; i++)
        if (strcmp(kv[i][0], k) == 0) {
            kv[i][1] = v;
            return;
        }
    set(k, v);
}

int __wrap_libxl_ctx_alloc(libxl_ctx **pctx, int version, unsigned flags, xentoollog_logger *lg)
{
    (void)version; (void)flags;
    assert_non_null(lg); /* the real one crashes without a logger */
    ctx_allocs++;
    if (fail_ctx) {
        *pctx = NULL;
        errno = ENOENT;
        return ERROR_FAIL;
    }
    *pctx = (libxl_ctx *)&sentinel_ctx;
    return 0;
}
int __wrap_libxl_ctx_free(libxl_ctx *ctx) { assert_ptr_equal(ctx, &sentinel_ctx); return 0; }

libxl_dominfo *__wrap_libxl_list_domain(libxl_ctx *ctx, int *nb)
{
    assert_ptr_equal(ctx, &sentinel_ctx);
    if (fail_list) {
        *nb = 0;
        return NULL;
    }
    libxl_dominfo *l = calloc((size_t)n_doms, sizeof *l);
    for (int i = 0; i < n_doms; i++) {
        libxl_dominfo_init(&l[i]);
        l[i].domid = doms[i].domid;
        l[i].domain_type = doms[i].hvm ? LIBXL_DOMAIN_TYPE_HVM : LIBXL_DOMAIN_TYPE_PV;
        char u[40];
        snprintf(u, sizeof u, "00000000-0000-4000-8000-%012u", doms[i].domid);
        libxl_uuid_from_string(&l[i].uuid, u);
    }
    *nb = n_doms;
    return l;
}
int __wrap_libxl_domain_info(libxl_ctx *ctx, libxl_dominfo *info, uint32_t domid)
{
    (void)ctx; (void)info;
    for (int i = 0; i < n_doms; i++)
        if (doms[i].domid == domid)
            return doms[i].gone ? ERROR_DOMAIN_NOTFOUND : 0;
    return ERROR_DOMAIN_NOTFOUND;
}
int __wrap_libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid, const char *id,
                                   uint8_t **data, int *len)
{
    (void)ctx;
    assert_string_equal(id, "libxl-json");
    userdata_calls++;
    *data = NULL;
    *len = 0;
    for (int i = 0; i < n_doms; i++)
        if (doms[i].domid == domid && doms[i].config) {
            *data = (uint8_t *)strdup(doms[i].config);
            *len = (int)strlen(doms[i].config);
        }
    return 0;
}

const libxl_version_info *__wrap_libxl_get_version_info(libxl_ctx *ctx)
{
    static libxl_version_info v;
    assert_ptr_equal(ctx, &sentinel_ctx);
    v.xen_version_major = 4;
    v.xen_version_minor = xen_minor;
    v.xen_version_extra = (char *)".0";
    v.capabilities = xen_caps;
    return &v;
}
int __wrap_libxl_get_physinfo(libxl_ctx *ctx, libxl_physinfo *pi)
{
    assert_ptr_equal(ctx, &sentinel_ctx);
    pi->cap_hvm = pi->cap_pv = true;
    pi->cap_hap = cap_hap;
    pi->cap_shadow = cap_shadow;
    return 0;
}
static int sentinel_xc;
xc_interface *__wrap_xc_interface_open(xentoollog_logger *lg, xentoollog_logger *dlg,
                                       unsigned flags)
{
    (void)dlg; (void)flags;
    assert_non_null(lg);
    xc_opens++;
    return (xc_interface *)&sentinel_xc;
}
int __wrap_xc_interface_close(xc_interface *xch)
{
    assert_ptr_equal(xch, &sentinel_xc);
    return 0;
}
int __wrap_xc_domain_getinfolist(xc_interface *xch, uint32_t first, unsigned max,
                                 xc_domaininfo_t *info)
{
    assert_ptr_equal(xch, &sentinel_xc);
    getinfolist_calls++;
    unsigned got = 0;
    for (int i = 0; i < n_doms && got < max; i++) {
        if (doms[i].gone || doms[i].domid < first)
            continue;
        xc_domaininfo_t *x = &info[got++];
        memset(x, 0, sizeof *x);
        x->domain = (domid_t)doms[i].domid;
        char u[40];
        libxl_uuid lu;
        snprintf(u, sizeof u, "00000000-0000-4000-8000-%012u", doms[i].domid);
        libxl_uuid_from_string(&lu, u);
        memcpy(x->handle, libxl_uuid_bytearray(&lu), sizeof x->handle);
        x->flags = (doms[i].hvm ? XEN_DOMINF_hvm_guest : 0) |
                   (doms[i].hvm && !doms[i].shadow ? XEN_DOMINF_hap : 0) |
                   (doms[i].paused ? XEN_DOMINF_paused : XEN_DOMINF_running);
    }
    return (int)got;
}
int __wrap_xc_domain_get_guest_width(xc_interface *xch, uint32_t domid, unsigned *width)
{
    assert_ptr_equal(xch, &sentinel_xc);
    width_calls++;
    if (fail_width) {
        errno = EPERM;
        return -1;
    }
    for (int i = 0; i < n_doms; i++)
        if (doms[i].domid == domid && !doms[i].gone) {
            *width = doms[i].width_bytes;
            return 0;
        }
    errno = ESRCH;
    return -1;
}

/* libxencall: XEN_DOMCTL_get_domain_state, as Xen 4.21 answers it. */
static int sentinel_xcall;
xencall_handle *__wrap_xencall_open(xentoollog_logger *lg, unsigned flags)
{
    (void)lg; (void)flags;
    return (xencall_handle *)&sentinel_xcall;
}
int __wrap_xencall_close(xencall_handle *h)
{
    assert_ptr_equal(h, &sentinel_xcall);
    return 0;
}
void *__wrap_xencall_alloc_buffer(xencall_handle *h, size_t size)
{
    assert_ptr_equal(h, &sentinel_xcall);
    return calloc(1, size);
}
void __wrap_xencall_free_buffer(xencall_handle *h, void *p)
{
    assert_ptr_equal(h, &sentinel_xcall);
    free(p);
}
int __wrap_xencall1(xencall_handle *h, unsigned op, uint64_t arg)
{
    assert_ptr_equal(h, &sentinel_xcall);
    struct xm_domctl_domstate *d = (struct xm_domctl_domstate *)(uintptr_t)arg;
    assert_int_equal(op, XM_HYPERVISOR_domctl);
    assert_int_equal(d->cmd, XM_DOMCTL_get_domain_state);
    assert_int_equal(d->interface_version, 0);
    assert_true(xen_minor >= 21); /* never asked of an older hypervisor */
    domstate_calls++;
    if (fail_domstate) {
        errno = EPERM;
        return -1;
    }
    for (int i = 0; i < n_doms; i++)
        if (doms[i].domid == d->domain && !doms[i].gone) {
            d->u.st.state = XM_DOMSTATE_EXIST;
            d->u.st.caps = (uint16_t)doms[i].caps;
            return 0;
        }
    errno = ESRCH;
    return -1;
}

struct xs_handle *__wrap_xs_open(unsigned long flags)
{
    (void)flags;
    xs_opens++;
    return (struct xs_handle *)&sentinel_xs;
}
void __wrap_xs_close(struct xs_handle *h) { assert_ptr_equal(h, &sentinel_xs); }

static bool dom_gone_path(const char *path)
{
    for (int i = 0; i < n_doms; i++) {
        char p[64];
        if (!doms[i].gone)
            continue;
        snprintf(p, sizeof p, "/local/domain/%u/", doms[i].domid);
        if (strncmp(path, p, strlen(p)) == 0)
            return true;
        snprintf(p, sizeof p, "/libxl/%u/", doms[i].domid);
        if (strncmp(path, p, strlen(p)) == 0)
            return true;
    }
    return false;
}
static bool xs_broken(void)
{
    if (xs_fail_after >= 0 && xs_reads >= xs_fail_after) {
        errno = ECONNRESET;
        return true;
    }
    xs_reads++;
    return false;
}
void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned *len)
{
    (void)h; (void)t;
    if (xs_broken())
        return NULL;
    if (!dom_gone_path(path))
        for (int i = 0; i < n_kv; i++)
            if (strcmp(kv[i][0], path) == 0) {
                *len = (unsigned)strlen(kv[i][1]);
                return strdup(kv[i][1]);
            }
    errno = ENOENT;
    return NULL;
}
/* Children of path, derived from the keys, as one malloc'd block. */
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                           unsigned *num)
{
    (void)h; (void)t;
    if (xs_broken())
        return NULL;
    char names[32][64];
    unsigned n = 0;
    size_t plen = strlen(path);
    bool exists = false;
    for (int i = 0; i < n_kv && !dom_gone_path(path); i++) {
        const char *k = kv[i][0];
        if (strncmp(k, path, plen) != 0 || k[plen] != '/')
            continue;
        exists = true;
        const char *c = k + plen + 1;
        size_t clen = strcspn(c, "/");
        bool dup = false;
        for (unsigned j = 0; j < n; j++)
            if (strlen(names[j]) == clen && strncmp(names[j], c, clen) == 0)
                dup = true;
        if (!dup) {
            snprintf(names[n], sizeof names[0], "%.*s", (int)clen, c);
            n++;
        }
    }
    if (!exists) {
        errno = ENOENT;
        return NULL;
    }
    char **out = malloc(n * sizeof(char *) + n * 64 + 1);
    char *s = (char *)(out + n);
    for (unsigned j = 0; j < n; j++) {
        out[j] = s;
        strcpy(s, names[j]);
        s += strlen(names[j]) + 1;
    }
    *num = n;
    return out;
}

/* Watches: registration queues the initial event, as xenstored does. */
static char watch_paths[256][96], watch_tokens[256][32];
static int n_watch;
static char events[512][2][96];
static int ev_head, ev_tail, watch_calls, unwatch_calls, check_broken;

static void push_event(const char *path, const char *token)
{
    snprintf(events[ev_tail][0], 96, "%s", path);
    snprintf(events[ev_tail][1], 96, "%s", token);
    ev_tail++;
}
/* Fires every watch that covers path, as a write to it would. */
static void fire(const char *path)
{
    for (int i = 0; i < n_watch; i++) {
        size_t l = strlen(watch_paths[i]);
        if (strncmp(path, watch_paths[i], l) == 0 && (path[l] == '\0' || path[l] == '/'))
            push_event(path, watch_tokens[i]);
    }
}
bool __wrap_xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h;
    xs_reads++;
    watch_calls++;
    snprintf(watch_paths[n_watch], 96, "%s", path);
    snprintf(watch_tokens[n_watch], 32, "%s", token);
    n_watch++;
    push_event(path, token);
    return true;
}
bool __wrap_xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h;
    xs_reads++;
    unwatch_calls++;
    for (int i = 0; i < n_watch; i++)
        if (strcmp(watch_paths[i], path) == 0 && strcmp(watch_tokens[i], token) == 0) {
            memmove(&watch_paths[i], &watch_paths[i + 1], (size_t)(n_watch - i - 1) * 96);
            memmove(&watch_tokens[i], &watch_tokens[i + 1], (size_t)(n_watch - i - 1) * 32);
            n_watch--;
            return true;
        }
    return false;
}
/* No watch pipe: the collector's drainer thread then never drains, and the
 * tests' events are read by the snapshots alone, as they expect. */
int __wrap_xs_fileno(struct xs_handle *h)
{
    (void)h;
    return -1;
}

char **__wrap_xs_check_watch(struct xs_handle *h)
{
    (void)h;
    if (check_broken) {
        check_broken = 0;
        n_watch = 0;
        ev_head = ev_tail = 0;
        errno = ECONNRESET;
        return NULL;
    }
    if (ev_head == ev_tail) {
        errno = EAGAIN;
        return NULL;
    }
    char **vec = malloc(2 * sizeof(char *) + 2 * 96);
    vec[0] = (char *)(vec + 2);
    vec[1] = vec[0] + 96;
    strcpy(vec[0], events[ev_head][0]);
    strcpy(vec[1], events[ev_head][1]);
    ev_head++;
    return vec;
}

/* ---- helpers ---- */
static struct xm_snapshot *snap_ok(struct xm_collector *c)
{
    struct xm_snapshot *s = NULL;
    struct xm_error err = {0};
    int rc = xm_collector_snapshot(c, &s, &err);
    if (rc != XM_OK)
        print_error("snapshot failed: %s\n", err.message);
    assert_int_equal(rc, XM_OK);
    return s;
}
static const struct xm_domain *find(const struct xm_snapshot *s, uint32_t domid)
{
    for (size_t i = 0; i < s->n_domains; i++)
        if (s->domains[i].domid == domid)
            return &s->domains[i];
    return NULL;
}
/* A frontend, its backend's state and the backend's `frontend` node
 * pointing back (what the toolstack writes). */
static void backend(const char *fe_backend_key, const char *be_path, const char *state_key,
                    const char *state)
{
    static char keys[64][2][128];
    static int n_keys;
    char (*k)[128] = keys[n_keys++ % 64];
    snprintf(k[0], sizeof k[0], "%s/frontend", be_path);
    snprintf(k[1], sizeof k[1], "%.*s", (int)(strlen(fe_backend_key) - strlen("/backend")),
             fe_backend_key);
    set(fe_backend_key, be_path);
    set(state_key, state);
    set(k[0], k[1]);
}
static int setup(void **state)
{
    reset_host();
    struct xm_collector *c = NULL;
    assert_int_equal(xm_collector_new_oneshot(&c, NULL), XM_OK);
    *state = c;
    return 0;
}
static int setup_cached(void **state)
{
    reset_host();
    n_watch = ev_head = ev_tail = watch_calls = unwatch_calls = check_broken = 0;
    struct xm_collector *c = NULL;
    assert_int_equal(xm_collector_new(&c, NULL), XM_OK);
    *state = c;
    return 0;
}
static int teardown(void **state)
{
    xm_collector_free(*state);
    return 0;
}

/* ---- tests ---- */
static void test_vanished_domain_is_left_out(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(3, true, "leaving");
    set("/libxl/3/type", "hvm");
    doms[1].gone = true;
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(s->n_domains, 1);
    assert_null(find(s, 3));
    xm_snapshot_free(s);
}

static void test_driver_domain_backend_counts(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(1, false, "netdom");
    add_dom(2, true, "web");
    set("/libxl/1/type", "pv");
    set("/libxl/2/type", "hvm");
    backend("/local/domain/2/device/vif/0/backend", "/local/domain/1/backend/vif/2/0",
            "/local/domain/1/backend/vif/2/0/state", "4");
    struct xm_snapshot *s = snap_ok(*state);
    const struct xm_domain *d = find(s, 2);
    assert_non_null(d);
    assert_int_equal(d->mode, XM_MODE_PVHVM);
    assert_int_equal(xm_domain_devcount(d, "vif")->connected, 1);
    bool named_backend = false;
    for (size_t i = 0; i < d->n_evidence; i++)
        if (strstr(d->evidence[i], "backend in domain 1"))
            named_backend = true;
    assert_true(named_backend);
    xm_snapshot_free(s);
}

static void test_entries_without_backend_are_not_devices(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(6, true, "g");
    set("/libxl/6/type", "hvm");
    set("/local/domain/6/device/suspend/event-channel", "12");
    backend("/local/domain/6/device/vbd/768/backend", "/local/domain/0/backend/vbd/6/768",
            "/local/domain/0/backend/vbd/6/768/state", "4");
    struct xm_snapshot *s = snap_ok(*state);
    const struct xm_domain *d = find(s, 6);
    assert_null(xm_domain_devcount(d, "suspend"));
    assert_int_equal(d->n_devices, 1);
    assert_int_equal(d->mode, XM_MODE_PVHVM);
    xm_snapshot_free(s);
}

static void test_states_other_than_4_not_counted(void **state)
{
    static char keys[8][2][80];
    add_dom(0, false, "Domain-0");
    add_dom(5, true, "old");
    set("/libxl/5/type", "hvm");
    const char *states[] = {"1", "2", "3", "5", "6", "garbage"};
    for (int i = 0; i < 6; i++) {
        snprintf(keys[i][0], 80, "/local/domain/5/device/vbd/%d/backend", 768 + i);
        snprintf(keys[i][1], 80, "/local/domain/0/backend/vbd/5/%d", 768 + i);
        static char sk[8][96];
        snprintf(sk[i], sizeof sk[i], "%s/state", keys[i][1]);
        backend(keys[i][0], keys[i][1], sk[i], states[i]);
    }
    struct xm_snapshot *s = snap_ok(*state);
    const struct xm_domain *d = find(s, 5);
    assert_int_equal(d->mode, XM_MODE_HVM);
    assert_int_equal(xm_domain_devcount(d, "vbd")->connected, 0);
    assert_int_equal(xm_domain_devcount(d, "vbd")->present, 6);
    xm_snapshot_free(s);
}

static void test_spoofed_backend_path_not_counted(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(4, true, "victim");
    add_dom(7, true, "spoofer");
    set("/libxl/4/type", "hvm");
    set("/libxl/7/type", "hvm");
    backend("/local/domain/4/device/vbd/768/backend", "/local/domain/0/backend/vbd/4/768",
            "/local/domain/0/backend/vbd/4/768/state", "4");
    set("/local/domain/7/device/vbd/768/backend", "/local/domain/0/backend/vbd/4/768");
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(find(s, 4)->mode, XM_MODE_PVHVM);
    assert_int_equal(find(s, 7)->mode, XM_MODE_HVM);
    xm_snapshot_free(s);
}

static void test_shim_read_only_for_pvh(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(1, false, "pv");
    add_dom(2, true, "hvm");
    add_dom(3, true, "pvh");
    add_dom(4, true, "shim");
    set("/libxl/1/type", "pv");
    set("/libxl/2/type", "hvm");
    set("/libxl/3/type", "pvh");
    set("/libxl/4/type", "pvh");
    doms[3].config = "{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{}}";
    doms[4].config = "{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{\"type.pvh\":{\"pvshim\":\"True\"}}}";
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(userdata_calls, 2);
    assert_int_equal(find(s, 3)->mode, XM_MODE_PVH);
    assert_int_equal(find(s, 4)->mode, XM_MODE_PV_IN_PVH);
    xm_snapshot_free(s);
}

static void test_xenstore_failure_then_recovery(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(1, false, "pv");
    set("/libxl/1/type", "pv");
    xs_fail_after = 2;
    struct xm_snapshot *s = NULL;
    struct xm_error err = {0};
    assert_int_equal(xm_collector_snapshot(*state, &s, &err), XM_ERR_XENSTORE);
    assert_null(s);
    assert_non_null(strstr(err.message, "xenstore"));
    assert_int_equal(xs_opens, 1);
    xs_fail_after = -1;
    s = snap_ok(*state);
    assert_int_equal(xs_opens, 2); /* reconnected */
    assert_int_equal(s->n_domains, 2);
    xm_snapshot_free(s);
}

static void test_list_failure_then_recovery(void **state)
{
    add_dom(0, false, "Domain-0");
    fail_list = 1;
    struct xm_snapshot *s = NULL;
    struct xm_error err = {0};
    assert_int_equal(xm_collector_snapshot(*state, &s, &err), XM_ERR_LIBXL);
    assert_non_null(strstr(err.message, "libxl_list_domain"));
    fail_list = 0;
    s = snap_ok(*state);
    assert_int_equal(ctx_allocs, 2);
    xm_snapshot_free(s);
}

static void test_no_xen(void **state)
{
    fail_ctx = 1;
    struct xm_snapshot *s = NULL;
    struct xm_error err = {0};
    assert_int_equal(xm_collector_snapshot(*state, &s, &err), XM_ERR_NOXEN);
    assert_null(s);
    assert_non_null(strstr(err.message, "privcmd"));
    assert_null(strchr(err.message, '\n'));
}

static void test_requests_per_domain_are_bounded(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(1, true, "pvhvm");
    set("/libxl/1/type", "hvm");
    backend("/local/domain/1/device/vbd/768/backend", "/local/domain/0/backend/vbd/1/768",
            "/local/domain/0/backend/vbd/1/768/state", "4");
    backend("/local/domain/1/device/vif/0/backend", "/local/domain/0/backend/vif/1/0",
            "/local/domain/0/backend/vif/1/0/state", "4");
    struct xm_snapshot *s = snap_ok(*state);
    /* dom0: name + device dir = 2; domU: name, 2 type records, device dir,
     * 2 kind dirs, 2 x (backend + backend's frontend + state) = 12; each:
     * /vm/<uuid>/start_time and the agent's three directories (attr/PVAddons,
     * data, drivers), absent = 8. */
    assert_int_equal(s->xenstore_requests, 22);
    assert_int_equal(xs_reads, 22);
    xm_snapshot_free(s);
}

/* A host of three domains for the cache tests. */
static void cache_host(void)
{
    add_dom(0, false, "Domain-0");
    add_dom(3, true, "pvhvm");
    add_dom(4, true, "other");
    set("/libxl/3/type", "hvm");
    set("/libxl/4/type", "hvm");
    backend("/local/domain/3/device/vbd/768/backend", "/local/domain/0/backend/vbd/3/768",
            "/local/domain/0/backend/vbd/3/768/state", "4");
}

static void test_cache_steady_state_sends_nothing(void **state)
{
    cache_host();
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(find(s, 3)->mode, XM_MODE_PVHVM);
    xm_snapshot_free(s);
    int before = xs_reads;
    uint64_t gen = 0;
    for (int i = 0; i < 5; i++) {
        s = snap_ok(*state);
        assert_int_equal(s->n_domains, 3);
        assert_int_equal(s->xenstore_requests, 0);
        assert_int_equal(find(s, 3)->mode, XM_MODE_PVHVM);
        assert_true(s->generation != 0);
        if (i)
            assert_int_equal(s->generation, gen); /* unchanged host, same generation */
        gen = s->generation;
        xm_snapshot_free(s);
    }
    assert_int_equal(xs_reads, before);
    /* A change makes a new generation. */
    update("/local/domain/0/backend/vbd/3/768/state", "6");
    fire("/local/domain/0/backend/vbd/3/768/state");
    s = snap_ok(*state);
    assert_true(s->generation != gen);
    assert_int_equal(find(s, 3)->mode, XM_MODE_HVM);
    xm_snapshot_free(s);
}

static void test_cache_event_rereads_only_that_domain(void **state)
{
    cache_host();
    xm_snapshot_free(snap_ok(*state));
    xm_snapshot_free(snap_ok(*state));
    /* The backend goes to Closing: domain 3 must become hvm, 4 untouched. */
    update("/local/domain/0/backend/vbd/3/768/state", "5");
    fire("/local/domain/0/backend/vbd/3/768/state");
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(find(s, 3)->mode, XM_MODE_HVM);
    /* domain 3: name, 2 type records, device dir, vbd dir, backend, the
     * backend's frontend, state, start_time, the agent's three directories */
    assert_int_equal(s->xenstore_requests, 12);
    xm_snapshot_free(s);
}

static void test_cache_type_record_event(void **state)
{
    cache_host();
    xm_snapshot_free(snap_ok(*state));
    update("/libxl/4/type", "pv");
    fire("/libxl/4/type");
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(find(s, 4)->mode, XM_MODE_HVM); /* contradiction: flag wins */
    bool saw = false;
    for (size_t i = 0; i < find(s, 4)->n_evidence; i++)
        saw |= strstr(find(s, 4)->evidence[i], "type record says pv") != NULL;
    assert_true(saw);
    xm_snapshot_free(s);
}

static void test_cache_drops_destroyed_domain(void **state)
{
    cache_host();
    xm_snapshot_free(snap_ok(*state));
    int watches = n_watch;
    n_doms--; /* domain 4 destroyed: no longer listed */
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(s->n_domains, 2);
    assert_null(find(s, 4));
    assert_int_equal(n_watch, watches - (int)XM_CACHE_DOMAIN_WATCHES); /* its watches are gone */
    xm_snapshot_free(s);
}

static void test_cache_new_domain_is_read(void **state)
{
    cache_host();
    xm_snapshot_free(snap_ok(*state));
    add_dom(9, true, "new");
    set("/libxl/9/type", "pvh");
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(find(s, 9)->mode, XM_MODE_PVH);
    xm_snapshot_free(s);
    s = snap_ok(*state);
    assert_int_equal(s->xenstore_requests, 0); /* initial events were recognised */
    xm_snapshot_free(s);
}

static bool has_evidence(const struct xm_domain *d, const char *needle)
{
    for (size_t i = 0; i < d->n_evidence; i++)
        if (strstr(d->evidence[i], needle))
            return true;
    return false;
}

/* One getinfolist per snapshot; PV width 32/64 read; HAP vs shadow. */
static void test_hypervisor_fields(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(1, false, "pv32");
    set("/libxl/1/type", "pv");
    doms[1].width_bytes = 4;
    add_dom(2, true, "hvm-shadow");
    set("/libxl/2/type", "hvm");
    doms[2].shadow = true;
    add_dom(3, true, "pvh-hap");
    set("/libxl/3/type", "pvh");
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(getinfolist_calls, 1);
    assert_int_equal(width_calls, 2); /* the two PV domains only */
    assert_int_equal(find(s, 0)->pv_width_bits, 64);
    assert_true(find(s, 0)->dom0);
    assert_true(has_evidence(find(s, 0), "dom0 rule: domid 0"));
    assert_int_equal(find(s, 1)->pv_width_bits, 32);
    assert_int_equal(find(s, 1)->paging, XM_PAGING_NONE);
    assert_int_equal(find(s, 2)->paging, XM_PAGING_SHADOW);
    assert_int_equal(find(s, 2)->pv_width_bits, 0);
    assert_int_equal(find(s, 3)->paging, XM_PAGING_HAP);
    assert_true(has_evidence(find(s, 3), "XEN_DOMINF_hap set"));
    assert_true(s->caps_known);
    assert_true(s->caps[XM_CAP_PV32] && s->caps[XM_CAP_PV64] && s->caps[XM_CAP_HVM]);
    xm_snapshot_free(s);
}

/* pv32 is the exact xen_caps token, not hvm-3.0-x86_32p. */
static void test_caps_without_pv32(void **state)
{
    snprintf(xen_caps, sizeof xen_caps, "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p");
    cap_shadow = false;
    add_dom(0, false, "Domain-0");
    struct xm_snapshot *s = snap_ok(*state);
    assert_false(s->caps[XM_CAP_PV32]);
    assert_true(s->caps[XM_CAP_PV64]);
    assert_true(s->caps[XM_CAP_HAP]);
    assert_false(s->caps[XM_CAP_SHADOW]);
    xm_snapshot_free(s);
}

/* Before 4.21 nothing names the control domain: domid 0 is dom0 and
 * get_domain_state is never asked. From 4.21 its CAP_CONTROL names it,
 * wherever it is; CAP_HARDWARE alone does not. */
static void test_dom0_rule(void **state)
{
    add_dom(0, false, "Domain-0");
    add_dom(4, true, "ctl");
    set("/libxl/4/type", "hvm");
    doms[0].caps = XM_DOMSTATE_CAP_HARDWARE;
    doms[1].caps = XM_DOMSTATE_CAP_CONTROL;
    struct xm_snapshot *s = snap_ok(*state);
    assert_true(find(s, 0)->dom0);
    assert_true(has_evidence(find(s, 0), "dom0 rule: domid 0 is the control domain (Xen 4.17;"));
    assert_false(find(s, 4)->dom0);
    assert_int_equal(find(s, 4)->mode, XM_MODE_HVM);
    assert_int_equal(domstate_calls, 0);
    xm_snapshot_free(s);

    struct xm_collector *c = NULL;
    xen_minor = 21;
    assert_int_equal(xm_collector_new_oneshot(&c, NULL), XM_OK);
    s = snap_ok(c);
    assert_int_equal(domstate_calls, 2); /* one per domain read */
    assert_false(find(s, 0)->dom0);
    assert_true(has_evidence(find(s, 0), "dom0 rule: Xen 4.21 get_domain_state capabilities: "
                                         "control no, hardware yes, xenstore no -> not the "
                                         "control domain"));
    assert_int_equal(find(s, 0)->mode, XM_MODE_PV);
    assert_true(find(s, 4)->dom0);
    assert_true(has_evidence(find(s, 4), "control yes, hardware no, xenstore no -> the control "
                                         "domain"));
    assert_int_equal(find(s, 4)->mode, XM_MODE_PVH); /* classified as dom0: by its flag */
    xm_snapshot_free(s);

    /* Refused: the domid 0 rule, and the evidence says why. */
    fail_domstate = 1;
    s = snap_ok(c);
    assert_true(find(s, 0)->dom0);
    assert_false(find(s, 4)->dom0);
    assert_true(has_evidence(find(s, 0), "dom0 rule: Xen 4.21, get_domain_state(0) failed: "
                                         "Operation not permitted: domid 0 is taken as the "
                                         "control domain"));
    xm_snapshot_free(s);
    xm_collector_free(c);
}

/* The cached collector asks get_domain_state once per domain read afresh:
 * nothing on a steady host. */
static void test_cache_domstate_once(void **state)
{
    xen_minor = 21;
    cache_host();
    doms[0].caps = XM_DOMSTATE_CAP_CONTROL | XM_DOMSTATE_CAP_HARDWARE;
    struct xm_snapshot *s = snap_ok(*state);
    assert_true(find(s, 0)->dom0);
    xm_snapshot_free(s);
    int after_first = domstate_calls;
    assert_true(after_first > 0);
    for (int i = 0; i < 3; i++) {
        s = snap_ok(*state);
        assert_int_equal(s->xenstore_requests, 0);
        assert_true(find(s, 0)->dom0);
        xm_snapshot_free(s);
    }
    assert_int_equal(domstate_calls, after_first);
}

/* The cached collector reads a PV domain's width once while it runs, and
 * again while it is paused (libxl's build may not have set it yet). */
static void test_cache_width_read_once(void **state)
{
    cache_host();
    add_dom(5, false, "pv-paused");
    set("/libxl/5/type", "pv");
    doms[n_doms - 1].paused = true;
    xm_snapshot_free(snap_ok(*state));
    int after_first = width_calls;
    for (int i = 0; i < 3; i++) {
        struct xm_snapshot *s = snap_ok(*state);
        assert_int_equal(s->xenstore_requests, 0);
        xm_snapshot_free(s);
    }
    assert_int_equal(width_calls, after_first); /* nothing re-read, nothing asked */
    assert_int_equal(getinfolist_calls, 4);     /* one per snapshot */
    /* Re-reads: dom0 (running) keeps its width, the paused one asks again. */
    update("/local/domain/0/name", "Domain-0");
    fire("/local/domain/0/name");
    fire("/local/domain/5/name");
    doms[n_doms - 1].width_bytes = 4;
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(width_calls, after_first + 1);
    assert_int_equal(find(s, 5)->pv_width_bits, 32);
    xm_snapshot_free(s);
    /* A width failure fails the snapshot and reopens libxenctrl. */
    fire("/local/domain/5/name");
    fail_width = 1;
    struct xm_error err = {0};
    s = NULL;
    assert_int_equal(xm_collector_snapshot(*state, &s, &err), XM_ERR_LIBXL);
    assert_non_null(strstr(err.message, "xc_domain_get_guest_width"));
    fail_width = 0;
    int opens = xc_opens;
    s = snap_ok(*state);
    assert_int_equal(xc_opens, opens + 1);
    assert_int_equal(find(s, 5)->pv_width_bits, 32);
    xm_snapshot_free(s);
}

static void test_cache_rebuilt_after_connection_loss(void **state)
{
    cache_host();
    xm_snapshot_free(snap_ok(*state));
    int opens = xs_opens;
    check_broken = 1;
    struct xm_snapshot *s = snap_ok(*state);
    assert_int_equal(xs_opens, opens + 1);
    assert_int_equal(s->n_domains, 3);
    assert_true(s->xenstore_requests > 0); /* a full read */
    xm_snapshot_free(s);
    struct xm_collector_stats st;
    xm_collector_stats(*state, &st);
    assert_int_equal(st.cache_rebuilds_total, 1);
    assert_int_equal(st.cached_domains, 3);
    s = snap_ok(*state);
    assert_int_equal(s->xenstore_requests, 0);
    xm_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vanished_domain_is_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_driver_domain_backend_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_states_other_than_4_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_without_backend_are_not_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spoofed_backend_path_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shim_read_only_for_pvh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xenstore_failure_then_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_failure_then_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_xen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_per_domain_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_steady_state_sends_nothing, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cache_event_rereads_only_that_domain, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cache_type_record_event, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cache_drops_destroyed_domain, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cache_new_domain_is_read, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_cache_rebuilt_after_connection_loss, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_hypervisor_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caps_without_pv32, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_domstate_once, setup_cached, teardown),
        cmocka_unit_test_setup_teardown(test_dom0_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_width_read_once, setup_cached, teardown),
    };
    return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}

/* The exposition formatter as a pure function: families, escaping,
 * OpenMetrics naming, duplicates, failure output; and UTF-8 sanitizing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xenmode/expo.h"
#include "xenmode/host.h"
#include "host/xm_domain.h"

static char *s_dup(const char *s) { return strdup(s); }

/* A snapshot with n domains named names[i], all hvm with one vbd. */
static struct xm_snapshot *make_snap(const char *const *names, const uint32_t *domids, size_t n)
{
    struct xm_domain *doms = calloc(n, sizeof *doms);
    for (size_t i = 0; i < n; i++) {
        struct xm_domain *d = &doms[i];
        d->domid = domids[i];
        d->name = s_dup(names[i]);
        snprintf(d->uuid, sizeof d->uuid, "00000000-0000-0000-0000-%012u", domids[i]);
        d->mode = XM_MODE_PVHVM;
        d->devices = calloc(1, sizeof *d->devices);
        d->devices[0].kind = s_dup("vbd");
        d->devices[0].connected = 1;
        d->n_devices = 1;
    }
    /* As the collector does: a snapshot always wraps a block of domains. */
    struct xm_snapshot_block *b = xm_block_new(doms, n);
    struct xm_snapshot *s = xm_snapshot_wrap(b);
    xm_block_unref(b);
    return s;
}

static char *render(enum xm_expo_format f, const struct xm_snapshot *s)
{
    struct xm_buf b;
    xm_buf_init(&b);
    xm_expo_snapshot(&b, f, s);
    xm_expo_end(&b, f);
    assert_false(xm_buf_failed(&b));
    return xm_buf_steal(&b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_all_five_modes_per_domain(void **state)
{
    (void)state;
    const char *names[] = {"web", "db"};
    uint32_t ids[] = {3, 4};
    struct xm_snapshot *s = make_snap(names, ids, 2);
    char *out = render(XM_EXPO_TEXT, s);
    assert_int_equal(count(out, "xen_domain_virt_mode{domain=\"web\""), 5);
    assert_non_null(strstr(out, "xen_domain_virt_mode{domain=\"web\",mode=\"pvhvm\"} 1\n"));
    assert_non_null(strstr(out, "xen_domain_virt_mode{domain=\"web\",mode=\"hvm\"} 0\n"));
    assert_non_null(strstr(out, "xen_domain_info{domain=\"db\",domid=\"4\",uuid=\"00000000-0000-0000-0000-000000000004\"} 1\n"));
    assert_non_null(strstr(out, "xen_domain_pv_devices_connected{domain=\"db\",kind=\"vbd\"} 1\n"));
    assert_non_null(strstr(out, "xen_up 1\n"));
    /* up, virt_mode, info, pv_devices_connected, start_time_seconds,
     * pv_guest_width, hap, guest_agent_info, pv_driver_info (no
     * capabilities: this snapshot does not know them) */
    assert_int_equal(count(out, "# HELP "), 9);
    assert_int_equal(count(out, "# TYPE "), 9);
    assert_null(strstr(out, "xen_hypervisor_capability"));
    assert_null(strstr(out, "# EOF"));
    free(out);
    xm_snapshot_free(s);
}

/* Width only for PV domains, hap only for HVM containers, every capability. */
static void test_hypervisor_families(void **state)
{
    (void)state;
    const char *names[] = {"pv32", "hvm", "unknown"};
    uint32_t ids[] = {1, 2, 3};
    struct xm_snapshot *s = make_snap(names, ids, 3);
    s->domains[0].pv_width_bits = 32;
    s->domains[0].mode = XM_MODE_PV;
    s->domains[1].hvm_flag = true;
    s->domains[1].paging = XM_PAGING_SHADOW;
    s->caps_known = true;
    s->caps[XM_CAP_PV64] = s->caps[XM_CAP_HVM] = s->caps[XM_CAP_HAP] = true;
    char *out = render(XM_EXPO_TEXT, s);
    assert_non_null(strstr(out, "xen_domain_pv_guest_width{domain=\"pv32\"} 32\n"));
    assert_int_equal(count(out, "xen_domain_pv_guest_width{"), 1);
    assert_non_null(strstr(out, "xen_domain_hap{domain=\"hvm\"} 0\n"));
    assert_int_equal(count(out, "xen_domain_hap{"), 1);
    assert_non_null(strstr(out, "xen_hypervisor_capability{capability=\"pv32\"} 0\n"));
    assert_non_null(strstr(out, "xen_hypervisor_capability{capability=\"pv64\"} 1\n"));
    assert_non_null(strstr(out, "xen_hypervisor_capability{capability=\"hap\"} 1\n"));
    assert_non_null(strstr(out, "xen_hypervisor_capability{capability=\"shadow\"} 0\n"));
    assert_int_equal(count(out, "xen_hypervisor_capability{"), 5);
    free(out);
    xm_snapshot_free(s);
}

static void test_label_escaping(void **state)
{
    (void)state;
    const char *names[] = {"a\"b\\c\nd"};
    uint32_t ids[] = {1};
    struct xm_snapshot *s = make_snap(names, ids, 1);
    char *out = render(XM_EXPO_TEXT, s);
    assert_non_null(strstr(out, "domain=\"a\\\"b\\\\c\\nd\""));
    free(out);
    xm_snapshot_free(s);
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    const char *names[] = {"x\xff" "y\xc3"};
    uint32_t ids[] = {1};
    struct xm_snapshot *s = make_snap(names, ids, 1);
    char *out = render(XM_EXPO_TEXT, s);
    assert_non_null(strstr(out, "domain=\"x\xEF\xBF\xBDy\xEF\xBF\xBD\""));
    free(out);
    xm_snapshot_free(s);
}

static void test_failure_has_no_domain_series(void **state)
{
    (void)state;
    char *out = render(XM_EXPO_TEXT, NULL);
    assert_string_equal(out, "# HELP xen_up 1 if the last collection from Xen succeeded, else 0.\n"
                             "# TYPE xen_up gauge\nxen_up 0\n");
    free(out);
}

static void test_openmetrics_eof_and_counter_family(void **state)
{
    (void)state;
    struct xm_buf b;
    xm_buf_init(&b);
    xm_expo_family(&b, XM_EXPO_OPENMETRICS, "process_cpu_seconds_total", XM_METRIC_COUNTER,
                   "CPU time.");
    xm_expo_sample(&b, "process_cpu_seconds_total", NULL, 0, 1.5);
    xm_expo_snapshot(&b, XM_EXPO_OPENMETRICS, NULL);
    xm_expo_end(&b, XM_EXPO_OPENMETRICS);
    const char *out = xm_buf_cstr(&b);
    assert_non_null(strstr(out, "# TYPE process_cpu_seconds counter\n"));
    assert_non_null(strstr(out, "process_cpu_seconds_total 1.5\n"));
    size_t len = strlen(out);
    assert_true(len > 6 && strcmp(out + len - 6, "# EOF\n") == 0);
    xm_buf_dispose(&b);

    xm_buf_init(&b);
    xm_expo_family(&b, XM_EXPO_TEXT, "process_cpu_seconds_total", XM_METRIC_COUNTER, "x");
    assert_non_null(strstr(xm_buf_cstr(&b), "# TYPE process_cpu_seconds_total counter\n"));
    xm_buf_dispose(&b);
}

/* Every domain is published: duplicates, names equal after sanitizing and
 * a name like a placeholder each get a label of their own (lowest domid
 * keeps it, the others "~<domid>"), whatever the order of the list. */
static void test_colliding_names_each_published(void **state)
{
    (void)state;
    const char *names[] = {"twin", "other", "twin", "x\xff", "x\xfe", "domid-12", "", "twin~9"};
    uint32_t ids[] = {9, 6, 5, 20, 21, 3, 12, 30};
    const char *want[] = {"twin~9.1", "other", "twin", "x\xef\xbf\xbd", "x\xef\xbf\xbd~21",
                          "domid-12", "domid-12~12", "twin~9"};
    for (int order = 0; order < 2; order++) {
        const char *nm[8];
        uint32_t id[8];
        for (size_t i = 0; i < 8; i++) { /* forwards, then backwards */
            size_t j = order ? 7 - i : i;
            nm[i] = names[j];
            id[i] = ids[j];
        }
        struct xm_snapshot *s = make_snap(nm, id, 8);
        char *out = render(XM_EXPO_OPENMETRICS, s);
        assert_int_equal(count(out, "xen_domain_info{"), 8);
        assert_int_equal(count(out, "xen_domain_virt_mode{"), 8 * XM_MODE_COUNT);
        for (size_t i = 0; i < 8; i++) {
            char line[128];
            snprintf(line, sizeof line, "xen_domain_info{domain=\"%s\",domid=\"%u\",", want[i],
                     ids[i]);
            assert_non_null(strstr(out, line));
            snprintf(line, sizeof line, "xen_domain_virt_mode{domain=\"%s\",mode=\"pv\"} 0\n",
                     want[i]);
            assert_int_equal(count(out, line), 1);
        }
        free(out);
        xm_snapshot_free(s);
    }
}

static void test_nameless_domain_labelled_by_domid(void **state)
{
    (void)state;
    const char *names[] = {"", "b"};
    uint32_t ids[] = {12, 2};
    struct xm_snapshot *s = make_snap(names, ids, 2);
    char *out = render(XM_EXPO_TEXT, s);
    assert_non_null(strstr(out, "xen_domain_info{domain=\"domid-12\",domid=\"12\""));
    /* sorted by domid in the output */
    assert_true(strstr(out, "domain=\"b\"") < strstr(out, "domain=\"domid-12\""));
    free(out);
    xm_snapshot_free(s);
}

static void test_values(void **state)
{
    (void)state;
    struct xm_buf b;
    xm_buf_init(&b);
    xm_expo_sample(&b, "a", NULL, 0, 0.25);
    xm_expo_sample(&b, "b", NULL, 0, 1e20);
    xm_expo_sample(&b, "c", NULL, 0, 1.0 / 0.0);
    xm_expo_sample(&b, "d", NULL, 0, 42);
    assert_string_equal(xm_buf_cstr(&b), "a 0.25\nb 1e+20\nc +Inf\nd 42\n");
    xm_buf_dispose(&b);
}

static void test_utf8_sanitize(void **state)
{
    (void)state;
    struct { const char *in, *out; bool changed; } cases[] = {
        {"plain", "plain", false},
        {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", false},
        {"\xf0\x9f\x90\xa7", "\xf0\x9f\x90\xa7", false},
        {"\xff", "\xef\xbf\xbd", true},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", true},       /* overlong '/' */
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", true}, /* surrogate */
        {"a\xe2\x82", "a\xef\xbf\xbd\xef\xbf\xbd", true},     /* truncated */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool changed = !cases[i].changed;
        char *got = xm_utf8_sanitize(cases[i].in, &changed);
        assert_string_equal(got, cases[i].out);
        assert_int_equal(changed, cases[i].changed);
        free(got);
    }
}

static void test_buf_grows_without_truncation(void **state)
{
    (void)state;
    struct xm_buf b;
    xm_buf_init(&b);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    xm_buf_printf(&b, "%s|%s", big, big);
    assert_int_equal(b.len, 2 * (sizeof big - 1) + 1);
    xm_buf_dispose(&b);
}

static void test_agent_families(void **state)
{
    (void)state;
    const char *names[] = {"win", "lin", "bare"};
    uint32_t ids[] = {3, 4, 5};
    struct xm_snapshot *s = make_snap(names, ids, 3);
    /* The snapshot's domains are immutable for front ends; the test builds
     * its own and fills the agent values before rendering. */
    struct xm_domain *w = (struct xm_domain *)&s->domains[0], *l = (struct xm_domain *)&s->domains[1];
    w->agent = (struct xm_guest_agent){.present = true, .version = s_dup("9.1.0.16"),
                                       .os_distro = s_dup("windows"), .os_name = s_dup("Win \"11\""),
                                       .os_version = s_dup("10.0")};
    w->agent.drivers = calloc(3, sizeof *w->agent.drivers);
    const char *drv[][2] = {{"XenServer XENBUS", "9.1"}, {"XenServer XENVIF", "9.1"},
                            {"XenServer XENBUS", "9.1"}};
    for (int i = 0; i < 3; i++) {
        w->agent.drivers[i].driver = s_dup(drv[i][0]);
        w->agent.drivers[i].version = s_dup(drv[i][1]);
    }
    w->agent.n_drivers = 3;
    l->agent = (struct xm_guest_agent){.present = true, .version = s_dup(""),
                                       .os_distro = s_dup("debian"), .os_name = s_dup(""),
                                       .os_version = s_dup("12")};
    char *out = render(XM_EXPO_TEXT, s);
    assert_non_null(strstr(out, "xen_domain_guest_agent_info{domain=\"win\",agent_version=\"9.1.0.16\","
                                "os_distro=\"windows\",os_name=\"Win \\\"11\\\"\",os_version=\"10.0\"} 1\n"));
    assert_non_null(strstr(out, "xen_domain_guest_agent_info{domain=\"lin\",agent_version=\"\","
                                "os_distro=\"debian\",os_name=\"\",os_version=\"12\"} 1\n"));
    assert_int_equal(count(out, "xen_domain_guest_agent_info{"), 2); /* none for "bare" */
    /* The repeated XENBUS entry is one series. */
    assert_int_equal(count(out, "xen_domain_pv_driver_info{"), 2);
    assert_non_null(strstr(out, "xen_domain_pv_driver_info{domain=\"win\",driver=\"XenServer XENVIF\",version=\"9.1\"} 1\n"));
    free(out);
    xm_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hypervisor_families),
        cmocka_unit_test(test_all_five_modes_per_domain),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_failure_has_no_domain_series),
        cmocka_unit_test(test_openmetrics_eof_and_counter_family),
        cmocka_unit_test(test_colliding_names_each_published),
        cmocka_unit_test(test_nameless_domain_labelled_by_domid),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_agent_families),
        cmocka_unit_test(test_utf8_sanitize),
        cmocka_unit_test(test_buf_grows_without_truncation),
    };
    return cmocka_run_group_tests_name("expo", tests, NULL, NULL);
}

/* Mode transitions between snapshots: what is counted, for whom, and when
 * counts are forgotten (domain gone, domid reused). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xenmode/host.h"
#include "host/xm_domain.h"

struct dom_spec {
    uint32_t domid;
    unsigned uuid_tag; /* the uuid's last field */
    enum xm_mode mode;
};

static struct xm_snapshot *snap(const struct dom_spec *spec, size_t n)
{
    struct xm_domain *doms = calloc(n ? n : 1, sizeof *doms);
    for (size_t i = 0; i < n; i++) {
        doms[i].domid = spec[i].domid;
        doms[i].name = strdup("d");
        snprintf(doms[i].uuid, sizeof doms[i].uuid, "00000000-0000-0000-0000-%012u",
                 spec[i].uuid_tag);
        doms[i].mode = spec[i].mode;
    }
    struct xm_snapshot_block *b = xm_block_new(doms, n);
    struct xm_snapshot *s = xm_snapshot_wrap(b);
    xm_block_unref(b);
    return s;
}

/* Feeds one snapshot and returns it for the caller's queries. */
static struct xm_snapshot *feed(struct xm_transitions *t, const struct dom_spec *spec, size_t n)
{
    struct xm_snapshot *s = snap(spec, n);
    struct xm_error err = {0};
    assert_int_equal(xm_transitions_update(t, s, &err), XM_OK);
    return s;
}

static unsigned long total(const struct xm_transitions *t, const struct xm_domain *d)
{
    unsigned long sum = 0;
    for (int f = 0; f < XM_MODE_COUNT; f++)
        for (int to = 0; to < XM_MODE_COUNT; to++)
            sum += xm_transitions_get(t, d, f, to);
    return sum;
}

static void test_first_snapshot_counts_nothing(void **state)
{
    (void)state;
    struct xm_transitions *t;
    assert_int_equal(xm_transitions_new(&t, NULL), XM_OK);
    struct dom_spec a[] = {{0, 0, XM_MODE_PV}, {3, 3, XM_MODE_HVM}};
    struct xm_snapshot *s = feed(t, a, 2);
    assert_int_equal(total(t, &s->domains[0]), 0);
    assert_int_equal(total(t, &s->domains[1]), 0);
    xm_snapshot_free(s);
    xm_transitions_free(t);
}

static void test_driver_connect_and_loss(void **state)
{
    (void)state;
    struct xm_transitions *t;
    assert_int_equal(xm_transitions_new(&t, NULL), XM_OK);
    struct dom_spec boot[] = {{0, 0, XM_MODE_PV}, {3, 3, XM_MODE_HVM}};
    struct dom_spec up[] = {{0, 0, XM_MODE_PV}, {3, 3, XM_MODE_PVHVM}};
    xm_snapshot_free(feed(t, boot, 2));
    xm_snapshot_free(feed(t, up, 2));
    xm_snapshot_free(feed(t, up, 2)); /* unchanged: nothing more */
    xm_snapshot_free(feed(t, boot, 2)); /* drivers lost */
    struct xm_snapshot *s = feed(t, up, 2);
    const struct xm_domain *d = &s->domains[1];
    assert_int_equal(xm_transitions_get(t, d, XM_MODE_HVM, XM_MODE_PVHVM), 2);
    assert_int_equal(xm_transitions_get(t, d, XM_MODE_PVHVM, XM_MODE_HVM), 1);
    assert_int_equal(total(t, d), 3);
    assert_int_equal(total(t, &s->domains[0]), 0);
    xm_snapshot_free(s);
    xm_transitions_free(t);
}

static void test_gone_and_reused_domid_start_from_zero(void **state)
{
    (void)state;
    struct xm_transitions *t;
    assert_int_equal(xm_transitions_new(&t, NULL), XM_OK);
    struct dom_spec a[] = {{5, 50, XM_MODE_HVM}};
    struct dom_spec b[] = {{5, 50, XM_MODE_PVHVM}};
    struct dom_spec reused[] = {{5, 51, XM_MODE_HVM}};
    xm_snapshot_free(feed(t, a, 1));
    struct xm_snapshot *s = feed(t, b, 1);
    assert_int_equal(total(t, &s->domains[0]), 1);
    xm_snapshot_free(s);
    /* Another domain under the same domid: no count carried over, and the
     * pvhvm -> hvm "change" across the two is not one. */
    s = feed(t, reused, 1);
    assert_int_equal(total(t, &s->domains[0]), 0);
    xm_snapshot_free(s);
    /* Gone, then back with the first uuid: forgotten. */
    xm_snapshot_free(feed(t, NULL, 0));
    s = feed(t, b, 1);
    assert_int_equal(total(t, &s->domains[0]), 0);
    xm_snapshot_free(s);
    xm_transitions_free(t);
}

static void test_merge_with_domains_coming_and_going(void **state)
{
    (void)state;
    struct xm_transitions *t;
    assert_int_equal(xm_transitions_new(&t, NULL), XM_OK);
    struct dom_spec one[] = {{1, 1, XM_MODE_HVM}, {4, 4, XM_MODE_PVH}, {9, 9, XM_MODE_HVM}};
    struct dom_spec two[] = {{0, 0, XM_MODE_PV}, {1, 1, XM_MODE_PVHVM}, {7, 7, XM_MODE_HVM},
                             {9, 9, XM_MODE_PVHVM}};
    xm_snapshot_free(feed(t, one, 3));
    struct xm_snapshot *s = feed(t, two, 4);
    assert_int_equal(xm_transitions_get(t, &s->domains[1], XM_MODE_HVM, XM_MODE_PVHVM), 1);
    assert_int_equal(total(t, &s->domains[0]), 0);
    assert_int_equal(total(t, &s->domains[2]), 0);
    assert_int_equal(xm_transitions_get(t, &s->domains[3], XM_MODE_HVM, XM_MODE_PVHVM), 1);
    /* A domain of another snapshot (domid 4, now gone) has no counts. */
    struct xm_domain gone = {.domid = 4, .mode = XM_MODE_PVH};
    memcpy(gone.uuid, "00000000-0000-0000-0000-000000000004", 37);
    assert_int_equal(total(t, &gone), 0);
    xm_snapshot_free(s);
    xm_transitions_free(t);
}

static void test_bad_arguments_read_zero(void **state)
{
    (void)state;
    struct xm_domain d = {.domid = 1};
    assert_int_equal(xm_transitions_get(NULL, &d, XM_MODE_HVM, XM_MODE_PVHVM), 0);
    struct xm_transitions *t;
    assert_int_equal(xm_transitions_new(&t, NULL), XM_OK);
    assert_int_equal(xm_transitions_get(t, &d, XM_MODE_COUNT, XM_MODE_PV), 0);
    assert_int_equal(xm_transitions_get(t, &d, XM_MODE_PV, (enum xm_mode)99), 0);
    xm_transitions_free(t);
    xm_transitions_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_snapshot_counts_nothing),
        cmocka_unit_test(test_driver_connect_and_loss),
        cmocka_unit_test(test_gone_and_reused_domid_start_from_zero),
        cmocka_unit_test(test_merge_with_domains_coming_and_going),
        cmocka_unit_test(test_bad_arguments_read_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

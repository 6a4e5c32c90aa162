/* xm_unique_labels: distinct labels, the lowest id keeps a shared one, the
 * result does not depend on the order of the items, and a suffix never
 * lands on a label that another item keeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xenmode/util.h"

static char *suffix(const char *label, const char *tag, void *ctx)
{
    (void)ctx;
    char *s = malloc(strlen(label) + strlen(tag) + 2);
    sprintf(s, "%s~%s", label, tag);
    return s;
}

/* Cuts the label to make "<label>~<tag>" fit in 8 bytes (as the collectd
 * plugin cuts to 63), which makes suffixes collide more easily. */
static char *short_suffix(const char *label, const char *tag, void *ctx)
{
    (void)ctx;
    char *s = malloc(9);
    int room = 8 - 1 - (int)strlen(tag);
    snprintf(s, 9, "%.*s~%s", room < 0 ? 0 : room, label, tag);
    return s;
}

static char **run(const char *const *in, const uint32_t *ids, size_t n, xm_unique_suffix_fn fn,
                  bool *renamed)
{
    char **v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = strdup(in[i]);
    assert_int_equal(xm_unique_labels(v, ids, n, fn, NULL, renamed), 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(v[i], v[j]);
    return v;
}

static void release(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void test_unique_labels_kept(void **state)
{
    (void)state;
    const char *in[] = {"a", "b", "c"};
    uint32_t ids[] = {3, 1, 2};
    bool renamed[3];
    char **v = run(in, ids, 3, suffix, renamed);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(v[i], in[i]);
        assert_false(renamed[i]);
    }
    release(v, 3);
}

static void test_lowest_id_keeps(void **state)
{
    (void)state;
    const char *in[] = {"web", "web", "web"};
    uint32_t ids[] = {9, 4, 12};
    bool renamed[3];
    char **v = run(in, ids, 3, suffix, renamed);
    assert_string_equal(v[0], "web~9");
    assert_string_equal(v[1], "web");
    assert_string_equal(v[2], "web~12");
    assert_true(renamed[0] && !renamed[1] && renamed[2]);
    release(v, 3);
}

/* "web~9" is a real name: the suffix steps to "web~9.1", then ".2". */
static void test_suffix_avoids_kept_labels(void **state)
{
    (void)state;
    const char *in[] = {"web", "web", "web~9", "web~9.1"};
    uint32_t ids[] = {9, 4, 1, 2};
    char **v = run(in, ids, 4, suffix, NULL);
    assert_string_equal(v[0], "web~9.2");
    assert_string_equal(v[1], "web");
    assert_string_equal(v[2], "web~9");
    assert_string_equal(v[3], "web~9.1");
    release(v, 4);
}

/* Every permutation of a tricky set gives the same label per id, also when
 * the suffix function cuts the label. */
static void test_order_does_not_matter(void **state)
{
    (void)state;
    const char *base[] = {"abcdefg", "abcdefg", "abcde~7", "abcd~7", "", "", "~5"};
    uint32_t base_ids[] = {7, 5, 1, 2, 5000, 3, 40};
    enum { N = 7 };
    xm_unique_suffix_fn fns[] = {suffix, short_suffix};
    for (size_t f = 0; f < 2; f++) {
        char **ref = run(base, base_ids, N, fns[f], NULL);
        /* Rotations and the reversal. */
        for (size_t r = 0; r < 2 * N; r++) {
            const char *in[N];
            uint32_t ids[N];
            size_t map[N];
            for (size_t i = 0; i < N; i++) {
                map[i] = r < N ? (i + r) % N : N - 1 - ((i + r) % N);
                in[i] = base[map[i]];
                ids[i] = base_ids[map[i]];
            }
            char **v = run(in, ids, N, fns[f], NULL);
            for (size_t i = 0; i < N; i++)
                assert_string_equal(v[i], ref[map[i]]);
            release(v, N);
        }
        release(ref, N);
    }
}

static void test_empty_list(void **state)
{
    (void)state;
    assert_int_equal(xm_unique_labels(NULL, NULL, 0, suffix, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_labels_kept),
        cmocka_unit_test(test_lowest_id_keeps),
        cmocka_unit_test(test_suffix_avoids_kept_labels),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_empty_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

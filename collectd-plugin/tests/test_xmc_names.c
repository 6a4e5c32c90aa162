/*
 * Unit tests of the collectd plugin's pure parts: domain names as collectd
 * identifier parts (xmc_names.c) and the Domain filter (xmc_filter.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xmc_filter.h"
#include "xmc_names.h"

#define NAME_LEN 128 /* collectd's DATA_MAX_NAME_LEN */

static void hashed(const char *raw, const char *prefix, char *want, size_t sz)
{
    char tag[16];
    snprintf(tag, sizeof(tag), "~%08x", (unsigned)xmc_name_hash(raw));
    assert_true(strlen(prefix) + strlen(tag) < sz);
    strcpy(want, prefix);
    strcat(want, tag);
}

static void test_verbatim(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Domain-0", "guest-pv", "a\"b\\c d", "ünïcødé-日本-🐧", "~x", "..",
    };
    char out[NAME_LEN];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(xmc_name_map(names[i], out, sizeof(out)), 0);
        assert_string_equal(out, names[i]);
    }
}

/* The table of rewrites: raw name -> why, and the sanitized prefix that
 * precedes "~<hash of raw>". */
static void test_rewrites(void **state)
{
    (void)state;
    static const struct {
        const char *raw;
        unsigned why;
        const char *prefix;
    } cases[] = {
        {"a/b", XMC_NAME_SLASH, "a_b"},
        {"/", XMC_NAME_SLASH, "_"},
        {"a\nb\x7f", XMC_NAME_CONTROL, "a_b_"},
        {"bad\xff\xfe", XMC_NAME_UTF8, "bad__"},
        {"\xc3(", XMC_NAME_UTF8, "_("},        /* truncated sequence */
        {"\xed\xa0\x80", XMC_NAME_UTF8, "___"}, /* surrogate */
        {"\xc0\xaf", XMC_NAME_UTF8, "__"},      /* overlong '/' */
        {"x/\xff\t", XMC_NAME_SLASH | XMC_NAME_UTF8 | XMC_NAME_CONTROL, "x___"},
    };
    char out[NAME_LEN], want[NAME_LEN];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(xmc_name_map(cases[i].raw, out, sizeof(out)), cases[i].why);
        hashed(cases[i].raw, cases[i].prefix, want, sizeof(want));
        assert_string_equal(out, want);
    }
}

static void test_empty(void **state)
{
    (void)state;
    char out[NAME_LEN];
    assert_int_equal(xmc_name_map("", out, sizeof(out)), XMC_NAME_EMPTY);
    assert_string_equal(out, "");
    xmc_name_suffix(out, sizeof(out), "7");
    assert_string_equal(out, "~7");
}

static void test_lengths(void **state)
{
    (void)state;
    char raw[400], out[NAME_LEN], want[NAME_LEN];

    /* 127 bytes fit verbatim; 128 do not. */
    memset(raw, 'a', 127);
    raw[127] = '\0';
    assert_int_equal(xmc_name_map(raw, out, sizeof(out)), 0);
    assert_string_equal(out, raw);
    raw[127] = 'b';
    raw[128] = '\0';
    assert_int_equal(xmc_name_map(raw, out, sizeof(out)), XMC_NAME_LONG);
    assert_int_equal(strlen(out), 127);
    char prefix[NAME_LEN];
    memset(prefix, 'a', 118);
    prefix[118] = '\0';
    hashed(raw, prefix, want, sizeof(want));
    assert_string_equal(out, want);

    /* Two long names with the same first 118 bytes stay apart. */
    char raw2[400], out2[NAME_LEN];
    strcpy(raw2, raw);
    raw2[127] = 'c';
    xmc_name_map(raw2, out2, sizeof(out2));
    assert_string_not_equal(out, out2);

    /* A cut never splits a multi-byte character: 65 x "é" are 130 bytes;
     * 118 bytes are left before the suffix = 59 x "é". */
    size_t o = 0;
    for (int i = 0; i < 65; i++) {
        memcpy(raw + o, "\xc3\xa9", 2);
        o += 2;
    }
    raw[o] = '\0';
    assert_int_equal(xmc_name_map(raw, out, sizeof(out)), XMC_NAME_LONG);
    char *tilde = strrchr(out, '~');
    assert_non_null(tilde);
    assert_int_equal(tilde - out, 118);
    assert_int_equal(strlen(out), 127);

    /* 4-byte characters: 118 is not a multiple of 4, the cut goes back. */
    o = 0;
    for (int i = 0; i < 40; i++) {
        memcpy(raw + o, "\xf0\x9f\x90\xa7", 4);
        o += 4;
    }
    raw[o] = '\0';
    assert_int_equal(xmc_name_map(raw, out, sizeof(out)), XMC_NAME_LONG);
    tilde = strrchr(out, '~');
    assert_int_equal(tilde - out, 116);

    /* The plugin's size, 64: 63 bytes verbatim, 64 cut to 54 + suffix. */
    char small[64];
    memset(raw, 'y', 63);
    raw[63] = '\0';
    assert_int_equal(xmc_name_map(raw, small, sizeof(small)), 0);
    assert_string_equal(small, raw);
    raw[63] = 'y';
    raw[64] = '\0';
    assert_int_equal(xmc_name_map(raw, small, sizeof(small)), XMC_NAME_LONG);
    assert_int_equal(strlen(small), 63);
    assert_int_equal(strrchr(small, '~') - small, 54);

    /* A suffix on a full-length name cuts it so the result fits. */
    memset(out, 'z', 127);
    out[127] = '\0';
    xmc_name_suffix(out, sizeof(out), "4294967295");
    assert_int_equal(strlen(out), 127);
    assert_string_equal(out + 116, "~4294967295");
}

static void test_hash_is_stable(void **state)
{
    (void)state;
    /* FNV-1a 32 reference values. */
    assert_int_equal(xmc_name_hash(""), 0x811c9dc5u);
    assert_int_equal(xmc_name_hash("a"), 0xe40c292cu);
    assert_int_equal(xmc_name_hash("foobar"), 0xbf9cf968u);
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    xmc_name_escape("a\"b\\c\nd\xff日", out, sizeof(out));
    assert_string_equal(out, "a\\\"b\\\\c\\x0ad\\xff日");
    char big[200];
    memset(big, 'q', 199);
    big[199] = '\0';
    xmc_name_escape(big, out, sizeof(out));
    assert_int_equal(strlen(out), 63);
    assert_string_equal(out + 60, "...");
}

static void test_why(void **state)
{
    (void)state;
    char out[128];
    xmc_name_why(XMC_NAME_SLASH | XMC_NAME_LONG, out, sizeof(out));
    assert_string_equal(out, "contains '/', is too long");
}

static void test_filter(void **state)
{
    (void)state;
    struct xmc_filter *f = NULL;
    char err[128];

    assert_false(xmc_filter_has_entries(f));
    assert_false(xmc_filter_matches(f, "web"));
    assert_int_equal(xmc_filter_add(&f, "guest-pv", err, sizeof(err)), 0);
    assert_int_equal(xmc_filter_add(&f, "/^db-[0-9]+$/", err, sizeof(err)), 0);
    assert_true(xmc_filter_has_entries(f));
    assert_true(xmc_filter_matches(f, "guest-pv"));
    assert_false(xmc_filter_matches(f, "guest-pvh")); /* exact, not a prefix */
    assert_true(xmc_filter_matches(f, "db-12"));
    assert_false(xmc_filter_matches(f, "db-x"));
    assert_int_equal(xmc_filter_add(&f, "/(/", err, sizeof(err)), EINVAL);
    assert_true(strlen(err) > 0);
    assert_int_equal(xmc_filter_add(&f, "", err, sizeof(err)), EINVAL);
    assert_int_equal(xmc_filter_add(&f, "/", err, sizeof(err)), 0); /* one slash: a name */
    assert_true(xmc_filter_matches(f, "/"));
    xmc_filter_free(f);
    xmc_filter_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verbatim),   cmocka_unit_test(test_rewrites),
        cmocka_unit_test(test_empty),      cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_hash_is_stable), cmocka_unit_test(test_escape),
        cmocka_unit_test(test_why),        cmocka_unit_test(test_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* cli_term_text: what `xenmode list` and `configs` print for a name. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

static void expect(const char *in, bool backslash, const char *want)
{
    struct xm_buf b;
    xm_buf_init(&b);
    size_t cols = cli_term_text(&b, in, backslash);
    assert_false(xm_buf_failed(&b));
    assert_string_equal(xm_buf_cstr(&b), want);
    assert_int_equal(cli_term_text(NULL, in, backslash), cols);
    xm_buf_dispose(&b);
}

static void test_plain_text_kept(void **state)
{
    (void)state;
    expect("web-01", true, "web-01");
    expect("ünïcødé-日本-🐧", true, "ünïcødé-日本-🐧");
    assert_int_equal(cli_term_text(NULL, "ünïcødé", true), 7);
}

static void test_c0_and_del(void **state)
{
    (void)state;
    expect("a\nb\tc\x1b[2Jd\x7f", true, "a\\nb\\tc\\x1b[2Jd\\x7f");
    assert_int_equal(cli_term_text(NULL, "\x1b", true), 4);
}

/* C1 controls arrive as two-byte UTF-8 sequences: CSI U+009B, NEL U+0085. */
static void test_c1(void **state)
{
    (void)state;
    expect("x\xc2\x9b" "31mred\xc2\x85" "y", true, "x\\u009B31mred\\u0085y");
}

static void test_bidi_and_format(void **state)
{
    (void)state;
    /* RLO "gpj.exe" PDF: would read "exe.jpg". */
    expect("\xe2\x80\xae" "gpj.exe\xe2\x80\xac", true, "\\u202Egpj.exe\\u202C");
    /* LRI, RLI, FSI, PDI; LRM, RLM, ALM; ZWSP; BOM; LS. */
    expect("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", true, "\\u2066\\u2067\\u2068\\u2069");
    expect("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", true, "\\u200E\\u200F\\u061C");
    expect("a\xe2\x80\x8b" "b\xef\xbb\xbf" "c\xe2\x80\xa8", true, "a\\u200Bb\\uFEFFc\\u2028");
    /* Neighbours that are ordinary text stay. */
    expect("\xe2\x80\x90\xe2\x80\xaf\xe2\x81\xb0", true, "\xe2\x80\x90\xe2\x80\xaf\xe2\x81\xb0");
}

static void test_backslash_and_invalid(void **state)
{
    (void)state;
    expect("a\\x41", true, "a\\\\x41");
    expect("a\\x41", false, "a\\x41");
    expect("x\xff", true, "x\xef\xbf\xbd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_kept),
        cmocka_unit_test(test_c0_and_del),
        cmocka_unit_test(test_c1),
        cmocka_unit_test(test_bidi_and_format),
        cmocka_unit_test(test_backslash_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

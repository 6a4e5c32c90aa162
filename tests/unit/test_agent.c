/* Guest agent values are written by the guest: what is kept of them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "host/xm_agent.h"

static void test_plain_value_is_kept(void **state)
{
    (void)state;
    char out[XM_AGENT_VALUE_MAX + 1];
    assert_false(xm_agent_clean("Debian GNU/Linux 12 (bookworm) \"q\"", out, sizeof out));
    assert_string_equal(out, "Debian GNU/Linux 12 (bookworm) \"q\"");
    assert_false(xm_agent_clean("Ubuntu é ü 日本", out, sizeof out));
    assert_string_equal(out, "Ubuntu é ü 日本");
}

static void test_controls_and_invalid_bytes_are_dropped(void **state)
{
    (void)state;
    char out[XM_AGENT_VALUE_MAX + 1];
    assert_true(xm_agent_clean("a\nb\tc\x7f" "d\xc2\x85" "e", out, sizeof out));
    assert_string_equal(out, "abcde");
    assert_true(xm_agent_clean("x\xff\xfey\xc0\xaf", out, sizeof out));
    assert_string_equal(out, "xy");
    /* U+202E (right-to-left override), U+2066, U+200B, U+FEFF */
    assert_true(xm_agent_clean("ab\xe2\x80\xae" "c\xe2\x81\xa6" "d\xe2\x80\x8b" "e\xef\xbb\xbf", out,
                               sizeof out));
    assert_string_equal(out, "abcde");
}

static void test_long_values_are_cut_on_a_character(void **state)
{
    (void)state;
    char big[4097];
    memset(big, 'A', 4096);
    big[4096] = '\0';
    char out[XM_AGENT_VALUE_MAX + 1];
    assert_true(xm_agent_clean(big, out, sizeof out));
    assert_int_equal(strlen(out), XM_AGENT_VALUE_MAX);
    /* 63 bytes then a 2-byte character: the character does not fit. */
    memset(big, 'B', 63);
    memcpy(big + 63, "\xc3\xa9z", 4);
    assert_true(xm_agent_clean(big, out, sizeof out));
    assert_int_equal(strlen(out), 63);
    /* A smaller buffer is honoured too. */
    char small[5];
    assert_true(xm_agent_clean("abcdef", small, sizeof small));
    assert_string_equal(small, "abcd");
}

static void test_driver_entries(void **state)
{
    (void)state;
    char drv[XM_AGENT_VALUE_MAX + 1], ver[XM_AGENT_VALUE_MAX + 1];
    xm_agent_parse_driver("XenServer XENBUS 9.1.0.16 DEBUG", drv, sizeof drv, ver, sizeof ver);
    assert_string_equal(drv, "XenServer XENBUS");
    assert_string_equal(ver, "9.1.0.16");
    xm_agent_parse_driver("Vendor XENVIF 8.2.1", drv, sizeof drv, ver, sizeof ver);
    assert_string_equal(drv, "Vendor XENVIF");
    assert_string_equal(ver, "8.2.1");
    xm_agent_parse_driver("oddball", drv, sizeof drv, ver, sizeof ver);
    assert_string_equal(drv, "oddball");
    assert_string_equal(ver, "");
    xm_agent_parse_driver("", drv, sizeof drv, ver, sizeof ver);
    assert_string_equal(drv, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_value_is_kept),
        cmocka_unit_test(test_controls_and_invalid_bytes_are_dropped),
        cmocka_unit_test(test_long_values_are_cut_on_a_character),
        cmocka_unit_test(test_driver_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

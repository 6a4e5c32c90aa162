/* libxl's start_time values: what is taken for a time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "host/xm_start_time.h"

static void test_libxl_values(void **state)
{
    (void)state;
    double t = 0;
    assert_true(xm_start_time_parse("1764740000.42", &t));
    assert_true(t > 1764740000.41 && t < 1764740000.43);
    assert_true(xm_start_time_parse("1764740000", &t));
}

static void test_not_a_time(void **state)
{
    (void)state;
    double t = 7;
    const char *bad[] = {"", "abc", "inf", "nan", "0x6500000", "1e9", "-1764740000", "12",
                         " 1764740000", "1764740000 ", "1764740000.4x", "99999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xm_start_time_parse(bad[i], &t));
    assert_true(t == 7); /* untouched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libxl_values),
        cmocka_unit_test(test_not_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

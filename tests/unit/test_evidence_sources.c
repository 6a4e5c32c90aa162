/* Parsers of evidence that come from outside: libxl's stored JSON and
 * frontend backend paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "host/xm_libxl.h"
#include "host/xm_devices.h"

static enum xm_shim parse(const char *json, char **type)
{
    const char *detail = NULL;
    return xm_libxl_parse_config(json, strlen(json), type, &detail);
}

static void test_stored_config_shim(void **state)
{
    (void)state;
    char *type = NULL;
    assert_int_equal(parse("{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{\"type.pvh\":{\"pvshim\":\"True\"}}}", &type), XM_SHIM_ON);
    assert_string_equal(type, "pvh");
    free(type);
    assert_int_equal(parse("{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{\"type.pvh\":{\"pvshim\":\"False\"}}}", &type), XM_SHIM_OFF);
    free(type);
    assert_int_equal(parse("{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{\"type.pvh\":{}}}", &type), XM_SHIM_OFF);
    free(type);
    assert_int_equal(parse("{\"c_info\":{\"type\":\"pvh\"},\"b_info\":{}}", &type), XM_SHIM_OFF);
    free(type);
    assert_int_equal(parse("{\"c_info\":{},\"b_info\":{\"type.pvh\":{\"pvshim\":\"maybe\"}}}", &type), XM_SHIM_UNREADABLE);
    assert_null(type);
    assert_int_equal(parse("not json", &type), XM_SHIM_UNREADABLE);
    assert_null(type);
    assert_int_equal(parse("[1,2]", &type), XM_SHIM_UNREADABLE);
    assert_int_equal(parse("{\"c_info\":{\"type\":\"pvh\"}}", &type), XM_SHIM_UNREADABLE);
    assert_null(type);
}

static void test_backend_paths(void **state)
{
    (void)state;
    uint32_t b = 99;
    assert_true(xm_backend_path_valid("/local/domain/0/backend/vbd/7/768", 7, "vbd", "768", &b));
    assert_int_equal(b, 0);
    assert_true(xm_backend_path_valid("/local/domain/3/backend/qdisk/7/51712", 7, "vbd", "51712", &b));
    assert_int_equal(b, 3);
    /* someone else's backend, wrong devid, junk */
    assert_false(xm_backend_path_valid("/local/domain/0/backend/vbd/8/768", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/0/backend/vbd/7/769", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/0/backend/vbd/7/768/x", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/x/backend/vbd/7/768", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/0/frontend/vbd/7/768", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/0/backend//7/768", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("", 7, "vbd", "768", &b));
    assert_false(xm_backend_path_valid("/local/domain/99999999999/backend/vbd/7/768", 7, "vbd", "768", &b));
    /* another kind's backend: a vif frontend pointing at a vbd backend */
    assert_false(xm_backend_path_valid("/local/domain/0/backend/vbd/7/0", 7, "vif", "0", &b));
    assert_false(xm_backend_path_valid("/local/domain/0/backend/qdisk/7/0", 7, "vif", "0", &b));
    assert_true(xm_backend_path_valid("/local/domain/0/backend/vbd3/7/768", 7, "vbd", "768", &b));
    assert_true(xm_backend_path_valid("/local/domain/0/backend/qusb/7/0", 7, "vusb", "0", &b));
    /* a backend in the frontend's own subtree: the guest wrote it */
    assert_false(xm_backend_path_valid("/local/domain/7/backend/vbd/7/768", 7, "vbd", "768", &b));
    /* leading zeros or a sign are not the domid */
    assert_false(xm_backend_path_valid("/local/domain/0/backend/vbd/07/768", 7, "vbd", "768", &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_config_shim),
        cmocka_unit_test(test_backend_paths),
    };
    return cmocka_run_group_tests_name("evidence sources", tests, NULL, NULL);
}

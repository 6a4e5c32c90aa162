/* The classifier's rules as a table: one row per rule of docs/design.md "How the
 * mode is decided (dom0)" and per fallback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "host/xm_classify.h"

struct row {
    const char *name;
    struct xm_classify_input in;
    enum xm_mode want;
    const char *want_evidence; /* a substring one evidence line must hold */
};

static const struct row rows[] = {
    {"pv", {.domid = 1, .hvm_flag = false, .libxl_type = "pv"}, XM_MODE_PV, "/libxl/1/type=pv"},
    {"pvh", {.domid = 2, .hvm_flag = true, .libxl_type = "pvh", .shim = XM_SHIM_OFF,
             .config_type = "pvh"}, XM_MODE_PVH, "no pv shim"},
    {"hvm", {.domid = 3, .hvm_flag = true, .libxl_type = "hvm"}, XM_MODE_HVM,
     "no PV device connected -> hvm"},
    {"pvhvm", {.domid = 4, .hvm_flag = true, .libxl_type = "hvm", .devices_connected = 2},
     XM_MODE_PVHVM, "2 PV devices connected -> pvhvm"},
    {"pv_in_pvh", {.domid = 5, .hvm_flag = true, .libxl_type = "pvh", .shim = XM_SHIM_ON,
                   .config_type = "pvh"}, XM_MODE_PV_IN_PVH, "pvshim true"},
    {"dom0 pv", {.domid = 0, .dom0 = true, .hvm_flag = false}, XM_MODE_PV, "dom0"},
    {"dom0 pvh", {.domid = 0, .dom0 = true, .hvm_flag = true}, XM_MODE_PVH, "dom0"},
    {"dom0 ignores devices", {.domid = 0, .dom0 = true, .hvm_flag = false, .devices_connected = 3}, XM_MODE_PV,
     "dom0"},
    /* Xen 4.21 can make another domain the control domain (XEN_DOMINF_priv). */
    {"flagged control domain, not domid 0", {.domid = 5, .dom0 = true, .hvm_flag = true,
     .libxl_type = "hvm"}, XM_MODE_PVH, "dom0 is classified by the hypervisor flag"},
    {"missing type key, hvm flag", {.domid = 6, .hvm_flag = true}, XM_MODE_HVM,
     "falling back to the hypervisor flag (hvm)"},
    {"missing type key, hvm flag, PV devices", {.domid = 6, .hvm_flag = true,
     .devices_connected = 1}, XM_MODE_PVHVM, "/libxl/6/type absent"},
    {"missing type key, pv flag", {.domid = 7, .hvm_flag = false}, XM_MODE_PV,
     "falling back to the hypervisor flag (pv)"},
    {"contradiction: pv flag, hvm record", {.domid = 8, .hvm_flag = false, .libxl_type = "hvm"},
     XM_MODE_PV, "type record says hvm but the hvm flag is clear"},
    {"contradiction: hvm flag, pv record", {.domid = 9, .hvm_flag = true, .libxl_type = "pv"},
     XM_MODE_HVM, "type record says pv but the hvm flag is set"},
    {"contradiction: pvh record, hvm stored config", {.domid = 10, .hvm_flag = true,
     .libxl_type = "pvh", .shim = XM_SHIM_OFF, .config_type = "hvm"}, XM_MODE_HVM,
     "contradicts the type record"},
    {"contradiction: records disagree", {.domid = 11, .hvm_flag = true, .libxl_type = "hvm",
     .domain_type = "pvh"}, XM_MODE_HVM, "type records disagree"},
    {"garbage type record", {.domid = 12, .hvm_flag = true, .libxl_type = "x\n\x01"},
     XM_MODE_HVM, "is not a known type"},
    {"upper-case libxl record (XenServer)", {.domid = 13, .hvm_flag = true, .libxl_type = "HVM"},
     XM_MODE_HVM, "/libxl/13/type=HVM"},
    {"XenServer pv-in-pvh", {.domid = 14, .hvm_flag = true, .libxl_type = "PVH",
     .domain_type = "pv-in-pvh"}, XM_MODE_PV_IN_PVH, "domain-type=pv-in-pvh"},
    {"XenServer pvh without shim lookup", {.domid = 15, .hvm_flag = true, .libxl_type = "PVH",
     .domain_type = "pvh"}, XM_MODE_PVH, "-> pvh"},
    {"XenServer domain-type alone", {.domid = 16, .hvm_flag = true, .domain_type = "hvm",
     .devices_connected = 1}, XM_MODE_PVHVM, "-> pvhvm"},
    {"pvh without stored config", {.domid = 17, .hvm_flag = true, .libxl_type = "pvh",
     .shim = XM_SHIM_NO_CONFIG}, XM_MODE_PVH, "no stored configuration"},
    {"pvh with unreadable config", {.domid = 18, .hvm_flag = true, .libxl_type = "pvh",
     .shim = XM_SHIM_UNREADABLE, .shim_detail = "bad json"}, XM_MODE_PVH, "bad json"},
    {"pv flag with pv-in-pvh record", {.domid = 19, .hvm_flag = false,
     .domain_type = "pv-in-pvh"}, XM_MODE_PV, "hvm flag is clear"},
    {"pvh does not become pvhvm", {.domid = 20, .hvm_flag = true, .libxl_type = "pvh",
     .shim = XM_SHIM_OFF, .devices_connected = 2}, XM_MODE_PVH, "-> pvh"},
};

static void test_row(void **state)
{
    const struct row *r = *state;
    struct xm_strvec ev;
    xm_strvec_init(&ev);
    enum xm_mode got = xm_classify(&r->in, &ev);
    bool found = false;
    for (size_t i = 0; i < ev.n; i++)
        if (strstr(ev.items[i], r->want_evidence))
            found = true;
    if (!found || got != r->want) {
        print_error("%s: got %s, want %s; evidence:\n", r->name, xm_mode_name(got),
                    xm_mode_name(r->want));
        for (size_t i = 0; i < ev.n; i++)
            print_error("  %s\n", ev.items[i]);
    }
    assert_int_equal(got, r->want);
    assert_true(found);
    assert_false(ev.failed);
    xm_strvec_dispose(&ev);
}

static void test_wants_shim_only_for_libxl_pvh(void **state)
{
    (void)state;
    struct xm_classify_input pvh = {.domid = 3, .hvm_flag = true, .libxl_type = "pvh"};
    struct xm_classify_input hvm = {.domid = 3, .hvm_flag = true, .libxl_type = "hvm"};
    struct xm_classify_input xs = {.domid = 3, .hvm_flag = true, .libxl_type = "PVH",
                                   .domain_type = "pvh"};
    struct xm_classify_input dom0 = {.domid = 0, .dom0 = true, .hvm_flag = true, .libxl_type = "pvh"};
    struct xm_classify_input pvflag = {.domid = 3, .hvm_flag = false, .libxl_type = "pvh"};
    assert_true(xm_classify_wants_shim(&pvh));
    assert_false(xm_classify_wants_shim(&hvm));
    assert_false(xm_classify_wants_shim(&xs));
    assert_false(xm_classify_wants_shim(&dom0));
    assert_false(xm_classify_wants_shim(&pvflag));
}

static void test_mode_names(void **state)
{
    (void)state;
    static const char *const names[] = {"pv", "pvh", "hvm", "pvhvm", "pv_in_pvh"};
    for (int m = 0; m < XM_MODE_COUNT; m++) {
        assert_string_equal(xm_mode_name(m), names[m]);
        assert_int_equal(xm_mode_from_name(names[m]), m);
    }
    assert_null(xm_mode_name(XM_MODE_COUNT));
    assert_int_equal(xm_mode_from_name("PV"), -1);
}

int main(void)
{
    struct CMUnitTest tests[sizeof rows / sizeof rows[0] + 2];
    size_t n = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct CMUnitTest t = {rows[i].name, test_row, NULL, NULL, (void *)&rows[i]};
        tests[n++] = t;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_wants_shim_only_for_libxl_pvh);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mode_names);
    return _cmocka_run_group_tests("classify", tests, n, NULL, NULL);
}

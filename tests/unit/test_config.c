/* The configured mode as xl 4.17 decides it (tools/xl/xl_parse.c,
 * parse_config_data): one row per rule, through the real libxlutil parser.
 * Then the file-naming rule, the mismatch rule and the exposition text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xenmode/configs.h"
#include "xenmode/expo.h"

#define ERR (-1)

struct row {
    const char *desc;
    const char *text;
    int mode;              /* enum xm_mode, or ERR */
    const char *error;     /* substring of the error (ERR rows) */
    const char *warning;   /* substring of a warning, or NULL for none */
};

/* K: a boot source, so PV/PVH rows are about the rule they test. */
#define K "kernel = \"/boot/vmlinuz\"\n"
#define N "name = \"dom\"\n"

static const struct row rows[] = {
    /* type=: prefix of "hvm", then "pv", then "pvh"; case-sensitive. */
    {"type pv", N K "type = \"pv\"\n", XM_MODE_PV, NULL, NULL},
    {"type hvm needs no kernel", N "type = \"hvm\"\n", XM_MODE_HVM, NULL, NULL},
    {"type pvh", N K "type = \"pvh\"\n", XM_MODE_PVH, NULL, NULL},
    {"type pvh + pvshim=1", N K "type = \"pvh\"\npvshim = 1\n", XM_MODE_PV_IN_PVH, NULL, NULL},
    {"type \"\" is a prefix of hvm", N "type = \"\"\n", XM_MODE_HVM, NULL, NULL},
    {"type h", N "type = \"h\"\n", XM_MODE_HVM, NULL, NULL},
    {"type hv", N "type = \"hv\"\n", XM_MODE_HVM, NULL, NULL},
    {"type p is pv (pv is tried before pvh)", N K "type = \"p\"\n", XM_MODE_PV, NULL, NULL},
    {"type in single quotes", N "type = 'hvm'\n", XM_MODE_HVM, NULL, NULL},
    {"type PV (upper case)", N K "type = \"PV\"\n", ERR, "Invalid domain type \"PV\"", NULL},
    {"type hvmx", N "type = \"hvmx\"\n", ERR, "Invalid domain type \"hvmx\"", NULL},
    {"type pvhx", N K "type = \"pvhx\"\n", ERR, "Invalid domain type \"pvhx\"", NULL},
    {"type as a number", N "type = 1\n", ERR, "Invalid domain type \"1\"", NULL},
    {"type as a list warns and is ignored: pv", N K "type = [\"hvm\"]\n", XM_MODE_PV, NULL,
     "line 3: warning: parameter `type' is a list but should be a single value"},
    {"type set twice: the last wins", N K "type = \"pv\"\ntype = \"hvm\"\n", XM_MODE_HVM, NULL, NULL},
    {"type set twice: the last wins (pv)", N K "type = \"hvm\"\ntype = \"pv\"\n", XM_MODE_PV, NULL,
     NULL},
    {"type += appends", N K "type = \"p\"\ntype += \"vh\"\n", XM_MODE_PVH, NULL, NULL},
    {"type control character is quoted", N "type = \"\x01\"\n", ERR,
     "Invalid domain type \"\\x01\"", NULL},

    /* builder= (deprecated): hvm or generic, same prefix rule; must agree. */
    {"builder hvm without type", N "builder = \"hvm\"\n", XM_MODE_HVM, NULL, NULL},
    {"builder generic", N K "builder = \"generic\"\n", XM_MODE_PV, NULL, NULL},
    {"builder \"\" is hvm", N "builder = \"\"\n", XM_MODE_HVM, NULL, NULL},
    {"builder g is generic", N K "builder = \"g\"\n", XM_MODE_PV, NULL, NULL},
    {"builder xen", N K "builder = \"xen\"\n", ERR, "Invalid domain type \"xen\" (builder=", NULL},
    {"builder hvm + type pv", N K "builder = \"hvm\"\ntype = \"pv\"\n", ERR,
     "Contradicting \"builder\" and \"type\" options specified", NULL},
    {"builder generic + type hvm", N "builder = \"generic\"\ntype = \"hvm\"\n", ERR,
     "Contradicting \"builder\" and \"type\"", NULL},
    {"builder generic + type pvh", N K "builder = \"generic\"\ntype = \"pvh\"\n", ERR,
     "Contradicting \"builder\" and \"type\"", NULL},
    {"builder hvm + type hvm", N "builder = \"hvm\"\ntype = \"hvm\"\n", XM_MODE_HVM, NULL, NULL},
    {"builder h + type hv agree", N "builder = \"h\"\ntype = \"hv\"\n", XM_MODE_HVM, NULL, NULL},
    {"builder as a list is ignored", N K "builder = [\"hvm\"]\n", XM_MODE_PV, NULL,
     "parameter `builder' is a list"},

    /* Neither: PV on x86. */
    {"only kernel=", N K, XM_MODE_PV, NULL, NULL},

    /* pvshim=: read for PVH only, as a number. */
    {"pvshim=1 with type pv is ignored", N K "type = \"pv\"\npvshim = 1\n", XM_MODE_PV, NULL, NULL},
    {"pvshim=yes with type pv is never read", N K "type = \"pv\"\npvshim = \"yes\"\n", XM_MODE_PV,
     NULL, NULL},
    {"pvshim=1 with type hvm is ignored", N "type = \"hvm\"\npvshim = 1\n", XM_MODE_HVM, NULL, NULL},
    {"pvshim=1 with builder hvm is ignored", N "builder = \"hvm\"\npvshim = 1\n", XM_MODE_HVM,
     NULL, NULL},
    {"pvshim=0", N K "type = \"pvh\"\npvshim = 0\n", XM_MODE_PVH, NULL, NULL},
    {"pvshim=\"1\" (a string holding a number)", N K "type = \"pvh\"\npvshim = \"1\"\n",
     XM_MODE_PV_IN_PVH, NULL, NULL},
    {"pvshim=0x1", N K "type = \"pvh\"\npvshim = 0x1\n", XM_MODE_PV_IN_PVH, NULL, NULL},
    {"pvshim=2 is true", N K "type = \"pvh\"\npvshim = 2\n", XM_MODE_PV_IN_PVH, NULL, NULL},
    {"pvshim=yes warns, stays false", N K "type = \"pvh\"\npvshim = \"yes\"\n", XM_MODE_PVH, NULL,
     "line 4: warning: parameter `pvshim' is not a valid number"},
    {"pvshim as a list warns, stays false", N K "type = \"pvh\"\npvshim = [1]\n", XM_MODE_PVH, NULL,
     "parameter `pvshim' is a list"},
    {"pvshim set twice: the last wins", N K "type = \"pvh\"\npvshim = 1\npvshim = 0\n",
     XM_MODE_PVH, NULL, NULL},
    {"pvshim before type", N K "pvshim = 1\ntype = \"pvh\"\n", XM_MODE_PV_IN_PVH, NULL, NULL},

    /* name= and uuid= */
    {"no name", K "type = \"pv\"\n", ERR, "Domain name must be specified.", NULL},
    {"name as a list", "name = [\"a\"]\ntype = \"hvm\"\n", ERR, "Domain name must be specified.",
     "parameter `name' is a list"},
    {"empty file", "", ERR, "Domain name must be specified.", NULL},
    {"bad uuid", N "type = \"hvm\"\nuuid = \"not-a-uuid\"\n", ERR, "Failed to parse UUID: not-a-uuid",
     NULL},
    {"good uuid", N "type = \"hvm\"\nuuid = \"8f6d5a0e-3c1b-4f7e-9d2a-5b4c3e2f1a09\"\n",
     XM_MODE_HVM, NULL, NULL},

    /* What a PV or PVH guest boots. */
    {"pv without kernel", N "type = \"pv\"\n", ERR, "Neither kernel nor bootloader specified", NULL},
    {"pvh without kernel", N "type = \"pvh\"\n", ERR, "Neither kernel nor bootloader specified",
     NULL},
    {"default type without kernel", N "memory = 512\n", ERR, "Neither kernel nor bootloader", NULL},
    {"pv with bootloader", N "type = \"pv\"\nbootloader = \"pygrub\"\n", XM_MODE_PV, NULL, NULL},
    {"pv with firmware pvgrub64", N "type = \"pv\"\nfirmware = \"pvgrub64\"\n", XM_MODE_PV, NULL,
     NULL},
    {"pvh with firmware pvgrub32", N "type = \"pvh\"\nfirmware = \"pvgrub32\"\n", XM_MODE_PVH, NULL,
     NULL},
    {"firmware pvgrub (a prefix)", N "type = \"pv\"\nfirmware = \"pvgrub\"\n", XM_MODE_PV, NULL,
     NULL},
    {"pv with firmware ovmf", N "type = \"pv\"\nfirmware = \"ovmf\"\n", ERR,
     "only pvgrub{32|64} supported as firmware options", NULL},
    {"pv with kernel and firmware", N K "type = \"pv\"\nfirmware = \"pvgrub64\"\n", ERR,
     "both kernel and firmware specified", NULL},
    {"hvm firmware is not checked", N "type = \"hvm\"\nfirmware = \"ovmf\"\n", XM_MODE_HVM, NULL,
     NULL},
    {"kernel as a list counts as none", N "type = \"pv\"\nkernel = [\"k\"]\n", ERR,
     "Neither kernel nor bootloader", "parameter `kernel' is a list"},

    /* The parser itself. */
    {"unquoted value", N K "type = pv\n", ERR,
     "xl would refuse it: line 3: config parsing error near `pv': syntax error", NULL},
    {"no final newline", N "type = \"hvm\"", XM_MODE_HVM, NULL, NULL},
    {"comment as the last line without newline", N "type = \"hvm\"\n# end", ERR,
     "line 3: config parsing error near `#': lexical error", NULL},
    {"semicolons", "name = \"dom\"; type = \"pvh\"; kernel = \"k\"\n", XM_MODE_PVH, NULL, NULL},
    {"upper-case key", "Name = \"dom\"\n", ERR, "lexical error", NULL},
    {"python", "import os\narch = os.uname()[4]\n" N K, ERR, "it looks like Python code, which xl no longer runs", NULL},
    {"string += list", N K "type = \"pv\"\ntype += [\"x\"]\n", ERR,
     "can't add [list] to \"string\" or vice versa", NULL},
};

/* One row, run as its own test (initial state: the row). */
static void test_row(void **state)
{
    const struct row *r = *state;
    size_t len = strlen(r->text);
    struct xm_config c;
    struct xm_error err = {0};
    int rc = xm_config_parse("/etc/xen/t.cfg", r->text, len, &c, &err);
    if (rc != XM_OK)
        fail_msg("%s: xm_config_parse failed: %s", r->desc, err.message);
    assert_string_equal(c.file, "/etc/xen/t.cfg");
    if (r->mode == ERR) {
        if (!c.error)
            fail_msg("%s: expected an error containing '%s', got mode %s", r->desc, r->error,
                     xm_mode_name(c.mode));
        if (!strstr(c.error, r->error))
            fail_msg("%s: error '%s' lacks '%s'", r->desc, c.error, r->error);
        if (strstr(c.error, "/etc/xen/t.cfg"))
            fail_msg("%s: the error repeats the file name: %s", r->desc, c.error);
        for (const char *p = c.error; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                fail_msg("%s: unprintable byte in the error", r->desc);
        assert_null(c.name);
    } else {
        if (c.error)
            fail_msg("%s: unexpected error: %s", r->desc, c.error);
        if ((int)c.mode != r->mode)
            fail_msg("%s: mode %s, expected %s", r->desc, xm_mode_name(c.mode),
                     xm_mode_name(r->mode));
        assert_non_null(c.name);
        if (r->warning == NULL && c.n_warnings)
            fail_msg("%s: unexpected warning: %s", r->desc, c.warnings[0]);
    }
    if (r->warning) {
        bool found = false;
        for (size_t i = 0; i < c.n_warnings; i++)
            found = found || strstr(c.warnings[i], r->warning) != NULL;
        if (!found)
            fail_msg("%s: no warning containing '%s' (%zu warnings)", r->desc, r->warning,
                     c.n_warnings);
    }
    xm_config_dispose(&c);
}

static void test_binary_data(void **state)
{
    (void)state;
    static const char elf[16] = "\x7f" "ELF\x02\x01\x01";
    struct xm_config c;
    assert_int_equal(xm_config_parse("x", elf, sizeof elf, &c, NULL), XM_OK);
    assert_non_null(c.error);
    assert_non_null(strstr(c.error, "xl would refuse it: binary data, not a text configuration"));
    xm_config_dispose(&c);
}

/* libxlutil aborts on a NUL inside a string, and is quadratic on "+=":
 * both are refused before it sees them. */
static void test_unsafe_inputs(void **state)
{
    (void)state;
    static const char nul_in_string[] = "name = \"a\0b\"\ntype = \"hvm\"\n";
    struct xm_config c;
    assert_int_equal(xm_config_parse("x", nul_in_string, sizeof nul_in_string - 1, &c, NULL),
                     XM_OK);
    assert_non_null(strstr(c.error, "NUL bytes, on which xl's parser aborts or stalls"));
    xm_config_dispose(&c);

    for (int appends = XM_CONFIG_MAX_APPENDS; appends <= XM_CONFIG_MAX_APPENDS + 1; appends++) {
        char *text = malloc(64 + (size_t)appends * 16);
        size_t o = (size_t)sprintf(text, "name = \"dom\"\ntype = \"hvm\"\nextra = \"\"\n");
        for (int i = 0; i < appends; i++)
            o += (size_t)sprintf(text + o, "extra += \" x\"\n");
        assert_int_equal(xm_config_parse("x", text, o, &c, NULL), XM_OK);
        if (appends <= XM_CONFIG_MAX_APPENDS) {
            assert_null(c.error);
            assert_int_equal(c.mode, XM_MODE_HVM);
        } else {
            assert_non_null(c.error);
            assert_non_null(strstr(c.error, "257 \"+=\" operations, more than the 256"));
        }
        xm_config_dispose(&c);
        free(text);
    }
}

static void test_names_kept_as_bytes(void **state)
{
    (void)state;
    struct xm_config c;
    const char *text = "name = \"caf\xc3\xa9 \\\"q\\\"\"\ntype = \"hvm\"\n";
    assert_int_equal(xm_config_parse("x", text, strlen(text), &c, NULL), XM_OK);
    assert_null(c.error);
    assert_string_equal(c.name, "caf\xc3\xa9 \"q\"");
    xm_config_dispose(&c);
}

static void test_long_messages_are_bounded(void **state)
{
    (void)state;
    /* A 100 kB unquoted token: the error quotes a bounded part of it. */
    size_t n = 100000;
    char *text = malloc(n + 32);
    strcpy(text, "name = ");
    memset(text + 7, 'x', n);
    strcpy(text + 7 + n, "\n");
    struct xm_config c;
    assert_int_equal(xm_config_parse("x", text, strlen(text), &c, NULL), XM_OK);
    assert_non_null(c.error);
    assert_true(strlen(c.error) < 1024);
    assert_non_null(strstr(c.error, "..."));
    xm_config_dispose(&c);
    free(text);
}

/* ---- which directory entries are configurations -------------------------- */

struct name_row {
    const char *name;
    bool top, in_auto;
};

static const struct name_row names[] = {
    {"web.cfg", true, true},
    {"web", false, true},           /* auto/: xendomains creates every entry */
    {"web.conf", false, true},
    {"xl.conf", false, false},
    {"oxenstored.conf", false, false},
    {"xend-config.sxp", false, false},
    {"xend-pci-quirks.sxp", false, false},
    {"xm-config.xml", false, false},
    {"xlexample.hvm", false, false},
    {"xlexample.pvhlinux", false, false},
    {"xmexample1", false, false},
    {"cpupool", false, false},
    {"README", false, false},
    {"README.incompatibilities", false, false},
    {"scripts", false, false},
    {".web.cfg", false, false},
    {".web.cfg.swp", false, false},
    {"web.cfg~", false, false},
    {"#web.cfg#", false, false},
    {"web.cfg.bak", false, false},
    {"web.cfg.orig", false, false},
    {"web.cfg.dpkg-old", false, false},
    {"web.cfg.dpkg-dist", false, false},
    {"web.cfg.dpkg-new", false, false},
    {"web.cfg.ucf-dist", false, false},
    {"web.cfg.rpmnew", false, false},
    {"web.cfg.rpmsave", false, false},
    {"web.cfg.tmp", false, false},
    {"web.cfg.old", false, false},
};

static void test_candidates(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *reason = "unset";
        bool top = xm_config_candidate(names[i].name, false, &reason);
        if (top != names[i].top)
            fail_msg("%s in the top directory: %d, expected %d", names[i].name, top, names[i].top);
        if (top ? reason != NULL : reason == NULL)
            fail_msg("%s: reason must be set exactly when skipped", names[i].name);
        bool aut = xm_config_candidate(names[i].name, true, NULL);
        if (aut != names[i].in_auto)
            fail_msg("%s in auto/: %d, expected %d", names[i].name, aut, names[i].in_auto);
    }
}

/* ---- the mismatch rule ------------------------------------------------------ */

static void test_mismatch(void **state)
{
    (void)state;
    const enum xm_mode configured[] = {XM_MODE_PV, XM_MODE_PVH, XM_MODE_HVM, XM_MODE_PV_IN_PVH};
    for (size_t i = 0; i < 4; i++) {
        for (int r = 0; r < XM_MODE_COUNT; r++) {
            bool want = !((int)configured[i] == r ||
                          (configured[i] == XM_MODE_HVM && r == XM_MODE_PVHVM));
            if (xm_config_mismatch(configured[i], (enum xm_mode)r) != want)
                fail_msg("configured %s running %s: mismatch should be %d",
                         xm_mode_name(configured[i]), xm_mode_name(r), want);
        }
    }
    /* The two cases of the issue, spelled out. */
    assert_false(xm_config_mismatch(XM_MODE_HVM, XM_MODE_PVHVM));
    assert_true(xm_config_mismatch(XM_MODE_PVH, XM_MODE_HVM));
    assert_true(xm_config_mismatch(XM_MODE_PV_IN_PVH, XM_MODE_PVH));
    assert_true(xm_config_mismatch(XM_MODE_PVH, XM_MODE_PV_IN_PVH));
}

/* ---- exposition ------------------------------------------------------------- */

static void add(struct xm_config_set *s, const char *name, enum xm_mode mode, const char *error)
{
    struct xm_config *c = &s->configs[s->n_configs++];
    memset(c, 0, sizeof *c);
    c->file = strdup("/etc/xen/x.cfg");
    c->name = name ? strdup(name) : NULL;
    c->mode = mode;
    c->error = error ? strdup(error) : NULL;
    if (error)
        s->n_failed++;
}

static char *render(const struct xm_config_set *s, enum xm_expo_format f)
{
    struct xm_buf b;
    xm_buf_init(&b);
    xm_config_expo(&b, f, s);
    xm_expo_end(&b, f);
    assert_false(xm_buf_failed(&b));
    return xm_buf_steal(&b);
}

static void test_expo(void **state)
{
    (void)state;
    struct xm_config_set *s = calloc(1, sizeof *s);
    s->configs = calloc(12, sizeof *s->configs);
    add(s, "web", XM_MODE_PVH, NULL);
    add(s, "db\"1", XM_MODE_PV_IN_PVH, NULL);
    add(s, NULL, XM_MODE_PV, "xl would refuse it: Domain name must be specified.");
    add(s, "twin", XM_MODE_PV, "domain name \"twin\" is already configured by /etc/xen/a.cfg");
    add(s, "", XM_MODE_HVM, NULL);
    add(s, "old", XM_MODE_PV, NULL);
    s->configs[s->n_configs - 1].pv_width_bits = 32;
    add(s, "new", XM_MODE_PV, NULL);
    s->configs[s->n_configs - 1].pv_width_bits = 64;
    add(s, "pygrub", XM_MODE_PV, NULL); /* width unknown: no series */
    char *out = render(s, XM_EXPO_TEXT);
    const char *want =
        "# HELP xen_domain_configured_virt_mode Virtualization mode the domain's xl "
        "configuration file asks for: 1 for that mode, 0 for the others.\n"
        "# TYPE xen_domain_configured_virt_mode gauge\n"
        "xen_domain_configured_virt_mode{domain=\"db\\\"1\",mode=\"pv\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"db\\\"1\",mode=\"pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"db\\\"1\",mode=\"hvm\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"db\\\"1\",mode=\"pv_in_pvh\"} 1\n"
        "xen_domain_configured_virt_mode{domain=\"new\",mode=\"pv\"} 1\n"
        "xen_domain_configured_virt_mode{domain=\"new\",mode=\"pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"new\",mode=\"hvm\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"new\",mode=\"pv_in_pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"old\",mode=\"pv\"} 1\n"
        "xen_domain_configured_virt_mode{domain=\"old\",mode=\"pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"old\",mode=\"hvm\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"old\",mode=\"pv_in_pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"pygrub\",mode=\"pv\"} 1\n"
        "xen_domain_configured_virt_mode{domain=\"pygrub\",mode=\"pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"pygrub\",mode=\"hvm\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"pygrub\",mode=\"pv_in_pvh\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"web\",mode=\"pv\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"web\",mode=\"pvh\"} 1\n"
        "xen_domain_configured_virt_mode{domain=\"web\",mode=\"hvm\"} 0\n"
        "xen_domain_configured_virt_mode{domain=\"web\",mode=\"pv_in_pvh\"} 0\n"
        "# HELP xen_domain_configured_pv_guest_width Address width in bits (32 or 64) of a PV "
        "guest as its xl configuration boots it: the ELF class of its kernel= file, or "
        "firmware=pvgrub32/64. PV configurations of known width only.\n"
        "# TYPE xen_domain_configured_pv_guest_width gauge\n"
        "xen_domain_configured_pv_guest_width{domain=\"new\"} 64\n"
        "xen_domain_configured_pv_guest_width{domain=\"old\"} 32\n"
        "# HELP xen_config_files_failed Domain configuration files that could not be read "
        "or that xl would refuse (1 when the configuration directory itself cannot be read).\n"
        "# TYPE xen_config_files_failed gauge\n"
        "xen_config_files_failed 2\n";
    assert_string_equal(out, want);
    free(out);

    out = render(s, XM_EXPO_OPENMETRICS);
    assert_non_null(strstr(out, "xen_config_files_failed 2\n# EOF\n"));
    free(out);
    xm_config_set_free(s);

    out = render(NULL, XM_EXPO_TEXT);
    assert_null(strstr(out, "xen_domain_configured_virt_mode{"));
    assert_null(strstr(out, "xen_domain_configured_pv_guest_width{"));
    assert_non_null(strstr(out, "\nxen_config_files_failed 1\n"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_binary_data),
        cmocka_unit_test(test_unsafe_inputs),
        cmocka_unit_test(test_names_kept_as_bytes),
        cmocka_unit_test(test_long_messages_are_bounded),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_expo),
    };
    size_t n_rows = sizeof rows / sizeof rows[0], n_fixed = sizeof fixed / sizeof fixed[0];
    struct CMUnitTest *tests = calloc(n_rows + n_fixed, sizeof *tests);
    if (!tests)
        return 1;
    for (size_t i = 0; i < n_rows; i++) {
        tests[i].name = rows[i].desc;
        tests[i].test_func = test_row;
        tests[i].initial_state = (void *)&rows[i];
    }
    memcpy(tests + n_rows, fixed, sizeof fixed);
    int rc = _cmocka_run_group_tests("test_config", tests, n_rows + n_fixed, NULL, NULL);
    free(tests);
    return rc;
}

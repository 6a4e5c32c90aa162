/* cmocka tests of the exporter's service-facing parts: the flag parser
 * (flags in full, --no- switches, the service flags) and the journal
 * detection behind the log's priority prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flag_args.h"
#include "xe_flags.h"
#include "xe_log.h"

static void test_abbreviations_are_unknown(void **state)
{
    (void)state;
    static const char *const abbrev[] = {"--web.listen=:1", "--web.listen-addr", "--log.lev=info",
                                         "--vers", "--h", "--no-xen.conf", "--web.systemd"};
    for (size_t i = 0; i < sizeof abbrev / sizeof abbrev[0]; i++) {
        struct xe_flags f;
        char err[256];
        assert_int_equal(xt_parse_flags(&f, err, sizeof err, abbrev[i], NULL), -1);
        assert_non_null(strstr(err, "unknown or malformed flag"));
        assert_non_null(strstr(err, abbrev[i]));
        xe_flags_free(&f);
    }
}

static void test_service_flags(void **state)
{
    (void)state;
    struct xe_flags f;
    char err[256];
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, NULL), 0);
    assert_false(f.systemd_socket);
    assert_false(f.disable_exporter_metrics);
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--web.systemd-socket",
                           "--web.disable-exporter-metrics", NULL),
                     0);
    assert_true(f.systemd_socket);
    assert_true(f.disable_exporter_metrics);
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--web.systemd-socket", "--no-web.systemd-socket",
                           "--no-xen.cache", "--no-xen.configs", NULL),
                     0);
    assert_false(f.systemd_socket);
    assert_false(f.xen_cache);
    assert_false(f.configs);
    xe_flags_free(&f);
}

static void test_values(void **state)
{
    (void)state;
    struct xe_flags f;
    char err[256];
    /* A value may start with "--" when given as the next word. */
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--web.config.file", "--odd-name.yml", NULL), 0);
    assert_string_equal(f.web_config_file, "--odd-name.yml");
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--web.disable-exporter-metrics=true", NULL), -1);
    assert_non_null(strstr(err, "--web.disable-exporter-metrics=true"));
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--no-web.listen-address=:1", NULL), -1);
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--web.telemetry-path", NULL), -1);
    assert_non_null(strstr(err, "needs a value"));
    xe_flags_free(&f);
    assert_int_equal(xt_parse_flags(&f, err, sizeof err, "--", NULL), -1);
    xe_flags_free(&f);
}

static void test_journal_stream(void **state)
{
    (void)state;
    char path[] = "/tmp/xe-journal-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    assert_true(xe_log_fd_is_journal(js, fd));
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + 1);
    assert_false(xe_log_fd_is_journal(js, fd));
    assert_false(xe_log_fd_is_journal(NULL, fd));
    assert_false(xe_log_fd_is_journal("", fd));
    assert_false(xe_log_fd_is_journal("12", fd));
    snprintf(js, sizeof js, "%llu:%llux", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    assert_false(xe_log_fd_is_journal(js, fd));

    /* A log on that descriptor prefixes every line with its priority. */
    setenv("JOURNAL_STREAM", "0:0", 1);
    struct xe_log log;
    xe_log_init(&log, XE_DEBUG, XE_LOGFMT, fd);
    assert_false(log.journal);
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    xe_log_init(&log, XE_DEBUG, XE_LOGFMT, fd);
    assert_true(log.journal);
    xe_log(&log, XE_ERROR, "e", NULL);
    xe_log(&log, XE_WARN, "w", NULL);
    xe_log(&log, XE_INFO, "i", NULL);
    xe_log(&log, XE_DEBUG, "d", NULL);
    unsetenv("JOURNAL_STREAM");
    char buf[1024] = "";
    assert_true(pread(fd, buf, sizeof buf - 1, 0) > 0);
    const char *want[] = {"<3>ts=", "<4>ts=", "<6>ts=", "<7>ts="};
    const char *line = buf;
    for (size_t i = 0; i < 4; i++) {
        assert_non_null(line);
        assert_memory_equal(line, want[i], strlen(want[i]));
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abbreviations_are_unknown),
        cmocka_unit_test(test_service_flags),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_journal_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

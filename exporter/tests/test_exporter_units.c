/* Table tests of the exporter's pure parts: content negotiation, listen
 * addresses, flags, log line formatting, the web config loader and the
 * gzip round trip. cmocka, one test per module; within a test every table
 * row is checked (check()) and every failing row is printed before the
 * test fails, so one run names them all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "flag_args.h"
#include "xe_flags.h"
#include "xe_gzip.h"
#include "xe_listen.h"
#include "xe_log.h"
#include "xe_negotiate.h"
#include "xe_process.h"

static int rows_failed;

/* One row's assertion: a failure is printed with the row's description and
 * fails the current test at its end_rows(). */
static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int cond, const char *fmt, ...)
{
    if (cond)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("failed: %s\n", msg);
    rows_failed++;
}

static void end_rows(void)
{
    int n = rows_failed;
    rows_failed = 0;
    assert_int_equal(n, 0);
}

static void test_format(void **state)
{
    (void)state;
    static const struct {
        const char *accept;
        enum xm_expo_format want;
    } cases[] = {
        {NULL, XM_EXPO_TEXT},
        {"", XM_EXPO_TEXT},
        {"*/*", XM_EXPO_TEXT},
        {"text/plain", XM_EXPO_TEXT},
        {"application/openmetrics-text", XM_EXPO_OPENMETRICS},
        /* What Prometheus 2.42 sends. */
        {"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
         "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", XM_EXPO_OPENMETRICS},
        {"application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
         XM_EXPO_OPENMETRICS},
        /* Only OpenMetrics 0.0.1 is asked for: we do not produce it. */
        {"application/openmetrics-text;version=0.0.1,text/plain;version=0.0.4;q=0.5",
         XM_EXPO_TEXT},
        {"text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5", XM_EXPO_TEXT},
        {"text/plain;q=0.5,application/openmetrics-text;q=0.9", XM_EXPO_OPENMETRICS},
        {"application/openmetrics-text;q=0", XM_EXPO_TEXT},
        {"application/*", XM_EXPO_OPENMETRICS},
        {"application/*;q=0.4, text/*;q=0.3", XM_EXPO_OPENMETRICS},
        /* The more specific range decides, even with a lower q. */
        {"application/*;q=0.9, application/openmetrics-text;q=0.1, text/plain;q=0.5",
         XM_EXPO_TEXT},
        /* Equal q: the range listed first wins. */
        {"application/openmetrics-text, text/plain", XM_EXPO_OPENMETRICS},
        {"text/plain, application/openmetrics-text", XM_EXPO_TEXT},
        /* Malformed q: that element is ignored. */
        {"application/openmetrics-text;q=2, text/plain;q=0.1", XM_EXPO_TEXT},
        {"application/openmetrics-text;q=abc", XM_EXPO_TEXT},
        {"APPLICATION/OpenMetrics-Text;Version=1.0.0;Q=0.8, text/plain;q=0.2",
         XM_EXPO_OPENMETRICS},
        {"application/openmetrics-text;version=\"1.0.0\";charset=utf-8;q=0.8,text/plain;q=0.7",
         XM_EXPO_OPENMETRICS},
        {"application/openmetrics-text;escaping=\"a,b;c\";q=0.9,text/plain;q=0.5",
         XM_EXPO_OPENMETRICS},
        {",,, ;;", XM_EXPO_TEXT},
        {"garbage", XM_EXPO_TEXT},
        {"text/html", XM_EXPO_TEXT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum xm_expo_format got = xe_negotiate_format(cases[i].accept);
        check(got == cases[i].want, "Accept: %s -> %s", cases[i].accept ? cases[i].accept : "(none)",
              cases[i].want == XM_EXPO_TEXT ? "text" : "openmetrics");
    }
    end_rows();
}

static void test_gzip_negotiation(void **state)
{
    (void)state;
    static const struct {
        const char *ae;
        bool want;
    } cases[] = {
        {NULL, false},
        {"", false},
        {"gzip", true},
        {"gzip, deflate, br", true},
        {"x-gzip", true},
        {"GZIP;q=0.5", false},           /* identity has q 1: preferred */
        {"gzip;q=0.5, identity;q=0.4", true},
        {"gzip;q=0", false},
        {"*", true},
        {"*;q=0", false},
        {"gzip;q=0, *", false},
        {"deflate, br", false},
        {"identity", false},
        {"gzip;q=1.0, identity;q=1", true},
        {"gzip;q=0.001, identity;q=0", true},
        {"gzip;q=1.5", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check(xe_negotiate_gzip(cases[i].ae) == cases[i].want, "Accept-Encoding: %s -> %s",
              cases[i].ae ? cases[i].ae : "(none)", cases[i].want ? "gzip" : "identity");
    end_rows();
}

static void test_listen(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int rc;
        const char *host, *port;
    } cases[] = {
        {":9717", 0, "", "9717"},
        {"127.0.0.1:80", 0, "127.0.0.1", "80"},
        {"[::1]:9717", 0, "::1", "9717"},
        {"[::]:0", 0, "::", "0"},
        {"localhost:9717", 0, "localhost", "9717"},
        {"9717", -1, NULL, NULL},
        {"::1:9717", -1, NULL, NULL},
        {"[::1]9717", -1, NULL, NULL},
        {"[nope]:1", -1, NULL, NULL},
        {":", -1, NULL, NULL},
        {":65536", -1, NULL, NULL},
        {":12a", -1, NULL, NULL},
        {"[::1]:", -1, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xe_listen_addr a;
        char err[256] = "";
        int rc = xe_listen_parse(cases[i].spec, &a, err, sizeof err);
        bool ok = rc == cases[i].rc &&
                  (rc != 0 || (strcmp(a.host, cases[i].host) == 0 &&
                               strcmp(a.port, cases[i].port) == 0)) &&
                  (rc == 0 || strstr(err, cases[i].spec) != NULL);
        check(ok, "listen address \"%s\" %s", cases[i].spec, rc == 0 ? "parses" : "is refused");
    }
    /* Port 0 on loopback: the bound address tells the port chosen. */
    struct xe_listen_addr a;
    char err[256], bound[320] = "";
    xe_listen_parse("127.0.0.1:0", &a, err, sizeof err);
    int fd = xe_listen_open(&a, bound, sizeof bound, err, sizeof err);
    check(fd >= 0 && strncmp(bound, "127.0.0.1:", 10) == 0 && strcmp(bound, "127.0.0.1:0") != 0,
          "listening on 127.0.0.1:0 reports the bound port (%s)", bound);
    if (fd >= 0) {
        char again[64];
        snprintf(again, sizeof again, "%s", bound);
        struct xe_listen_addr b;
        xe_listen_parse(again, &b, err, sizeof err);
        int fd2 = xe_listen_open(&b, NULL, 0, err, sizeof err);
        check(fd2 < 0 && strstr(err, again) && strstr(err, "in use"),
              "a busy port is refused naming the address: %s", err);
        if (fd2 >= 0)
            close(fd2);
        close(fd);
    }
    end_rows();
}

static void test_flags(void **state)
{
    (void)state;
    struct xe_flags f;
    char err[256];

    check(xt_parse_flags(&f, err, sizeof err, NULL) == 0 && f.n_listen == 1 &&
              strcmp(f.listen[0], ":9717") == 0 && strcmp(f.telemetry_path, "/metrics") == 0 &&
              f.max_requests == 40 && f.log_level == XE_INFO && f.log_format == XE_LOGFMT &&
              f.xen_timeout == 5.0,
          "defaults");
    xe_flags_free(&f);
    check(xt_parse_flags(&f, err, sizeof err, "--xen.timeout=1500ms", NULL) == 0 && f.xen_timeout == 1.5,
          "--xen.timeout=1500ms is 1.5 s");
    xe_flags_free(&f);
    check(xt_parse_flags(&f, err, sizeof err, "--xen.timeout", "1m30s", NULL) == 0 && f.xen_timeout == 90,
          "--xen.timeout 1m30s is 90 s");
    xe_flags_free(&f);
    check(xt_parse_flags(&f, err, sizeof err, "--web.listen-address=127.0.0.1:1", "--web.listen-address",
                "[::1]:2", "--web.telemetry-path=/m", "--web.max-requests", "0",
                "--log.level=debug", "--log.format=json", "--web.config.file=w.yml", NULL) == 0 &&
              f.n_listen == 2 && strcmp(f.listen[1], "[::1]:2") == 0 &&
              strcmp(f.telemetry_path, "/m") == 0 && f.max_requests == 0 &&
              f.log_level == XE_DEBUG && f.log_format == XE_JSON &&
              strcmp(f.web_config_file, "w.yml") == 0,
          "every flag, both --flag=value and --flag value, listen address repeated");
    xe_flags_free(&f);
    static const struct {
        const char *arg, *want;
    } bad[] = {
        {"--nope", "--nope"},
        {"-x", "-x"},
        {"--log.level=loud", "--log.level"},
        {"--log.format=xml", "--log.format"},
        {"--web.max-requests=-1", "--web.max-requests"},
        {"--web.max-requests=ten", "--web.max-requests"},
        {"--web.telemetry-path=metrics", "--web.telemetry-path"},
        {"--log.level", "--log.level"},
        {"extra", "extra"},
        {"--version=1", "--version=1"},
        {"--xen.timeout=5", "--xen.timeout"},
        {"--xen.timeout=0s", "--xen.timeout"},
        {"--xen.timeout=2h", "--xen.timeout"},
        {"--xen.timeout=fast", "--xen.timeout"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = xt_parse_flags(&f, err, sizeof err, bad[i].arg, NULL);
        check(rc == -1 && strstr(err, bad[i].want), "%s is refused: %s", bad[i].arg, err);
        xe_flags_free(&f);
    }
    check(xt_parse_flags(&f, err, sizeof err, "--help", NULL) == 0 && f.help, "--help");
    xe_flags_free(&f);
    check(xt_parse_flags(&f, err, sizeof err, "--version", NULL) == 0 && f.version, "--version");
    xe_flags_free(&f);
    end_rows();
}

static void line(struct xm_buf *b, enum xe_log_format fmt, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    xm_buf_reset(b);
    xe_log_format_line(b, fmt, "2024-01-02T03:04:05.678Z", XE_WARN, msg, ap);
    va_end(ap);
}

static void test_log(void **state)
{
    (void)state;
    struct xm_buf b;
    xm_buf_init(&b);
    line(&b, XE_LOGFMT, "hello", "plain", "word", "spaced", "a b", "quote", "say \"hi\"\\",
         "nl", "x\ny", "empty", "", "eq", "a=b", NULL);
    check(strcmp(xm_buf_cstr(&b),
                 "ts=2024-01-02T03:04:05.678Z level=warn msg=hello plain=word spaced=\"a b\" "
                 "quote=\"say \\\"hi\\\"\\\\\" nl=\"x\\ny\" empty=\"\" eq=\"a=b\"\n") == 0,
          "logfmt quotes and escapes values: %s", xm_buf_cstr(&b));
    line(&b, XE_LOGFMT, "collection failed", "err", "bad\x01\xff", NULL);
    check(strcmp(xm_buf_cstr(&b), "ts=2024-01-02T03:04:05.678Z level=warn "
                                  "msg=\"collection failed\" err=\"bad\\u0001\xef\xbf\xbd\"\n") == 0,
          "logfmt: control bytes escaped, invalid UTF-8 replaced");
    line(&b, XE_JSON, "m \"q\"", "k", "v\\", NULL);
    check(strcmp(xm_buf_cstr(&b), "{\"ts\":\"2024-01-02T03:04:05.678Z\",\"level\":\"warn\","
                                  "\"msg\":\"m \\\"q\\\"\",\"k\":\"v\\\\\"}\n") == 0,
          "json line: %s", xm_buf_cstr(&b));
    xm_buf_dispose(&b);
    enum xe_level lv;
    enum xe_log_format lf;
    check(xe_log_parse_level("warn", &lv) == 0 && lv == XE_WARN &&
              xe_log_parse_level("fatal", &lv) == -1 && xe_log_parse_format("json", &lf) == 0 &&
              lf == XE_JSON && xe_log_parse_format("text", &lf) == -1,
          "level and format names");
    end_rows();
}

static void test_gzip(void **state)
{
    (void)state;
    struct xm_buf in, out;
    xm_buf_init(&in);
    xm_buf_init(&out);
    for (int i = 0; i < 5000; i++)
        xm_buf_printf(&in, "xen_domain_virt_mode{domain=\"d%d\",mode=\"pv\"} 1\n", i);
    char err[128];
    int rc = xe_gzip(in.data, in.len, &out, err, sizeof err);
    unsigned char *back = malloc(in.len + 1);
    z_stream zs = {0};
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)out.data;
    zs.avail_in = (uInt)out.len;
    zs.next_out = back;
    zs.avail_out = (uInt)in.len + 1;
    int z = inflate(&zs, Z_FINISH);
    size_t got = in.len + 1 - zs.avail_out;
    inflateEnd(&zs);
    check(rc == 0 && z == Z_STREAM_END && got == in.len && memcmp(back, in.data, in.len) == 0 &&
              out.len < in.len / 5,
          "gzip round trip (%zu -> %zu bytes)", in.len, out.len);
    free(back);
    xm_buf_dispose(&in);
    xm_buf_dispose(&out);
    end_rows();
}

static void test_process(void **state)
{
    (void)state;
    struct xm_buf b;
    xm_buf_init(&b);
    char err[256] = "";
    int rc = xe_process_write(&b, XM_EXPO_TEXT, "/proc", err, sizeof err);
    const char *t = xm_buf_cstr(&b);
    check(rc == 0 && strstr(t, "\nprocess_cpu_seconds_total ") && strstr(t, "\nprocess_open_fds ") &&
              strstr(t, "\nprocess_max_fds ") && strstr(t, "\nprocess_virtual_memory_bytes ") &&
              strstr(t, "\nprocess_resident_memory_bytes ") &&
              strstr(t, "\nprocess_start_time_seconds "),
          "process_* from /proc/self");
    xm_buf_reset(&b);
    rc = xe_process_write(&b, XM_EXPO_OPENMETRICS, "/nonexistent", err, sizeof err);
    check(rc == -1 && b.len == 0 && strncmp(err, "/nonexistent/self/", 18) == 0,
          "an unreadable procfs gives no process_* and an error naming the file (%s)", err);
    xm_buf_dispose(&b);
    end_rows();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_gzip_negotiation),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

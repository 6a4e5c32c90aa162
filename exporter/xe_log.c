/* The exporter's log lines: logfmt as go-kit writes it, or JSON. */
#include "xe_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xenmode/util.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int xe_log_parse_level(const char *s, enum xe_level *out)
{
    for (int i = XE_DEBUG; i <= XE_ERROR; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum xe_level)i;
            return 0;
        }
    }
    return -1;
}

int xe_log_parse_format(const char *s, enum xe_log_format *out)
{
    if (strcmp(s, "logfmt") == 0)
        *out = XE_LOGFMT;
    else if (strcmp(s, "json") == 0)
        *out = XE_JSON;
    else
        return -1;
    return 0;
}

const char *xe_log_level_name(enum xe_level level)
{
    return level >= XE_DEBUG && level <= XE_ERROR ? level_names[level] : "unknown";
}

bool xe_log_fd_is_journal(const char *journal_stream, int fd)
{
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!journal_stream || sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2)
        return false;
    return fstat(fd, &st) == 0 && (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

void xe_log_init(struct xe_log *log, enum xe_level level, enum xe_log_format format, int fd)
{
    log->level = level;
    log->format = format;
    log->fd = fd;
    /* systemd sets JOURNAL_STREAM to the device and inode of the stream it
     * connected; only when this descriptor is that stream does a "<N>"
     * prefix reach the journal as the priority, rather than as text. */
    log->journal = xe_log_fd_is_journal(getenv("JOURNAL_STREAM"), fd);
}

/* syslog(3) priorities: err, warning, info, debug. */
static const char *const journal_prefix[] = {"<7>", "<6>", "<4>", "<3>"};

/* logfmt quotes a value when a reader could not split it otherwise: empty,
 * or containing a space, '=', '"', a control byte or non-ASCII. */
static bool logfmt_needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p >= 0x7f)
            return true;
    return false;
}

/* Escapes shared by quoted logfmt and JSON strings. */
static void put_escaped(struct xm_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': xm_buf_puts(b, "\\\""); break;
        case '\\': xm_buf_puts(b, "\\\\"); break;
        case '\n': xm_buf_puts(b, "\\n"); break;
        case '\r': xm_buf_puts(b, "\\r"); break;
        case '\t': xm_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                xm_buf_printf(b, "\\u%04x", *p);
            else
                xm_buf_putc(b, (char)*p);
        }
    }
}

static void put_value(struct xm_buf *b, enum xe_log_format format, const char *raw)
{
    char *v = xm_utf8_sanitize(raw ? raw : "", NULL);
    if (!v) {
        b->failed = true;
        return;
    }
    if (format == XE_JSON || logfmt_needs_quotes(v)) {
        xm_buf_putc(b, '"');
        put_escaped(b, v);
        xm_buf_putc(b, '"');
    } else {
        xm_buf_puts(b, v);
    }
    free(v);
}

static void put_pair(struct xm_buf *b, enum xe_log_format format, bool first,
                     const char *key, const char *value)
{
    if (format == XE_JSON) {
        xm_buf_puts(b, first ? "{" : ",");
        put_value(b, format, key);
        xm_buf_putc(b, ':');
    } else {
        if (!first)
            xm_buf_putc(b, ' ');
        xm_buf_puts(b, key); /* keys are our own identifiers */
        xm_buf_putc(b, '=');
    }
    put_value(b, format, value);
}

void xe_log_format_line(struct xm_buf *b, enum xe_log_format format, const char *ts,
                        enum xe_level level, const char *msg, va_list kv)
{
    put_pair(b, format, true, "ts", ts);
    put_pair(b, format, false, "level", xe_log_level_name(level));
    put_pair(b, format, false, "msg", msg);
    for (;;) {
        const char *key = va_arg(kv, const char *);
        if (!key)
            break;
        const char *value = va_arg(kv, const char *);
        put_pair(b, format, false, key, value);
    }
    xm_buf_puts(b, format == XE_JSON ? "}\n" : "\n");
}

/* RFC 3339 UTC with milliseconds, as the Go exporters write it. */
static void timestamp(char *out, size_t outsz)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outsz, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

void xe_vlog(const struct xe_log *log, enum xe_level level, const char *msg, va_list kv)
{
    if (!log || level < log->level)
        return;
    char ts[48];
    struct xm_buf b;
    timestamp(ts, sizeof ts);
    xm_buf_init(&b);
    if (log->journal)
        xm_buf_puts(&b, journal_prefix[level]);
    xe_log_format_line(&b, log->format, ts, level, msg, kv);
    if (!xm_buf_failed(&b)) {
        size_t off = 0;
        while (off < b.len) {
            ssize_t n = write(log->fd, b.data + off, b.len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break; /* nowhere left to report it */
            off += (size_t)n;
        }
    }
    xm_buf_dispose(&b);
}

void xe_log(const struct xe_log *log, enum xe_level level, const char *msg, ...)
{
    va_list kv;
    va_start(kv, msg);
    xe_vlog(log, level, msg, kv);
    va_end(kv);
}

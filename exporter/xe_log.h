/*
 * xe_log.h - the exporter's structured log, in the ecosystem's two formats:
 * logfmt (`ts=... level=info msg="..." key=value`) and JSON, one line per
 * event on a file descriptor (stderr), filtered by --log.level.
 *
 * Every line is built in memory and written with one write(), so lines from
 * several threads never interleave. Values are escaped; bytes that are not
 * valid UTF-8 are replaced (names come from xenstore).
 */
#ifndef XE_LOG_H
#define XE_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "xenmode/util.h"

enum xe_level { XE_DEBUG, XE_INFO, XE_WARN, XE_ERROR };
enum xe_log_format { XE_LOGFMT, XE_JSON };

struct xe_log {
    enum xe_level level;
    enum xe_log_format format;
    int fd;
    bool journal; /* fd is the journal's stream: each line starts "<N>" */
};

/* "debug", "info", "warn", "error" / "logfmt", "json": 0, or -1 if unknown. */
int xe_log_parse_level(const char *s, enum xe_level *out);
int xe_log_parse_format(const char *s, enum xe_log_format *out);
const char *xe_log_level_name(enum xe_level level);

/* When JOURNAL_STREAM names fd (systemd connected it to the journal),
 * every line starts with its syslog priority: <3> error, <4> warn, <6>
 * info, <7> debug, so `journalctl -p warning` finds them. */
void xe_log_init(struct xe_log *log, enum xe_level level, enum xe_log_format format, int fd);

/* True when journal_stream ("DEV:INO", JOURNAL_STREAM's form) is fd's
 * device and inode. */
bool xe_log_fd_is_journal(const char *journal_stream, int fd);

/*
 * xe_log
 *
 * Logs msg with key/value string pairs, terminated by a NULL key:
 *   xe_log(log, XE_INFO, "listening", "address", "[::]:9717", NULL);
 * A NULL value is written as an empty string. Nothing is written below the
 * configured level.
 */
void xe_log(const struct xe_log *log, enum xe_level level, const char *msg, ...)
    __attribute__((sentinel));
void xe_vlog(const struct xe_log *log, enum xe_level level, const char *msg, va_list kv);

/*
 * xe_log_format_line
 *
 * The pure part: appends one complete line (with the newline) to b.
 * ts is the timestamp text. Exposed for the unit tests.
 */
void xe_log_format_line(struct xm_buf *b, enum xe_log_format format, const char *ts,
                        enum xe_level level, const char *msg, va_list kv);

#endif

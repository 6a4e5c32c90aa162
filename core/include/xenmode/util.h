/*
 * xenmode/util.h - the vocabulary every part of the core and every front
 * end shares: the modes, the error type, a growable byte buffer, a vector
 * of owned strings, UTF-8 checks. No I/O, no Xen.
 *
 * Teardown verbs, throughout the core: *_free() releases a heap object
 * the library allocated (and accepts NULL); *_dispose() releases what a
 * caller-owned struct holds, leaving the struct itself to the caller;
 * *_close() drops a connection that a later call may reopen.
 *
 * Sources: core/util/ (xm_mode.c, xm_error.c, xm_buf.c, xm_strvec.c,
 * xm_utf8.c, xm_unique.c, xm_time.c).
 */
#ifndef XENMODE_UTIL_H
#define XENMODE_UTIL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- Modes (xm_mode.c) ---------------------------------------------- */

enum xm_mode {
    XM_MODE_PV,
    XM_MODE_PVH,
    XM_MODE_HVM,
    XM_MODE_PVHVM,
    XM_MODE_PV_IN_PVH,
    XM_MODE_COUNT
};

/* "pv", "pvh", "hvm", "pvhvm", "pv_in_pvh"; NULL for an out-of-range value. */
const char *xm_mode_name(enum xm_mode mode);
/* Inverse of xm_mode_name(); returns -1 for an unknown name. */
int xm_mode_from_name(const char *name);
/* Whether an xl configuration can ask for mode: all but pvhvm. Walk
 * 0..XM_MODE_COUNT with it rather than writing the modes out again. */
bool xm_mode_configurable(enum xm_mode mode);

/* ---- Errors (xm_error.c) --------------------------------------------- */

/* The core never prints and never exits: failures come back as an xm_error
 * (code + one-line message) for the front end to show. */
enum xm_err {
    XM_OK = 0,
    XM_ERR_NOXEN,     /* no hypervisor / no privcmd: libxl context cannot open */
    XM_ERR_LIBXL,     /* libxl opened but a call failed (e.g. listing) */
    XM_ERR_XENSTORE,  /* xenstore unreachable or the connection broke */
    XM_ERR_NOMEM,
    XM_ERR_INVALID,   /* bad argument or bad input data */
    XM_ERR_IO,        /* a file could not be read */
    XM_ERR_TIMEOUT,   /* xenstored (or a snapshot already waiting on it) did not
                         answer within the collector's deadline */
};

struct xm_error {
    enum xm_err code;
    char message[512]; /* one line, no trailing newline */
};

/* Fills err (may be NULL) with code and a formatted one-line message;
 * returns code, so `return xm_set_error(err, ...)` reads naturally. */
int xm_set_error(struct xm_error *err, enum xm_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- Byte buffer (xm_buf.c) ------------------------------------------ */

/*
 * Appends never truncate: names are arbitrary bytes, so the buffer grows or
 * records the failure. After an allocation failure every later append is a
 * no-op and xm_buf_failed() is true; the caller checks once at the end.
 */
struct xm_buf {
    char *data;   /* NUL-terminated when len > 0 or after xm_buf_cstr() */
    size_t len;
    size_t cap;
    bool failed;
};

void xm_buf_init(struct xm_buf *b);
void xm_buf_dispose(struct xm_buf *b);
void xm_buf_reset(struct xm_buf *b);  /* len = 0, keeps the memory */
void xm_buf_append(struct xm_buf *b, const void *data, size_t len);
/* Makes room for extra more bytes at once (a page of known size grows in
 * one allocation instead of a dozen doublings). */
void xm_buf_reserve(struct xm_buf *b, size_t extra);
void xm_buf_puts(struct xm_buf *b, const char *s);
void xm_buf_putc(struct xm_buf *b, char c);
void xm_buf_printf(struct xm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the contents as a C string ("" when empty); NULL after a failure. */
const char *xm_buf_cstr(struct xm_buf *b);
/* Hands the malloc'd contents to the caller and resets b; NULL on failure. */
char *xm_buf_steal(struct xm_buf *b);
static inline bool xm_buf_failed(const struct xm_buf *b) { return b->failed; }

/* ---- String vector (xm_strvec.c): the evidence lists ----------------- */

struct xm_strvec {
    char **items;
    size_t n;
    size_t cap;
    bool failed; /* an allocation failed; later adds are no-ops */
};

void xm_strvec_init(struct xm_strvec *v);
void xm_strvec_dispose(struct xm_strvec *v);
void xm_strvec_addf(struct xm_strvec *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves the items out (caller frees each and the array); v is reset. */
char **xm_strvec_steal(struct xm_strvec *v, size_t *n);

/*
 * xm_quote_value: writes s into out (size outsz) as a printable token for
 * evidence lines: bytes outside printable ASCII become \xNN, and a value
 * longer than fits is cut with "..." - evidence is for people, the full
 * value is never used for decisions after quoting.
 */
void xm_quote_value(const char *s, char *out, size_t outsz);

/* ---- UTF-8 (xm_utf8.c) ----------------------------------------------- */

/*
 * xm_utf8_sanitize
 *
 * Returns a newly allocated copy of s in which every byte that is not part
 * of a valid UTF-8 sequence is replaced by U+FFFD. Exposition formats and
 * JSON require valid UTF-8; callers that present names use this.
 * *changed (may be NULL) tells whether anything was replaced.
 * RETURN VALUE: the copy (free() it), or NULL on allocation failure.
 */
char *xm_utf8_sanitize(const char *s, bool *changed);

/*
 * xm_utf8_seq_len
 *
 * Length of the valid UTF-8 sequence at s (1-4), or 0 if it is invalid:
 * overlong forms, surrogates and code points above U+10FFFF are rejected,
 * as Go's utf8.ValidString (Prometheus) and jansson do. s must be
 * NUL-terminated (the NUL stops a truncated sequence).
 */
size_t xm_utf8_seq_len(const unsigned char *s);

/* ---- Unique labels (xm_unique.c) ------------------------------------ */

/* Returns a new string: label with "~" + tag appended (the caller may cut
 * label first to respect a length limit, never the tag), or NULL when out
 * of memory. tag never contains '~'. */
typedef char *(*xm_unique_suffix_fn)(const char *label, const char *tag, void *ctx);

/*
 * xm_unique_labels
 *
 * Makes the n labels (malloc'd strings, replaced in place) distinct, so
 * that every item is published under a label of its own. ids (domids) are
 * distinct. The rule depends only on the set of (label, id) pairs, never on
 * their order:
 *   - a label no other item has is kept as it is;
 *   - of the items sharing a label, the lowest id keeps it and each other
 *     gets suffix(label, "<id>"), or suffix(label, "<id>.<k>") with the
 *     smallest k >= 1 for which the result is not a label kept by another
 *     item (a domain may be named "web~7").
 * renamed (may be NULL, n entries) tells which items got a suffix.
 * RETURN VALUE: 0, or -1 when out of memory (labels are then unchanged).
 */
int xm_unique_labels(char **labels, const uint32_t *ids, size_t n, xm_unique_suffix_fn suffix,
                     void *ctx, bool *renamed);

/* ---- Time (xm_time.c) ------------------------------------------------ */

/* CLOCK_MONOTONIC in seconds: for durations, never for dates. */
double xm_monotonic_seconds(void);
/* A monotonic instant as the struct timespec of clock_nanosleep and
 * pthread_cond_timedwait (CLOCK_MONOTONIC condvars); an infinite or absurd
 * t is clamped a year on. */
struct timespec xm_monotonic_timespec(double t);
/* Locks m, waiting no later than deadline (xm_monotonic_seconds(); INFINITY
 * waits as long as it takes). RETURN VALUE: true when locked. */
bool xm_lock_until(pthread_mutex_t *m, double deadline);

#endif

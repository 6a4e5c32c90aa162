/*
 * xm_deadline.h - the collector's watchdog: a snapshot that has not
 * finished by its deadline gets the xenstored sockets it talks through
 * shut down, so whatever libxenstore call is blocked (in read(), or on the
 * reply condvar of a handle with a reader thread) returns an error at once.
 *
 * Why shutdown(2) of a dup: libxenstore keeps its socket private and may
 * close it itself after an error; the watchdog holds its own duplicate of
 * each socket, so it never acts on a descriptor number that another thread
 * may have reused, and shutting the duplicate down ends the connection for
 * every descriptor of it. The sockets are found by comparing the process's
 * descriptors before and after the call that opens them (xs_open,
 * libxl_ctx_alloc) and keeping the new ones that are unix stream sockets
 * connected to xenstored's path.
 */
#ifndef XM_DEADLINE_H
#define XM_DEADLINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Which connection a guarded socket belongs to, so closing one connection
 * releases only its own sockets. */
enum xm_guard_owner { XM_GUARD_XS, XM_GUARD_LIBXL };

struct xm_guard {
    int fd; /* our dup of the socket */
    enum xm_guard_owner owner;
};

struct xm_deadline {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    pthread_t thread;
    bool started;
    bool stopping;
    bool armed;
    bool fired;        /* the armed deadline passed: sockets were shut down */
    bool interrupted;  /* xm_deadline_interrupt: every deadline has passed */
    double deadline;   /* xm_monotonic_seconds() */
    double wait_until; /* when the thread's current wait ends (INFINITY: untimed) */
    struct xm_guard guards[8];
    size_t n_guards;
};

/* The descriptors open at one moment, each with the identity of what it
 * refers to: another thread may close a descriptor and the call being
 * watched get the same number back, so a number alone cannot say which
 * descriptors are new. Sorted by fd. */
struct xm_fd_id {
    int fd;
    dev_t dev;
    ino_t ino;
};
struct xm_fdset {
    struct xm_fd_id *fds;
    size_t n;
};

/* RETURN VALUE: 0, or -1 (errno set) when the lock or condvar cannot be made. */
int xm_deadline_init(struct xm_deadline *d);
/* Stops the thread and closes every guarded dup. */
void xm_deadline_dispose(struct xm_deadline *d);

/* Arms the watchdog until deadline (monotonic seconds); the thread is
 * started on first use. RETURN VALUE: 0, or -1 when no thread could be
 * started (the snapshot then runs unguarded). */
int xm_deadline_arm(struct xm_deadline *d, double deadline);
/* Disarms; true when the deadline passed while armed. */
bool xm_deadline_disarm(struct xm_deadline *d);
/* For a front end that is stopping: the armed deadline passes now, and
 * every later one at once. */
void xm_deadline_interrupt(struct xm_deadline *d);
bool xm_deadline_interrupted(struct xm_deadline *d);

/* Records the open descriptors (best effort: an empty set on failure). */
void xm_fdset_take(struct xm_fdset *s);
void xm_fdset_dispose(struct xm_fdset *s);
/* Guards every descriptor not in before (by number and identity) that is a
 * unix stream socket connected to sockpath. RETURN VALUE: how many were adopted. */
size_t xm_deadline_adopt(struct xm_deadline *d, const struct xm_fdset *before,
                         const char *sockpath, enum xm_guard_owner owner);
/* Closes the dups of one connection (it is being closed). */
void xm_deadline_release(struct xm_deadline *d, enum xm_guard_owner owner);

#endif

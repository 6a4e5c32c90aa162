/* The snapshot watchdog (core/host/xm_deadline.c) on real sockets: a unix
 * listener stands for xenstored, a client connected to it for the
 * connection libxenstore opens. A read() blocked on that client returns
 * once the armed deadline passes; only sockets connected to the given
 * path are adopted, even on a descriptor number that was open before under
 * another socket; interrupt ends a wait at once; the time helpers keep
 * their bounds. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "host/xm_deadline.h"
#include "xenmode/util.h"

struct listener {
    char dir[64];
    char path[96];
    int fd;
};

static void listener_open(struct listener *l)
{
    snprintf(l->dir, sizeof l->dir, "/tmp/xm-deadline.XXXXXX");
    assert_non_null(mkdtemp(l->dir));
    snprintf(l->path, sizeof l->path, "%.80s/socket", l->dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", l->path);
    l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(l->fd >= 0);
    assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(l->fd, 4), 0);
}

static void listener_close(struct listener *l)
{
    close(l->fd);
    unlink(l->path);
    rmdir(l->dir);
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%.100s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* A listener and a watchdog, ready. */
static void setup_both(struct listener *l, struct xm_deadline *d)
{
    listener_open(l);
    assert_int_equal(xm_deadline_init(d), 0);
}

/* A client of l adopted by d; pair (unless NULL) is a socketpair made in
 * the same window, which must not be adopted. */
static int adopt_client(struct xm_deadline *d, const struct listener *l,
                        enum xm_guard_owner owner, int pair[2])
{
    struct xm_fdset before;
    xm_fdset_take(&before);
    int fd = connect_to(l->path);
    if (pair)
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    assert_int_equal(xm_deadline_adopt(d, &before, l->path, owner), 1);
    xm_fdset_dispose(&before);
    return fd;
}

/* A read that nobody answers returns (EOF) once the deadline passes. */
static void blocked_read_returns_at_deadline(void **state)
{
    (void)state;
    struct listener l;
    struct xm_deadline d;
    int other[2];
    setup_both(&l, &d);
    int fd = adopt_client(&d, &l, XM_GUARD_XS, other);

    double start = xm_monotonic_seconds();
    assert_int_equal(xm_deadline_arm(&d, start + 0.2), 0);
    char c;
    ssize_t n = read(fd, &c, 1);
    double took = xm_monotonic_seconds() - start;
    assert_int_equal(n, 0);
    assert_true(took >= 0.15 && took < 5);
    assert_true(xm_deadline_disarm(&d));

    /* The socketpair was left alone. */
    assert_int_equal(write(other[0], "x", 1), 1);
    assert_int_equal(read(other[1], &c, 1), 1);

    /* Disarmed in time: not fired, the connection still works. */
    xm_deadline_release(&d, XM_GUARD_XS);
    close(fd);
    fd = adopt_client(&d, &l, XM_GUARD_LIBXL, NULL);
    assert_int_equal(xm_deadline_arm(&d, xm_monotonic_seconds() + 30), 0);
    assert_false(xm_deadline_disarm(&d));
    assert_int_equal(write(fd, "x", 1), 1);

    close(fd);
    close(other[0]);
    close(other[1]);
    xm_deadline_dispose(&d);
    listener_close(&l);
}

/* Another thread closes a descriptor after the set before was taken and
 * xs_open gets the same number back (collectd's csv plugin opens and
 * closes a file per write): the connection is new all the same, and a
 * read blocked on it still ends at the deadline. */
static void reused_descriptor_number_is_adopted(void **state)
{
    (void)state;
    struct listener l;
    struct xm_deadline d;
    setup_both(&l, &d);
    int pair[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    struct xm_fdset before;
    xm_fdset_take(&before);
    int reused = pair[1];
    close(pair[1]);
    int fd = connect_to(l.path);
    assert_int_equal(fd, reused);
    assert_int_equal(xm_deadline_adopt(&d, &before, l.path, XM_GUARD_XS), 1);
    xm_fdset_dispose(&before);

    assert_int_equal(xm_deadline_arm(&d, xm_monotonic_seconds() + 0.1), 0);
    char c;
    assert_int_equal(read(fd, &c, 1), 0);
    assert_true(xm_deadline_disarm(&d));

    close(fd);
    close(pair[0]);
    xm_deadline_dispose(&d);
    listener_close(&l);
}

struct reader {
    int fd;
    ssize_t n;
};

static void *read_one(void *arg)
{
    struct reader *r = arg;
    char c;
    r->n = read(r->fd, &c, 1);
    return NULL;
}

/* Interrupt ends the armed wait now, and later arms fire at once. */
static void interrupt_ends_the_wait(void **state)
{
    (void)state;
    struct listener l;
    struct xm_deadline d;
    setup_both(&l, &d);
    struct reader r = {.fd = adopt_client(&d, &l, XM_GUARD_XS, NULL), .n = -2};

    double start = xm_monotonic_seconds();
    assert_int_equal(xm_deadline_arm(&d, start + 60), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_one, &r), 0);
    assert_false(xm_deadline_interrupted(&d));
    xm_deadline_interrupt(&d);
    pthread_join(t, NULL);
    assert_int_equal(r.n, 0);
    assert_true(xm_monotonic_seconds() - start < 30);
    assert_true(xm_deadline_disarm(&d));
    assert_true(xm_deadline_interrupted(&d));
    assert_int_equal(xm_deadline_arm(&d, xm_monotonic_seconds() + 60), 0);
    assert_true(xm_deadline_disarm(&d));

    close(r.fd);
    xm_deadline_dispose(&d);
    listener_close(&l);
}

/* xm_lock_until: gives up at the deadline, locks a free mutex at once. */
static void lock_until_bounds(void **state)
{
    (void)state;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    assert_true(xm_lock_until(&m, xm_monotonic_seconds() + 1));
    double start = xm_monotonic_seconds();
    /* Held (by us): a second lock waits until the deadline, then fails. */
    assert_false(xm_lock_until(&m, start + 0.1));
    double took = xm_monotonic_seconds() - start;
    assert_true(took >= 0.09 && took < 5);
    pthread_mutex_unlock(&m);
    assert_true(xm_lock_until(&m, start - 1)); /* free: no wait needed */
    pthread_mutex_unlock(&m);

    struct timespec ts = xm_monotonic_timespec(1.25);
    assert_int_equal(ts.tv_sec, 1);
    assert_int_equal(ts.tv_nsec, 250000000L);
    ts = xm_monotonic_timespec(1.0 / 0.0);
    assert_true(ts.tv_sec > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocked_read_returns_at_deadline),
        cmocka_unit_test(reused_descriptor_number_is_adopted),
        cmocka_unit_test(interrupt_ends_the_wait),
        cmocka_unit_test(lock_until_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

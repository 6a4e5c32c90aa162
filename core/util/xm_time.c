#include "xenmode/util.h"

#include <math.h>
#include <time.h>

double xm_monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec xm_monotonic_timespec(double t)
{
    double cap = xm_monotonic_seconds() + 365.0 * 86400;
    if (!(t < cap)) /* also NaN */
        t = cap;
    if (t < 0)
        t = 0;
    double whole = floor(t);
    struct timespec ts = {.tv_sec = (time_t)whole, .tv_nsec = (long)((t - whole) * 1e9)};
    if (ts.tv_nsec > 999999999L)
        ts.tv_nsec = 999999999L;
    return ts;
}

/* Polls with trylock rather than pthread_mutex_clocklock: valgrind's
 * helgrind and drd do not know clocklock (they would report every unlock
 * as one of a lock not held), and pthread_mutex_timedlock's CLOCK_REALTIME
 * deadline moves when the clock is set. Waiting is rare (two callers
 * collecting at once) and the sleep is short. */
bool xm_lock_until(pthread_mutex_t *m, double deadline)
{
    if (isinf(deadline) && deadline > 0)
        return pthread_mutex_lock(m) == 0;
    long nap_ns = 500000;
    for (;;) {
        if (pthread_mutex_trylock(m) == 0)
            return true;
        double left = deadline - xm_monotonic_seconds();
        if (left <= 0)
            return false;
        struct timespec nap = {0, left * 1e9 < nap_ns ? (long)(left * 1e9) + 1 : nap_ns};
        nanosleep(&nap, NULL);
        if (nap_ns < 8000000)
            nap_ns *= 2;
    }
}

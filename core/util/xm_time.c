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

bool xm_lock_until(pthread_mutex_t *m, double deadline)
{
    if (isinf(deadline) && deadline > 0)
        return pthread_mutex_lock(m) == 0;
    struct timespec ts = xm_monotonic_timespec(deadline);
    return pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &ts) == 0;
}

/*
 * xe_ratelimit.h - rate_limit of the web config: a token bucket holding up
 * to burst tokens, one added every interval (Go's rate.Limiter as
 * exporter-toolkit uses it); a request without a token gets 429.
 */
#ifndef XE_RATELIMIT_H
#define XE_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct xe_ratelimit {
    pthread_mutex_t lock;
    uint64_t interval_ns; /* 0: no limit */
    unsigned burst;
    double tokens;
    uint64_t last_ns;
};

void xe_ratelimit_init(struct xe_ratelimit *r, uint64_t interval_ns, unsigned burst);
void xe_ratelimit_dispose(struct xe_ratelimit *r);

/* Takes a token when there is one. now_ns: a monotonic clock. */
bool xe_ratelimit_allow(struct xe_ratelimit *r, uint64_t now_ns);

#endif

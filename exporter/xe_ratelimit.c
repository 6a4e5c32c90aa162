/* Token bucket for rate_limit. */
#include "xe_ratelimit.h"

void xe_ratelimit_init(struct xe_ratelimit *r, uint64_t interval_ns, unsigned burst)
{
    pthread_mutex_init(&r->lock, NULL);
    r->interval_ns = interval_ns;
    r->burst = burst;
    r->tokens = burst; /* starts full, as rate.NewLimiter */
    r->last_ns = 0;
}

void xe_ratelimit_dispose(struct xe_ratelimit *r)
{
    pthread_mutex_destroy(&r->lock);
}

bool xe_ratelimit_allow(struct xe_ratelimit *r, uint64_t now_ns)
{
    if (!r->interval_ns)
        return true;
    pthread_mutex_lock(&r->lock);
    if (r->last_ns && now_ns > r->last_ns)
        r->tokens += (double)(now_ns - r->last_ns) / (double)r->interval_ns;
    if (r->tokens > r->burst)
        r->tokens = r->burst;
    r->last_ns = now_ns;
    bool ok = r->tokens >= 1.0;
    if (ok)
        r->tokens -= 1.0;
    pthread_mutex_unlock(&r->lock);
    return ok;
}

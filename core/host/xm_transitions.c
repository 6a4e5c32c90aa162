/* Mode transitions counted between the snapshots a long-running front end
 * takes (see xenmode/host.h). One entry per domain of the last snapshot,
 * sorted by domid like the snapshot itself, so an update is one merge walk
 * and memory follows the host, not the history. */
#include <stdlib.h>
#include <string.h>

#include "xenmode/host.h"

struct xm_transition_entry {
    uint32_t domid;
    char uuid[37];
    enum xm_mode mode; /* in the last snapshot */
    unsigned long counts[XM_MODE_COUNT][XM_MODE_COUNT];
};

struct xm_transitions {
    struct xm_transition_entry *entries;
    size_t n;
};

int xm_transitions_new(struct xm_transitions **out, struct xm_error *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory for the transition counts");
    return XM_OK;
}

static const struct xm_transition_entry *find(const struct xm_transition_entry *e, size_t n,
                                              uint32_t domid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].domid == domid)
            return &e[mid];
        if (e[mid].domid < domid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int xm_transitions_update(struct xm_transitions *t, const struct xm_snapshot *s,
                          struct xm_error *err)
{
    struct xm_transition_entry *next = NULL;
    if (s->n_domains > 0) {
        next = calloc(s->n_domains, sizeof *next);
        if (!next)
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory for the transition counts");
    }
    for (size_t i = 0; i < s->n_domains; i++) {
        const struct xm_domain *d = &s->domains[i];
        struct xm_transition_entry *e = &next[i];
        const struct xm_transition_entry *old = find(t->entries, t->n, d->domid);
        /* A domid reused by a new domain (another uuid) starts from zero. */
        if (old && strcmp(old->uuid, d->uuid) == 0) {
            *e = *old;
            if (old->mode != d->mode && old->mode < XM_MODE_COUNT && d->mode < XM_MODE_COUNT)
                e->counts[old->mode][d->mode]++;
        }
        e->domid = d->domid;
        memcpy(e->uuid, d->uuid, sizeof e->uuid);
        e->mode = d->mode;
    }
    free(t->entries);
    t->entries = next;
    t->n = s->n_domains;
    return XM_OK;
}

unsigned long xm_transitions_get(const struct xm_transitions *t, const struct xm_domain *d,
                                 enum xm_mode from, enum xm_mode to)
{
    if (!t || from >= XM_MODE_COUNT || to >= XM_MODE_COUNT)
        return 0;
    const struct xm_transition_entry *e = find(t->entries, t->n, d->domid);
    if (!e || strcmp(e->uuid, d->uuid) != 0)
        return 0;
    return e->counts[from][to];
}

bool xm_transitions_reported(const struct xm_transitions *t, const struct xm_domain *d,
                             enum xm_mode from, enum xm_mode to, unsigned long *count)
{
    if (from == to)
        return false;
    *count = xm_transitions_get(t, d, from, to);
    bool driver_pair = (from == XM_MODE_HVM && to == XM_MODE_PVHVM) ||
                       (from == XM_MODE_PVHVM && to == XM_MODE_HVM);
    return *count > 0 || (driver_pair && d->hvm_flag);
}

void xm_transitions_free(struct xm_transitions *t)
{
    if (!t)
        return;
    free(t->entries);
    free(t);
}

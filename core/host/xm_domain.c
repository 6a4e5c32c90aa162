#include "xm_domain.h"

#include "xm_agent.h"

#include <stdlib.h>
#include <string.h>

void xm_domain_dispose(struct xm_domain *d)
{
    free(d->name);
    for (size_t i = 0; i < d->n_devices; i++)
        free(d->devices[i].kind);
    free(d->devices);
    for (size_t i = 0; i < d->n_evidence; i++)
        free(d->evidence[i]);
    free(d->evidence);
    xm_agent_dispose(&d->agent);
}

bool xm_domain_copy(struct xm_domain *dst, const struct xm_domain *src)
{
    memset(dst, 0, sizeof *dst);
    dst->domid = src->domid;
    memcpy(dst->uuid, src->uuid, sizeof dst->uuid);
    dst->hvm_flag = src->hvm_flag;
    dst->mode = src->mode;
    dst->dom0 = src->dom0;
    dst->pv_width_bits = src->pv_width_bits;
    dst->paging = src->paging;
    dst->width_final_ = src->width_final_;
    dst->start_time = src->start_time;
    dst->name = strdup(src->name);
    dst->devices = calloc(src->n_devices ? src->n_devices : 1, sizeof *dst->devices);
    dst->evidence = calloc(src->n_evidence ? src->n_evidence : 1, sizeof *dst->evidence);
    if (!dst->name || !dst->devices || !dst->evidence || !xm_agent_copy(&dst->agent, &src->agent))
        goto fail;
    for (size_t i = 0; i < src->n_devices; i++) {
        dst->devices[i] = src->devices[i];
        if (!(dst->devices[i].kind = strdup(src->devices[i].kind)))
            goto fail;
        dst->n_devices++;
    }
    for (size_t i = 0; i < src->n_evidence; i++) {
        if (!(dst->evidence[i] = strdup(src->evidence[i])))
            goto fail;
        dst->n_evidence++;
    }
    return true;
fail:
    xm_domain_dispose(dst);
    memset(dst, 0, sizeof *dst);
    return false;
}

struct xm_snapshot_block *xm_block_new(struct xm_domain *domains, size_t n)
{
    struct xm_snapshot_block *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->refs = 1;
    b->domains = domains;
    b->n = n;
    return b;
}

void xm_block_ref(struct xm_snapshot_block *b)
{
    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
}

void xm_block_unref(struct xm_snapshot_block *b)
{
    if (!b || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (size_t i = 0; i < b->n; i++)
        xm_domain_dispose(&b->domains[i]);
    free(b->domains);
    free(b);
}

struct xm_snapshot *xm_snapshot_wrap(struct xm_snapshot_block *block)
{
    struct xm_snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    xm_block_ref(block);
    s->block_ = block;
    s->domains = block->domains;
    s->n_domains = block->n;
    return s;
}

void xm_snapshot_free(struct xm_snapshot *snap)
{
    if (!snap)
        return;
    xm_block_unref(snap->block_); /* every snapshot wraps a block */
    free(snap);
}

const struct xm_devcount *xm_domain_devcount(const struct xm_domain *d,
                                             const char *kind)
{
    for (size_t i = 0; i < d->n_devices; i++)
        if (strcmp(d->devices[i].kind, kind) == 0)
            return &d->devices[i];
    return NULL;
}

/* xm_unique_labels: one label per item, deterministic (see xenmode/util.h). */
#include "xenmode/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
    const char *label;
    uint32_t id;
    size_t index; /* into the caller's arrays */
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    if (c)
        return c;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A derived label is "<label>~<tag>" (possibly cut before the '~' by the
 * caller's suffix function); the tag has no '~', so two derived labels are
 * equal only with equal tags, and tags differ between items (the id) and
 * between attempts (".k"). Checking each against the kept labels therefore
 * ends after at most n_kept + 1 attempts. */
static char *derive(const char *label, uint32_t id, const char *const *kept, size_t n_kept,
                    xm_unique_suffix_fn suffix, void *ctx)
{
    for (size_t k = 0;; k++) {
        char tag[48];
        if (k == 0)
            snprintf(tag, sizeof tag, "%" PRIu32, id);
        else
            snprintf(tag, sizeof tag, "%" PRIu32 ".%zu", id, k);
        char *cand = suffix(label, tag, ctx);
        if (!cand || !bsearch(&cand, kept, n_kept, sizeof *kept, cmp_str))
            return cand;
        free(cand);
    }
}

int xm_unique_labels(char **labels, const uint32_t *ids, size_t n, xm_unique_suffix_fn suffix,
                     void *ctx, bool *renamed)
{
    struct item *v = calloc(n ? n : 1, sizeof *v);
    const char **kept = calloc(n ? n : 1, sizeof *kept);
    char **derived = calloc(n ? n : 1, sizeof *derived);
    int rc = -1;
    if (!v || !kept || !derived)
        goto out;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct item){labels[i], ids[i], i};
    qsort(v, n, sizeof *v, cmp_item);

    /* The lowest id of each label keeps it; sorted, as v is. */
    size_t n_kept = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(v[i].label, v[i - 1].label) != 0)
            kept[n_kept++] = v[i].label;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(v[i].label, v[i - 1].label) != 0)
            continue;
        derived[v[i].index] = derive(v[i].label, v[i].id, kept, n_kept, suffix, ctx);
        if (!derived[v[i].index])
            goto out;
    }
    /* Only now replace: kept points into labels. */
    for (size_t i = 0; i < n; i++) {
        if (renamed)
            renamed[i] = derived[i] != NULL;
        if (derived[i]) {
            free(labels[i]);
            labels[i] = derived[i];
            derived[i] = NULL;
        }
    }
    rc = 0;
out:
    if (derived)
        for (size_t i = 0; i < n; i++)
            free(derived[i]);
    free(derived);
    free(kept);
    free(v);
    return rc;
}

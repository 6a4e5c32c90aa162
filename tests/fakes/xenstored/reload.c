/* Reloading the fixture: the live store is brought to the new fixture's
 * content node by node, so watchers see the changes a real toolstack's
 * writes and removals would cause, not a wholesale replacement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "watch.h"

struct pathlist {
    char **paths;
    size_t n, cap;
};

static int pathlist_add(struct pathlist *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->paths, cap * sizeof(*p));
        if (!p)
            return ENOMEM;
        l->paths = p;
        l->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return ENOMEM;
    l->paths[l->n++] = copy;
    return 0;
}

static void pathlist_free(struct pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
}

struct removal_ctx {
    const struct store *next;
    struct pathlist gone;
};

/* Collects the top of every live subtree the new fixture lacks: removing
 * those removes the rest, firing exact events for the descendants. */
static int find_removed(const struct node *n, void *arg)
{
    struct removal_ctx *rc = arg;
    if (store_get(rc->next, n->path))
        return 0;
    char parent[XENSTORE_ABS_PATH_MAX + 1];
    memcpy(parent, n->path, n->pathlen + 1);
    char *slash = strrchr(parent, '/');
    slash[slash == parent ? 1 : 0] = '\0';
    if (!store_get(rc->next, parent))
        return 0;   /* an ancestor is already on the list */
    return pathlist_add(&rc->gone, n->path);
}

/* Creates or updates one node of the new fixture in the live store. The
 * walk is pre-order, so a parent is in place before its children and a
 * watcher sees each new node appear on its own. */
static int apply_node(const struct node *n, void *arg)
{
    struct store *live = arg;
    const struct node *cur = store_get(live, n->path);
    if (cur && cur->vlen == n->vlen &&
        (n->vlen == 0 || memcmp(cur->value, n->value, n->vlen) == 0))
        return 0;
    return store_write(live, n->path, n->value, n->vlen);
}

static bool domain_present(const struct store *s, unsigned int domid)
{
    char path[32];
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    return store_get(s, path) != NULL;
}

/* Union of both lists with each domid's presence before the change. */
struct candidates {
    unsigned int *ids;
    bool *before;
    size_t n;
};

static int candidates_collect(struct candidates *c, const struct store *live,
                              const struct domlist *a, const struct domlist *b)
{
    c->n = 0;
    c->ids = malloc((a->n + b->n + 1) * sizeof(*c->ids));
    c->before = malloc((a->n + b->n + 1) * sizeof(*c->before));
    if (!c->ids || !c->before)
        return ENOMEM;
    for (size_t i = 0; i < a->n + b->n; i++) {
        unsigned int id = i < a->n ? a->ids[i] : b->ids[i - a->n];
        size_t j;
        for (j = 0; j < c->n && c->ids[j] != id; j++)
            ;
        if (j < c->n)
            continue;
        c->ids[c->n] = id;
        c->before[c->n++] = domain_present(live, id);
    }
    return 0;
}

int server_reload(struct server *srv, char *err, size_t errlen)
{
    struct store next;
    struct domlist doms;
    if (fixture_load(srv->fixture, &next, &doms, err, errlen) != 0)
        return -1;

    struct candidates cand = { 0 };
    struct removal_ctx rc = { .next = &next };
    int e = candidates_collect(&cand, &srv->store, &srv->domains, &doms);
    if (!e)
        e = store_walk(&srv->store, "/", find_removed, &rc);
    /* From here on the live store changes; an allocation failure can leave
     * it half-way, which the error reply reports. */
    for (size_t i = 0; !e && i < rc.gone.n; i++)
        e = store_rm(&srv->store, rc.gone.paths[i]);
    if (!e)
        e = store_walk(&next, "/", apply_node, &srv->store);
    if (!e) {
        /* xenstored fires one special event per domain released or
         * introduced; special events are never merged. */
        for (size_t i = 0; i < cand.n; i++)
            if (cand.before[i] && !domain_present(&srv->store, cand.ids[i]))
                watch_fire(srv->conns, "@releaseDomain", true);
        for (size_t i = 0; i < cand.n; i++)
            if (!cand.before[i] && domain_present(&srv->store, cand.ids[i]))
                watch_fire(srv->conns, "@introduceDomain", true);
    }
    free(cand.ids);
    free(cand.before);
    pathlist_free(&rc.gone);
    store_free(&next);
    if (e) {
        domlist_free(&doms);
        snprintf(err, errlen, "applying the fixture: %s", strerror(e));
        return -1;
    }
    domlist_free(&srv->domains);
    srv->domains = doms;
    return 0;
}

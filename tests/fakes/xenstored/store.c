/* The node tree; see store.h. */
#include "store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>

static struct node *lookup(const struct store *s, const char *path, size_t len)
{
    return hm_get(&s->nodes, path, len);
}

static struct node *node_new(const char *path, size_t len)
{
    struct node *n = calloc(1, sizeof(*n) + len + 1);
    if (!n)
        return NULL;
    memcpy(n->path, path, len);
    n->path[len] = '\0';
    n->pathlen = len;
    return n;
}

static void node_free(struct node *n)
{
    free(n->value);
    free(n->children);
    free(n);
}

static void fire(struct store *s, const char *path, bool exact)
{
    if (s->watcher)
        s->watcher->fire(s->watcher->ctx, path, exact);
}

int store_init(struct store *s)
{
    hm_init(&s->nodes);
    s->generation = 0;
    s->watcher = NULL;
    struct node *root = node_new("/", 1);
    if (!root)
        return ENOMEM;
    if (hm_put(&s->nodes, root->path, 1, root) < 0) {
        free(root);
        return ENOMEM;
    }
    root->generation = ++s->generation;
    return 0;
}

void store_free(struct store *s)
{
    for (size_t i = 0; i < s->nodes.nbuckets; i++)
        for (struct hm_entry *e = s->nodes.buckets[i]; e; e = e->next)
            node_free(e->value);
    hm_free(&s->nodes);
}

bool store_path_valid(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || path[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
        return false;
    if (strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789-/_@") != len)
        return false;
    if (len > 1 && path[len - 1] == '/')
        return false;
    return strstr(path, "//") == NULL;
}

const struct node *store_get(const struct store *s, const char *path)
{
    return lookup(s, path, strlen(path));
}

/* Length of the parent's path: "/a/b" -> 2 ("/a"), "/a" -> 1 ("/"). */
static size_t parent_len(const char *path, size_t len)
{
    while (len > 0 && path[len - 1] != '/')
        len--;
    return len > 1 ? len - 1 : 1;
}

static int add_child(struct store *s, struct node *parent, const char *name,
                     size_t namelen)
{
    char *c = realloc(parent->children, parent->childlen + namelen + 1);
    if (!c)
        return ENOMEM;
    memcpy(c + parent->childlen, name, namelen);
    c[parent->childlen + namelen] = '\0';
    parent->children = c;
    parent->childlen += namelen + 1;
    parent->generation = ++s->generation;
    return 0;
}

static void remove_child(struct store *s, struct node *parent, const char *name)
{
    for (size_t off = 0; off < parent->childlen;) {
        size_t l = strlen(parent->children + off) + 1;
        if (strcmp(parent->children + off, name) == 0) {
            memmove(parent->children + off, parent->children + off + l,
                    parent->childlen - off - l);
            parent->childlen -= l;
            parent->generation = ++s->generation;
            return;
        }
        off += l;
    }
}

/* Returns the node at path, creating it and any missing ancestors with
 * empty values. *created tells whether anything was created. */
static struct node *get_or_create(struct store *s, const char *path,
                                  size_t len, bool *created, int *err)
{
    struct node *n = lookup(s, path, len);
    if (n)
        return n;
    size_t plen = parent_len(path, len);
    struct node *parent = get_or_create(s, path, plen, created, err);
    if (!parent)
        return NULL;
    n = node_new(path, len);
    if (!n) {
        *err = ENOMEM;
        return NULL;
    }
    const char *name = path + plen + (plen > 1 ? 1 : 0);
    if (hm_put(&s->nodes, n->path, len, n) < 0) {
        free(n);
        *err = ENOMEM;
        return NULL;
    }
    if (add_child(s, parent, name, len - (size_t)(name - path)) != 0) {
        hm_del(&s->nodes, n->path, len);
        free(n);
        *err = ENOMEM;
        return NULL;
    }
    n->generation = ++s->generation;
    *created = true;
    return n;
}

int store_write(struct store *s, const char *path, const char *value,
                size_t vlen)
{
    char *copy = NULL;
    if (vlen) {
        copy = malloc(vlen);
        if (!copy)
            return ENOMEM;
        memcpy(copy, value, vlen);
    }
    bool created = false;
    int err = 0;
    struct node *n = get_or_create(s, path, strlen(path), &created, &err);
    if (!n) {
        free(copy);
        return err;
    }
    free(n->value);
    n->value = copy;
    n->vlen = vlen;
    n->generation = ++s->generation;
    fire(s, path, false);
    return 0;
}

int store_mkdir(struct store *s, const char *path)
{
    bool created = false;
    int err = 0;
    if (!get_or_create(s, path, strlen(path), &created, &err))
        return err;
    if (created)
        fire(s, path, false);
    return 0;
}

int store_touch(struct store *s, const char *path)
{
    struct node *n = lookup(s, path, strlen(path));
    if (!n)
        return ENOENT;
    n->generation = ++s->generation;
    fire(s, path, false);
    return 0;
}

/* Path of n's child called name, built in buf (XENSTORE_ABS_PATH_MAX + 2
 * bytes). Returns the length, or 0 when it would be too long to exist. */
static size_t child_path(char *buf, const struct node *n, const char *name)
{
    size_t base = n->pathlen == 1 ? 0 : n->pathlen;
    size_t nl = strlen(name);
    if (base + 1 + nl > XENSTORE_ABS_PATH_MAX)
        return 0;
    memcpy(buf, n->path, base);
    buf[base] = '/';
    memcpy(buf + base + 1, name, nl + 1);
    return base + 1 + nl;
}

/* Post-order, like xenstored's walk with an exit callback: children are
 * gone (and fired) before their parent. Only the root fires non-exact.
 * buf is scratch space shared by every level: a level only needs it until
 * it has looked its child up. Nothing here allocates, so an rm never stops
 * half-way. */
static void rm_subtree(struct store *s, struct node *n, bool is_root, char *buf)
{
    for (size_t off = 0; off < n->childlen;) {
        const char *name = n->children + off;
        size_t len = child_path(buf, n, name);
        struct node *child = len ? lookup(s, buf, len) : NULL;
        if (child)
            rm_subtree(s, child, false, buf);
        off += strlen(name) + 1;
    }
    fire(s, n->path, !is_root);
    hm_del(&s->nodes, n->path, n->pathlen);
    node_free(n);
}

int store_rm(struct store *s, const char *path)
{
    size_t len = strlen(path);
    if (len == 1)
        return EINVAL;
    struct node *parent = lookup(s, path, parent_len(path, len));
    struct node *n = lookup(s, path, len);
    if (!n)
        return parent ? 0 : ENOENT;
    char buf[XENSTORE_ABS_PATH_MAX + 2];
    if (parent)
        remove_child(s, parent, strrchr(path, '/') + 1);
    rm_subtree(s, n, true, buf);
    return 0;
}

static int walk(const struct store *s, const struct node *n,
                int (*fn)(const struct node *, void *), void *arg, char *buf)
{
    int rc = fn(n, arg);
    for (size_t off = 0; off < n->childlen && rc == 0;) {
        const char *name = n->children + off;
        size_t len = child_path(buf, n, name);
        const struct node *child = len ? lookup(s, buf, len) : NULL;
        if (child)
            rc = walk(s, child, fn, arg, buf);
        off += strlen(name) + 1;
    }
    return rc;
}

int store_walk(const struct store *s, const char *path,
               int (*fn)(const struct node *n, void *arg), void *arg)
{
    const struct node *n = store_get(s, path);
    char buf[XENSTORE_ABS_PATH_MAX + 2];
    return n ? walk(s, n, fn, arg, buf) : 0;
}

/* The node tree, modelled on xenstored: every node has a value (possibly
 * empty) and an ordered child list; parents are created on demand. */
#ifndef FXS_STORE_H
#define FXS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"

struct node {
    char *value;          /* NULL when vlen == 0 */
    size_t vlen;
    /* Child names, each NUL-terminated, in creation order: the exact byte
     * string xenstored keeps, because XS_DIRECTORY_PART offsets index it. */
    char *children;
    size_t childlen;
    uint64_t generation;  /* bumped on every change of value or children */
    size_t pathlen;
    char path[];          /* full path; also the hash key */
};

/* Told about every change, in xenstored's order: exact=false for the node a
 * request named (watches on it and its ancestors fire), exact=true for the
 * descendants an rm took away (only watches on exactly that node fire). */
struct store_watcher {
    void (*fire)(void *ctx, const char *path, bool exact);
    void *ctx;
};

struct store {
    struct hashmap nodes;     /* path -> struct node */
    uint64_t generation;
    const struct store_watcher *watcher;  /* NULL: changes fire nothing */
};

/* All functions returning int return 0 or an errno value. */
int store_init(struct store *s);
void store_free(struct store *s);

/* A well-formed absolute path as xenstored's canonicalize() accepts it:
 * [A-Za-z0-9_@/-], starts with '/', no "//", no trailing '/' except "/". */
bool store_path_valid(const char *path);

const struct node *store_get(const struct store *s, const char *path);
/* Creates missing parents with empty values; fires even if unchanged. */
int store_write(struct store *s, const char *path, const char *value,
                size_t vlen);
/* Creates the node (and parents) if missing; fires only when created. */
int store_mkdir(struct store *s, const char *path);
/* Removes the subtree. Missing node: 0 if its parent exists, else ENOENT.
 * "/" cannot be removed (EINVAL). */
int store_rm(struct store *s, const char *path);
/* Marks the node changed and fires as a write would (SET_PERMS does this). */
int store_touch(struct store *s, const char *path);

/* Pre-order walk of the subtree at path (parents before children, children
 * in creation order). fn returning non-zero stops the walk with that value.
 * The store must not be modified during the walk. */
int store_walk(const struct store *s, const char *path,
               int (*fn)(const struct node *n, void *arg), void *arg);

#endif

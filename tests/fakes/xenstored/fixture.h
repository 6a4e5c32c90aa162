/* Reads the xenstore half of a fixture file (tests/README.md). */
#ifndef FXS_FIXTURE_H
#define FXS_FIXTURE_H

#include <stddef.h>

#include "store.h"

/* Every domid the fixture's `domains` lists, vanished ones included. */
struct domlist {
    unsigned int *ids;
    size_t n;
};

void domlist_free(struct domlist *d);

/* Builds a fresh store (no watcher) from file. On success returns 0 and the
 * caller owns *out and *doms; on failure returns -1, owns nothing, and err
 * holds a one-line message without the file name. */
int fixture_load(const char *file, struct store *out, struct domlist *doms,
                 char *err, size_t errlen);

#endif

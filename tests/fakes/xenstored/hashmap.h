/* A byte-string keyed hash map (separate chaining, power-of-two buckets).
 * Keys are not copied: each key must stay valid while its entry exists,
 * which suits keys that live inside the value they point to. */
#ifndef FXS_HASHMAP_H
#define FXS_HASHMAP_H

#include <stddef.h>

struct hm_entry {
    struct hm_entry *next;
    const char *key;
    size_t keylen;
    size_t hash;
    void *value;
};

struct hashmap {
    struct hm_entry **buckets;
    size_t nbuckets;   /* 0 until the first insert */
    size_t count;
};

void hm_init(struct hashmap *m);
/* Frees the map's own memory, not the keys or values. */
void hm_free(struct hashmap *m);
void *hm_get(const struct hashmap *m, const char *key, size_t keylen);
/* Inserts or replaces; returns 0, or -1 when out of memory. */
int hm_put(struct hashmap *m, const char *key, size_t keylen, void *value);
/* Returns the removed value, or NULL when the key was absent. */
void *hm_del(struct hashmap *m, const char *key, size_t keylen);

#endif

/* Byte-string keyed hash map; see hashmap.h. */
#include "hashmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short keys (xenstore paths), good enough spread, no seed needed
 * because clients of a test server are trusted. */
static size_t hash_bytes(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32));
}

void hm_init(struct hashmap *m)
{
    m->buckets = NULL;
    m->nbuckets = 0;
    m->count = 0;
}

void hm_free(struct hashmap *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct hm_entry *e = m->buckets[i];
        while (e) {
            struct hm_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->buckets);
    hm_init(m);
}

static struct hm_entry **find_slot(const struct hashmap *m, const char *key,
                                   size_t keylen, size_t hash)
{
    struct hm_entry **slot = &m->buckets[hash & (m->nbuckets - 1)];
    while (*slot) {
        struct hm_entry *e = *slot;
        if (e->hash == hash && e->keylen == keylen &&
            memcmp(e->key, key, keylen) == 0)
            return slot;
        slot = &e->next;
    }
    return slot;
}

void *hm_get(const struct hashmap *m, const char *key, size_t keylen)
{
    if (m->nbuckets == 0)
        return NULL;
    struct hm_entry **slot = find_slot(m, key, keylen, hash_bytes(key, keylen));
    return *slot ? (*slot)->value : NULL;
}

static int grow(struct hashmap *m)
{
    size_t n = m->nbuckets ? m->nbuckets * 2 : 64;
    struct hm_entry **b = calloc(n, sizeof(*b));
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct hm_entry *e = m->buckets[i];
        while (e) {
            struct hm_entry *next = e->next;
            size_t idx = e->hash & (n - 1);
            e->next = b[idx];
            b[idx] = e;
            e = next;
        }
    }
    free(m->buckets);
    m->buckets = b;
    m->nbuckets = n;
    return 0;
}

int hm_put(struct hashmap *m, const char *key, size_t keylen, void *value)
{
    /* Load factor 1: chains stay short and growth stays rare. */
    if (m->count >= m->nbuckets && grow(m) < 0)
        return -1;
    size_t hash = hash_bytes(key, keylen);
    struct hm_entry **slot = find_slot(m, key, keylen, hash);
    if (*slot) {
        (*slot)->key = key;
        (*slot)->value = value;
        return 0;
    }
    struct hm_entry *e = malloc(sizeof(*e));
    if (!e)
        return -1;
    e->next = NULL;
    e->key = key;
    e->keylen = keylen;
    e->hash = hash;
    e->value = value;
    *slot = e;
    m->count++;
    return 0;
}

void *hm_del(struct hashmap *m, const char *key, size_t keylen)
{
    if (m->nbuckets == 0)
        return NULL;
    struct hm_entry **slot = find_slot(m, key, keylen, hash_bytes(key, keylen));
    struct hm_entry *e = *slot;
    if (!e)
        return NULL;
    void *value = e->value;
    *slot = e->next;
    free(e);
    m->count--;
    return value;
}

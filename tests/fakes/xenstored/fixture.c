/* Fixture loading; see fixture.h. */
#include "fixture.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void domlist_free(struct domlist *d)
{
    free(d->ids);
    d->ids = NULL;
    d->n = 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int load_keys(json_t *xs, struct store *s, char *err, size_t errlen)
{
    if (!xs)
        return 0;
    if (!json_is_object(xs))
        return fail(err, errlen, "\"xenstore\" is not an object");
    const char *key;
    json_t *val;
    json_object_foreach(xs, key, val) {
        if (!store_path_valid(key))
            return fail(err, errlen, "xenstore key \"%s\" is not a valid "
                        "absolute xenstore path", key);
        if (!json_is_string(val))
            return fail(err, errlen, "xenstore value of \"%s\" is not a "
                        "string", key);
        if (store_write(s, key, json_string_value(val),
                        json_string_length(val)) != 0)
            return fail(err, errlen, "out of memory");
    }
    return 0;
}

/* Writes a domain's name/domid node unless the fixture's `xenstore` names
 * that very key (a value there wins, even an empty one). */
static int default_key(json_t *xs, struct store *s, unsigned int domid,
                       const char *leaf, const char *value)
{
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, leaf);
    if (json_is_object(xs) && json_object_get(xs, path))
        return 0;
    return store_write(s, path, value, strlen(value));
}

static int load_domains(json_t *doms, json_t *xs, struct store *s,
                        struct domlist *out, char *err, size_t errlen)
{
    if (!doms)
        return 0;
    if (!json_is_array(doms))
        return fail(err, errlen, "\"domains\" is not an array");
    size_t n = json_array_size(doms);
    out->ids = calloc(n ? n : 1, sizeof(*out->ids));
    if (!out->ids)
        return fail(err, errlen, "out of memory");
    bool *vanish = calloc(n ? n : 1, sizeof(*vanish));
    if (!vanish)
        return fail(err, errlen, "out of memory");

    int rc = 0;
    size_t i;
    json_t *d;
    json_array_foreach(doms, i, d) {
        json_t *id = json_object_get(d, "domid");
        json_t *name = json_object_get(d, "name");
        json_t *v = json_object_get(d, "vanish_after_list");
        if (!json_is_object(d) || !json_is_integer(id) ||
            json_integer_value(id) < 0 || json_integer_value(id) > 65535) {
            rc = fail(err, errlen, "domains[%zu]: \"domid\" must be an "
                      "integer 0..65535", i);
            break;
        }
        if (name && !json_is_string(name)) {
            rc = fail(err, errlen, "domains[%zu]: \"name\" is not a string", i);
            break;
        }
        if (v && !json_is_boolean(v)) {
            rc = fail(err, errlen, "domains[%zu]: \"vanish_after_list\" is "
                      "not a boolean", i);
            break;
        }
        unsigned int domid = (unsigned int)json_integer_value(id);
        out->ids[out->n++] = domid;
        vanish[i] = json_is_true(v);
        if (vanish[i])
            continue;
        char idstr[16];
        snprintf(idstr, sizeof(idstr), "%u", domid);
        if ((name && default_key(xs, s, domid, "name",
                                 json_string_value(name)) != 0) ||
            default_key(xs, s, domid, "domid", idstr) != 0) {
            rc = fail(err, errlen, "out of memory");
            break;
        }
    }
    /* After all the writes, so a vanished domain's keys are gone whatever
     * the order of the fixture. */
    for (i = 0; rc == 0 && i < out->n; i++) {
        if (!vanish[i])
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/local/domain/%u", out->ids[i]);
        int e1 = store_rm(s, path);
        snprintf(path, sizeof(path), "/libxl/%u", out->ids[i]);
        int e2 = store_rm(s, path);
        /* ENOENT only means a missing parent: nothing to remove. */
        if ((e1 && e1 != ENOENT) || (e2 && e2 != ENOENT))
            rc = fail(err, errlen, "cannot remove vanished domain %u",
                      out->ids[i]);
    }
    free(vanish);
    return rc;
}

int fixture_load(const char *file, struct store *out, struct domlist *doms,
                 char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 1)   /* could not open or read the file */
            return fail(err, errlen, "%s", jerr.text);
        return fail(err, errlen, "line %d column %d: %s", jerr.line,
                    jerr.column, jerr.text);
    }
    doms->ids = NULL;
    doms->n = 0;
    int rc;
    if (!json_is_object(root)) {
        rc = fail(err, errlen, "top level is not an object");
    } else if (store_init(out) != 0) {
        rc = fail(err, errlen, "out of memory");
    } else {
        json_t *xs = json_object_get(root, "xenstore");
        rc = load_keys(xs, out, err, errlen);
        if (rc == 0)
            rc = load_domains(json_object_get(root, "domains"), xs, out, doms,
                              err, errlen);
        if (rc != 0) {
            store_free(out);
            domlist_free(doms);
        }
    }
    json_decref(root);
    return rc;
}

/*
 * fixture.c - the fake libxl's view of the fixture file.
 *
 * Tests replace the fixture while a process runs (atomically, by rename) to
 * inject failures or make domains come and go, so every call that reads it
 * first compares the file's identity (path, device, inode, size, mtime) with
 * the cached copy and re-parses it when any differ. All functions here are
 * called with fxl_lock held.
 */
#include "fakexl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

pthread_mutex_t fxl_lock = PTHREAD_MUTEX_INITIALIZER;

static struct {
    char *path;           /* $XENMODE_FAKE_FIXTURE the cache was made from */
    bool have_stat;       /* st below describes the file root came from */
    struct stat st;
    json_t *root;         /* NULL: unreadable or invalid */
} cache;

void fxl_fixture_release(void)
{
    json_decref(cache.root);
    free(cache.path);
    memset(&cache, 0, sizeof cache);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* A fixture error is a bug in the test: say so on stderr, once per version
 * of the file, and behave as a host without Xen. */
static json_t *invalid(const char *path, json_t *root, const char *what)
{
    fprintf(stderr, "fake libxl: %s: %s\n", path, what);
    json_decref(root);
    return NULL;
}

static json_t *load(const char *path)
{
    json_error_t jerr;
    /* Duplicate keys are refused, as the xenstore test server does. */
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char msg[300];
        snprintf(msg, sizeof msg, "line %d: %s", jerr.line, jerr.text);
        return invalid(path, NULL, msg);
    }
    if (!json_is_object(root))
        return invalid(path, root, "not a JSON object");
    json_t *doms = json_object_get(root, "domains");
    if (doms && !json_is_array(doms))
        return invalid(path, root, "\"domains\" is not an array");
    size_t i;
    json_t *d;
    json_array_foreach(doms, i, d) {
        json_t *id = json_object_get(d, "domid");
        if (!json_is_integer(id) || json_integer_value(id) < 0 ||
            json_integer_value(id) > UINT16_MAX)
            return invalid(path, root, "a domain has no \"domid\" in 0..65535");
    }
    json_t *fail = json_object_get(root, "fail");
    if (fail && !json_is_array(fail))
        return invalid(path, root, "\"fail\" is not a list");
    json_t *ver = json_object_get(root, "xen_version");
    if (ver && !json_is_string(ver))
        return invalid(path, root, "\"xen_version\" is not a string");
    return root;
}

json_t *fxl_fixture(void)
{
    const char *path = getenv("XENMODE_FAKE_FIXTURE");
    struct stat st;
    if (!path || !*path || stat(path, &st) != 0) {
        fxl_fixture_release();
        return NULL;
    }
    if (cache.have_stat && strcmp(cache.path, path) == 0 && same_file(&cache.st, &st))
        return cache.root;

    fxl_fixture_release();
    cache.path = strdup(path);
    if (!cache.path)
        return NULL;
    cache.st = st;
    cache.have_stat = true;
    cache.root = load(path);
    return cache.root;
}

/* word appears in a comma-separated list. */
static bool in_list(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

bool fxl_fixture_failing(json_t *root, const char *word)
{
    /* Read at every call, so a test may also change it with setenv(). */
    if (in_list(getenv("XENMODE_FAKE_LIBXL_FAIL"), word))
        return true;
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(root, "fail"), i, w) {
        if (json_is_string(w) && strcmp(json_string_value(w), word) == 0)
            return true;
    }
    return false;
}

json_t *fxl_fixture_domain(json_t *root, uint32_t domid)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "domains"), i, d) {
        if (json_integer_value(json_object_get(d, "domid")) == (json_int_t)domid)
            return d;
    }
    return NULL;
}

bool fxl_fixture_domain_present(json_t *root, uint32_t domid)
{
    json_t *d = fxl_fixture_domain(root, domid);
    return d && !json_is_true(json_object_get(d, "vanish_after_list"));
}

const char *fxl_fixture_uuid(json_t *dom)
{
    return json_string_value(json_object_get(dom, "uuid"));
}

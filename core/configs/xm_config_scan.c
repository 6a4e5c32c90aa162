/*
 * xm_config_scan.c - which files of the configuration directory are domain
 * configurations, reading them all, and the cache that re-reads only the
 * files that changed.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xm_config_int.h"

/* ---- the naming rule ----------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *const leftover_suffixes[] = {
    "~", ".bak", ".old", ".orig", ".rej", ".swp", ".swo", ".tmp", ".save",
    ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".dpkg-tmp", ".dpkg-bak",
    ".ucf-old", ".ucf-new", ".ucf-dist", ".rpmnew", ".rpmsave", ".rpmorig",
    NULL,
};

bool xm_config_candidate(const char *name, bool in_auto, const char **reason)
{
    const char *why = NULL;
    size_t len = strlen(name);

    if (len == 0 || name[0] == '.')
        why = "hidden file (xendomains' auto/* skips these too)";
    else if (len > 1 && name[0] == '#' && name[len - 1] == '#')
        why = "editor leftover";
    if (!why)
        for (const char *const *s = leftover_suffixes; *s; s++)
            if (has_suffix(name, *s)) {
                why = "editor or package-manager leftover";
                break;
            }
    if (!why) {
        if (strcmp(name, "xl.conf") == 0)
            why = "xl's global settings, not a domain";
        else if (strcmp(name, "oxenstored.conf") == 0 || strcmp(name, "xenstored.conf") == 0 ||
                 has_suffix(name, ".sxp") || has_suffix(name, ".xml"))
            why = "toolstack settings (xenstored, xend, xm), not a domain";
        else if (strncmp(name, "xlexample.", 10) == 0 || strncmp(name, "xmexample", 9) == 0 ||
                 strcmp(name, "cpupool") == 0 || strncmp(name, "README", 6) == 0)
            why = "documentation or an example, not a domain of this host";
        else if (strcmp(name, "scripts") == 0)
            why = "Xen's hotplug scripts";
        else if (!in_auto && !has_suffix(name, ".cfg"))
            why = "not named *.cfg";
    }
    if (reason)
        *reason = why;
    return why == NULL;
}

static const char *const SAME_FILE = "another name of a configuration listed already";

/* ---- the cache ------------------------------------------------------------- */

struct cfile {
    char *path;
    struct stat st;            /* fstat of what was read */
    struct xm_config result;
    struct xm_boot_state boot; /* result.pv_kernel's, when its header was read */
    bool seen;                 /* listed by the current scan */
};

struct prev {
    char *path;
    char *sig;
};

struct xm_config_cache {
    pthread_mutex_t lock;
    char *dir;
    struct cfile *files;
    size_t n_files, cap_files;
    struct prev *prev;
    size_t n_prev;
    unsigned long scans, reads;
};

int xm_config_cache_new(const char *dir, struct xm_config_cache **out, struct xm_error *err)
{
    *out = NULL;
    struct xm_config_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir ? dir : XM_CONFIG_DEFAULT_DIR))) {
        free(c);
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&c->lock, NULL);
    *out = c;
    return XM_OK;
}

static void free_prev(struct prev *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].path);
        free(p[i].sig);
    }
    free(p);
}

void xm_config_cache_free(struct xm_config_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_files; i++) {
        free(c->files[i].path);
        xm_config_dispose(&c->files[i].result);
    }
    free(c->files);
    free_prev(c->prev, c->n_prev);
    pthread_mutex_destroy(&c->lock);
    free(c->dir);
    free(c);
}

void xm_config_cache_stats(struct xm_config_cache *c, struct xm_config_cache_stats *st)
{
    pthread_mutex_lock(&c->lock);
    st->scans_total = c->scans;
    st->files_read_total = c->reads;
    pthread_mutex_unlock(&c->lock);
}

bool xm_same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static struct cfile *cache_find(struct xm_config_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n_files; i++)
        if (strcmp(c->files[i].path, path) == 0)
            return &c->files[i];
    return NULL;
}

/* Stores a parse result for path (taking ownership of *res). -1: no memory. */
static int cache_store(struct xm_config_cache *c, const char *path, const struct stat *st,
                       const struct xm_boot_state *boot, struct xm_config *res)
{
    struct cfile *f = cache_find(c, path);
    if (!f) {
        if (c->n_files == c->cap_files) {
            size_t ncap = c->cap_files ? c->cap_files * 2 : 16;
            struct cfile *n = realloc(c->files, ncap * sizeof *n);
            if (!n)
                return -1;
            c->files = n;
            c->cap_files = ncap;
        }
        f = &c->files[c->n_files];
        memset(f, 0, sizeof *f);
        if (!(f->path = strdup(path)))
            return -1;
        c->n_files++;
    }
    xm_config_dispose(&f->result);
    f->result = *res;
    memset(res, 0, sizeof *res);
    f->st = *st;
    f->boot = *boot;
    f->seen = true;
    return 0;
}

static void cache_prune(struct xm_config_cache *c)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n_files; i++) {
        if (c->files[i].seen) {
            c->files[i].seen = false;
            c->files[k++] = c->files[i];
        } else {
            free(c->files[i].path);
            xm_config_dispose(&c->files[i].result);
        }
    }
    c->n_files = k;
}

/* ---- one scan ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted entry names of dir (without . and ..); NULL with errno set. */
static char **list_dir(const char *dir, size_t *n_out)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    struct xm_strvec v;
    xm_strvec_init(&v);
    struct dirent *e;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        xm_strvec_addf(&v, "%s", e->d_name);
    }
    int e_read = errno;
    closedir(d);
    if (e_read || v.failed) {
        xm_strvec_dispose(&v);
        errno = e_read ? e_read : ENOMEM;
        return NULL;
    }
    char **names = xm_strvec_steal(&v, n_out);
    if (!names && *n_out == 0) {
        names = calloc(1, sizeof *names); /* empty, but not an error */
        if (!names)
            errno = ENOMEM;
    }
    if (names && *n_out)
        qsort(names, *n_out, sizeof *names, cmp_str);
    return names;
}

static void free_names(char **names, size_t n)
{
    if (!names)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The set under construction, with each entry's (dev, ino) for spotting
 * the same file reached twice. */
struct builder {
    struct xm_config_set *set;
    size_t cap, cap_skipped;
    dev_t *dev;
    ino_t *ino;
    bool *have_id;
};

static struct xm_config *add_config(struct builder *b)
{
    struct xm_config_set *s = b->set;
    if (s->n_configs == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 16;
        struct xm_config *n = realloc(s->configs, ncap * sizeof *n);
        if (!n)
            return NULL;
        s->configs = n;
        dev_t *nd = realloc(b->dev, ncap * sizeof *nd);
        if (!nd)
            return NULL;
        b->dev = nd;
        ino_t *ni = realloc(b->ino, ncap * sizeof *ni);
        if (!ni)
            return NULL;
        b->ino = ni;
        bool *nh = realloc(b->have_id, ncap * sizeof *nh);
        if (!nh)
            return NULL;
        b->have_id = nh;
        b->cap = ncap;
    }
    b->have_id[s->n_configs] = false;
    struct xm_config *c = &s->configs[s->n_configs++];
    memset(c, 0, sizeof *c);
    return c;
}

static int add_skipped(struct builder *b, const char *path, const char *reason)
{
    struct xm_config_set *s = b->set;
    if (s->n_skipped == b->cap_skipped) {
        size_t ncap = b->cap_skipped ? b->cap_skipped * 2 : 16;
        struct xm_config_skipped *n = realloc(s->skipped, ncap * sizeof *n);
        if (!n)
            return -1;
        s->skipped = n;
        b->cap_skipped = ncap;
    }
    char *p = strdup(path);
    if (!p)
        return -1;
    s->skipped[s->n_skipped].file = p;
    s->skipped[s->n_skipped].reason = reason;
    s->n_skipped++;
    return 0;
}

/* One candidate: reuse the cached result when the file did not change. */
static int scan_one(struct xm_config_cache *c, struct builder *b, const char *path,
                    bool in_auto, struct xm_error *err)
{
    struct stat st, lst;
    memset(&st, 0, sizeof st);
    int stat_errno = stat(path, &st) == 0 ? 0 : errno;
    bool regular = stat_errno == 0 && S_ISREG(st.st_mode);
    /* Gone since the listing (deleted, or renamed over by an editor): not
     * a bad file, just not there any more. A dangling link is still one. */
    if (stat_errno == ENOENT && lstat(path, &lst) != 0 && errno == ENOENT)
        return XM_OK;

    if (regular) {
        for (size_t i = 0; i < b->set->n_configs; i++) {
            if (b->have_id[i] && b->dev[i] == st.st_dev && b->ino[i] == st.st_ino) {
                if (in_auto)
                    b->set->configs[i].autostart = true;
                return add_skipped(b, path, SAME_FILE) ? XM_ERR_NOMEM : XM_OK;
            }
        }
    }

    struct xm_config res;
    const struct xm_config *use = NULL;
    struct cfile *f = regular ? cache_find(c, path) : NULL;
    if (f && xm_same_file_state(&f->st, &st)) {
        f->seen = true;
        use = &f->result;
        /* The configuration is the same; its kernel may have been replaced. */
        struct xm_boot_state now;
        xm_config_boot_state(use, &now);
        if (!xm_config_boot_same(&now, &f->boot)) {
            if (xm_config_probe_width(&f->result) != 0)
                return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            f->boot = now;
        }
    } else {
        struct stat rst;
        struct xm_boot_state boot;
        bool have = false;
        int rc = xm_config_read_file_st(path, &res, &rst, &have, err);
        if (rc != XM_OK)
            return rc;
        /* The kernel's state before its header is read: a change during
         * the read is seen at the next scan. */
        xm_config_boot_state(&res, &boot);
        if (xm_config_probe_width(&res) != 0) {
            xm_config_dispose(&res);
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        }
        if (have) {
            c->reads++;
            if (cache_store(c, path, &rst, &boot, &res) != 0) {
                xm_config_dispose(&res);
                return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            }
            use = &cache_find(c, path)->result;
            st = rst;
        } else {
            use = &res;
            regular = false;
        }
    }

    struct xm_config *out = add_config(b);
    int rc = XM_OK;
    if (!out || xm_config_copy(out, use) != 0) {
        if (out)
            b->set->n_configs--;
        rc = xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    } else {
        size_t i = b->set->n_configs - 1;
        out->autostart = in_auto;
        out->changed = false;
        b->have_id[i] = regular;
        b->dev[i] = st.st_dev;
        b->ino[i] = st.st_ino;
    }
    if (use == &res)
        xm_config_dispose(&res);
    return rc;
}

static int add_dir_error(struct builder *b, const char *path, int e, struct xm_error *err)
{
    struct xm_config *out = add_config(b);
    if (!out)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    out->file = strdup(path);
    if (asprintf(&out->error, "cannot read the directory: %s", strerror(e)) < 0)
        out->error = NULL;
    if (!out->file || !out->error) {
        xm_config_dispose(out);
        b->set->n_configs--;
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    return XM_OK;
}

struct byname {
    const char *name;
    size_t index;
};

static int cmp_byname(const void *a, const void *b)
{
    const struct byname *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Two files naming the same domain: the first keeps it, each later one
 * becomes an error naming the first. Empty names are left alone (libxl
 * does not require them to be unique). */
static int mark_duplicates(struct xm_config_set *s, struct xm_error *err)
{
    struct byname *v = calloc(s->n_configs ? s->n_configs : 1, sizeof *v);
    if (!v)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < s->n_configs; i++)
        if (!s->configs[i].error && s->configs[i].name && s->configs[i].name[0])
            v[n++] = (struct byname){s->configs[i].name, i};
    qsort(v, n, sizeof *v, cmp_byname);
    int rc = XM_OK;
    for (size_t i = 1; i < n && rc == XM_OK; i++) {
        size_t first = i;
        while (first > 0 && strcmp(v[first - 1].name, v[i].name) == 0)
            first--;
        if (first == i)
            continue;
        struct xm_config *dup = &s->configs[v[i].index];
        char qname[96], qfile[256];
        xm_quote_value(v[i].name, qname, sizeof qname);
        xm_quote_value(s->configs[v[first].index].file, qfile, sizeof qfile);
        if (asprintf(&dup->error, "domain name \"%s\" is already configured by %s", qname,
                     qfile) < 0) {
            dup->error = NULL;
            rc = xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        }
    }
    free(v);
    return rc;
}

static char *signature(const struct xm_config *c)
{
    char *s = NULL;
    const char *name = c->name ? c->name : "", *error = c->error ? c->error : "";
    if (asprintf(&s, "%d %d %zu:%s %zu:%s", c->autostart, c->error ? -1 : (int)c->mode,
                 strlen(name), name, strlen(error), error) < 0)
        return NULL;
    return s;
}

/* Sets each config's `changed` against the previous get, then remembers
 * this one. */
static int mark_changed(struct xm_config_cache *c, struct xm_config_set *s, struct xm_error *err)
{
    struct prev *now = calloc(s->n_configs ? s->n_configs : 1, sizeof *now);
    if (!now)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n_configs; i++) {
        now[i].path = strdup(s->configs[i].file);
        now[i].sig = signature(&s->configs[i]);
        if (!now[i].path || !now[i].sig) {
            free_prev(now, i + 1);
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        }
        bool same = false;
        for (size_t k = 0; k < c->n_prev; k++) {
            if (strcmp(c->prev[k].path, now[i].path) == 0) {
                same = strcmp(c->prev[k].sig, now[i].sig) == 0;
                break;
            }
        }
        s->configs[i].changed = !same;
    }
    free_prev(c->prev, c->n_prev);
    c->prev = now;
    c->n_prev = s->n_configs;
    return XM_OK;
}

void xm_config_set_free(struct xm_config_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n_configs; i++)
        xm_config_dispose(&set->configs[i]);
    free(set->configs);
    for (size_t i = 0; i < set->n_skipped; i++)
        free(set->skipped[i].file);
    free(set->skipped);
    free(set);
}

static char *join_path(const char *dir, const char *name)
{
    char *p = NULL;
    size_t l = strlen(dir);
    if (asprintf(&p, "%s%s%s", dir, l && dir[l - 1] == '/' ? "" : "/", name) < 0)
        return NULL;
    return p;
}

static int scan_dir(struct xm_config_cache *c, struct builder *b, const char *dir,
                    char **names, size_t n, bool in_auto, struct xm_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!in_auto && strcmp(names[i], XM_CONFIG_AUTO_SUBDIR) == 0)
            continue; /* read as the auto directory */
        char *path = join_path(dir, names[i]);
        if (!path)
            return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        const char *reason = NULL;
        int rc;
        if (!xm_config_candidate(names[i], in_auto, &reason))
            rc = add_skipped(b, path, reason) ? xm_set_error(err, XM_ERR_NOMEM, "out of memory")
                                              : XM_OK;
        else
            rc = scan_one(c, b, path, in_auto, err);
        free(path);
        if (rc != XM_OK)
            return rc;
    }
    return XM_OK;
}

int xm_config_cache_get(struct xm_config_cache *c, struct xm_config_set **out,
                        struct xm_error *err)
{
    *out = NULL;
    struct builder b = {0};
    char **top = NULL, **aut = NULL, *auto_dir = NULL;
    size_t n_top = 0, n_auto = 0;
    int rc;

    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n_files; i++)
        c->files[i].seen = false;

    top = list_dir(c->dir, &n_top);
    if (!top) {
        int e = errno;
        char q[256];
        xm_quote_value(c->dir, q, sizeof q);
        rc = xm_set_error(err, e == ENOMEM ? XM_ERR_NOMEM : XM_ERR_IO,
                          "cannot read the configuration directory %s: %s", q, strerror(e));
        goto out;
    }
    c->scans++;
    rc = XM_ERR_NOMEM;
    if (!(b.set = calloc(1, sizeof *b.set)) ||
        !(auto_dir = join_path(c->dir, XM_CONFIG_AUTO_SUBDIR))) {
        xm_set_error(err, rc, "out of memory");
        goto out;
    }
    if ((rc = scan_dir(c, &b, c->dir, top, n_top, false, err)) != XM_OK)
        goto out;
    aut = list_dir(auto_dir, &n_auto);
    if (!aut) {
        /* No auto/ (or a file by that name, which xendomains ignores too). */
        if (errno == ENOMEM) {
            rc = xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            goto out;
        }
        if (errno != ENOENT && errno != ENOTDIR &&
            (rc = add_dir_error(&b, auto_dir, errno, err)) != XM_OK)
            goto out;
    } else if ((rc = scan_dir(c, &b, auto_dir, aut, n_auto, true, err)) != XM_OK) {
        goto out;
    }
    if ((rc = mark_duplicates(b.set, err)) != XM_OK || (rc = mark_changed(c, b.set, err)) != XM_OK)
        goto out;
    for (size_t i = 0; i < b.set->n_configs; i++)
        if (b.set->configs[i].error)
            b.set->n_failed++;
    cache_prune(c);
    *out = b.set;
    b.set = NULL;
    rc = XM_OK;
out:
    pthread_mutex_unlock(&c->lock);
    xm_config_set_free(b.set);
    free(b.dev);
    free(b.ino);
    free(b.have_id);
    free_names(top, n_top);
    free_names(aut, n_auto);
    free(auto_dir);
    return rc;
}

int xm_config_scan(const char *dir, struct xm_config_set **out, struct xm_error *err)
{
    struct xm_config_cache *c = NULL;
    *out = NULL;
    int rc = xm_config_cache_new(dir, &c, err);
    if (rc == XM_OK)
        rc = xm_config_cache_get(c, out, err);
    xm_config_cache_free(c);
    return rc;
}

const struct xm_config *xm_config_set_find(const struct xm_config_set *set, const char *name)
{
    if (!set || !name)
        return NULL;
    for (size_t i = 0; i < set->n_configs; i++)
        if (!set->configs[i].error && set->configs[i].name &&
            strcmp(set->configs[i].name, name) == 0)
            return &set->configs[i];
    return NULL;
}

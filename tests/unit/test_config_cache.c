/* The configuration directory and its cache, on a scratch directory:
 * a file is re-read only when its inode, size, mtime or ctime changed;
 * results carry `changed` once; auto/ links are merged; duplicates and
 * bad files never stop the others; FIFOs never block; several threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "xenmode/configs.h"

struct scratch {
    char dir[64];
};

static int setup(void **state)
{
    struct scratch *s = calloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/xm-config-test.XXXXXX");
    if (!mkdtemp(s->dir))
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct scratch *s = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    int rc = system(cmd);
    free(s);
    return rc == 0 ? 0 : -1;
}

static void put(const struct scratch *s, const char *name, const char *text)
{
    char path[256], tmp[300];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    snprintf(tmp, sizeof tmp, "%s.new-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path), 0);
}

/* Rewrites name in place (same inode) with text. */
static void rewrite(const struct scratch *s, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static const struct xm_config *by_file(const struct xm_config_set *set, const struct scratch *s,
                                       const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    for (size_t i = 0; i < set->n_configs; i++)
        if (strcmp(set->configs[i].file, path) == 0)
            return &set->configs[i];
    fail_msg("%s is not in the set", path);
    return NULL;
}

static unsigned long reads(struct xm_config_cache *c)
{
    struct xm_config_cache_stats st;
    xm_config_cache_stats(c, &st);
    return st.files_read_total;
}

static struct xm_config_set *get(struct xm_config_cache *c)
{
    struct xm_config_set *set = NULL;
    struct xm_error err = {0};
    if (xm_config_cache_get(c, &set, &err) != XM_OK)
        fail_msg("xm_config_cache_get: %s", err.message);
    return set;
}

static void test_rereads_only_changed_files(void **state)
{
    struct scratch *s = *state;
    put(s, "a.cfg", "name = \"a\"\ntype = \"hvm\"\n");
    put(s, "b.cfg", "name = \"b\"\ntype = \"pvh\"\nkernel = \"k\"\n");
    struct xm_config_cache *c = NULL;
    assert_int_equal(xm_config_cache_new(s->dir, &c, NULL), XM_OK);

    struct xm_config_set *set = get(c);
    assert_int_equal(set->n_configs, 2);
    assert_int_equal(reads(c), 2);
    assert_true(by_file(set, s, "a.cfg")->changed);
    assert_int_equal(by_file(set, s, "b.cfg")->mode, XM_MODE_PVH);
    xm_config_set_free(set);

    /* Nothing changed: nothing read, nothing flagged. */
    set = get(c);
    assert_int_equal(reads(c), 2);
    assert_false(by_file(set, s, "a.cfg")->changed);
    assert_int_equal(by_file(set, s, "a.cfg")->mode, XM_MODE_HVM);
    xm_config_set_free(set);

    /* a.cfg rewritten in place with another size: re-read, flagged. */
    rewrite(s, "a.cfg", "name = \"a\"\ntype = \"pv\"\nkernel = \"/boot/k\"\n");
    set = get(c);
    assert_int_equal(reads(c), 3);
    assert_true(by_file(set, s, "a.cfg")->changed);
    assert_false(by_file(set, s, "b.cfg")->changed);
    assert_int_equal(by_file(set, s, "a.cfg")->mode, XM_MODE_PV);
    xm_config_set_free(set);

    /* Same size, new mtime: re-read, but the result is the same: not flagged. */
    char path[256];
    snprintf(path, sizeof path, "%s/b.cfg", s->dir);
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    set = get(c);
    assert_int_equal(reads(c), 4);
    assert_false(by_file(set, s, "b.cfg")->changed);
    xm_config_set_free(set);

    /* Replaced by rename with the same bytes and mtime: a new inode. */
    put(s, "b.cfg", "name = \"b\"\ntype = \"pvh\"\nkernel = \"k\"\n");
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    set = get(c);
    assert_int_equal(reads(c), 5);
    xm_config_set_free(set);

    /* A removed file leaves the set (and the cache). */
    snprintf(path, sizeof path, "%s/a.cfg", s->dir);
    assert_int_equal(unlink(path), 0);
    set = get(c);
    assert_int_equal(set->n_configs, 1);
    assert_int_equal(reads(c), 5);
    xm_config_set_free(set);

    struct xm_config_cache_stats st;
    xm_config_cache_stats(c, &st);
    assert_int_equal(st.scans_total, 6);
    xm_config_cache_free(c);
}

static void test_duplicates_and_bad_files(void **state)
{
    struct scratch *s = *state;
    put(s, "a.cfg", "name = \"twin\"\ntype = \"hvm\"\n");
    put(s, "b.cfg", "name = \"twin\"\ntype = \"pvh\"\nkernel = \"k\"\n");
    put(s, "c.cfg", "type = pv\n");
    put(s, "d.cfg", "name = \"d\"\nbuilder = \"hvm\"\n");
    put(s, "xl.conf", "autoballoon = \"off\"\n");
    char path[256];
    snprintf(path, sizeof path, "%s/e.cfg", s->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/f.cfg", s->dir);
    assert_int_equal(symlink("f.cfg", path), 0);

    struct xm_config_cache *c = NULL;
    assert_int_equal(xm_config_cache_new(s->dir, &c, NULL), XM_OK);
    struct xm_config_set *set = get(c);
    assert_int_equal(set->n_configs, 6);
    assert_int_equal(set->n_failed, 4);
    assert_null(by_file(set, s, "a.cfg")->error);
    const struct xm_config *b = by_file(set, s, "b.cfg");
    assert_non_null(b->error);
    assert_non_null(strstr(b->error, "domain name \"twin\" is already configured by "));
    assert_non_null(strstr(b->error, "/a.cfg"));
    assert_non_null(strstr(by_file(set, s, "c.cfg")->error, "config parsing error"));
    assert_int_equal(by_file(set, s, "d.cfg")->mode, XM_MODE_HVM);
    assert_string_equal(by_file(set, s, "e.cfg")->error, "a directory, not a plain file");
    assert_non_null(strstr(by_file(set, s, "f.cfg")->error, "symbolic link loop"));
    assert_int_equal(set->n_skipped, 1);
    assert_non_null(strstr(set->skipped[0].file, "/xl.conf"));

    const struct xm_config *found = xm_config_set_find(set, "twin");
    assert_non_null(found);
    assert_int_equal(found->mode, XM_MODE_HVM);
    assert_null(xm_config_set_find(set, "nobody"));
    xm_config_set_free(set);

    /* Removing the first twin gives the name to the second. */
    snprintf(path, sizeof path, "%s/a.cfg", s->dir);
    assert_int_equal(unlink(path), 0);
    set = get(c);
    b = by_file(set, s, "b.cfg");
    assert_null(b->error);
    assert_true(b->changed);
    assert_int_equal(b->mode, XM_MODE_PVH);
    assert_int_equal(set->n_failed, 3);
    xm_config_set_free(set);
    xm_config_cache_free(c);
}

static void test_auto_directory(void **state)
{
    struct scratch *s = *state;
    char path[256];
    put(s, "web.cfg", "name = \"web\"\ntype = \"hvm\"\n");
    snprintf(path, sizeof path, "%s/auto", s->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/auto/web.cfg", s->dir);
    assert_int_equal(symlink("../web.cfg", path), 0);
    put(s, "auto/db", "name = \"db\"\ntype = \"pvh\"\nkernel = \"k\"\n");
    put(s, "auto/db.cfg~", "name = \"db\"\n");

    struct xm_config_set *set = NULL;
    assert_int_equal(xm_config_scan(s->dir, &set, NULL), XM_OK);
    assert_int_equal(set->n_configs, 2);
    assert_int_equal(set->n_failed, 0);
    assert_true(by_file(set, s, "web.cfg")->autostart);
    assert_true(by_file(set, s, "auto/db")->autostart);
    assert_int_equal(set->n_skipped, 2); /* auto/db.cfg~, auto/web.cfg */
    xm_config_set_free(set);
}

static void test_missing_directory(void **state)
{
    struct scratch *s = *state;
    char path[256];
    snprintf(path, sizeof path, "%s/nothing-here", s->dir);
    struct xm_config_set *set = (void *)1;
    struct xm_error err = {0};
    assert_int_equal(xm_config_scan(path, &set, &err), XM_ERR_IO);
    assert_null(set);
    assert_non_null(strstr(err.message, "nothing-here"));
    assert_non_null(strstr(err.message, "No such file or directory"));
}

static void test_fifo_does_not_block(void **state)
{
    struct scratch *s = *state;
    char path[256];
    snprintf(path, sizeof path, "%s/fifo.cfg", s->dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    struct xm_config c;
    assert_int_equal(xm_config_read_file(path, &c, NULL), XM_OK);
    assert_string_equal(c.error, "a FIFO, not a plain file");
    xm_config_dispose(&c);
}

static void test_size_limit(void **state)
{
    struct scratch *s = *state;
    char path[256];
    snprintf(path, sizeof path, "%s/big.cfg", s->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, XM_CONFIG_MAX_FILE_SIZE + 1), 0);
    close(fd);
    struct xm_config c;
    assert_int_equal(xm_config_read_file(path, &c, NULL), XM_OK);
    assert_non_null(strstr(c.error, "1048577 bytes, larger than the 1048576-byte limit"));
    xm_config_dispose(&c);

    /* Exactly at the limit is read (and refused before parsing: NULs). */
    assert_int_equal(truncate(path, XM_CONFIG_MAX_FILE_SIZE), 0);
    assert_int_equal(xm_config_read_file(path, &c, NULL), XM_OK);
    assert_non_null(strstr(c.error, "NUL bytes"));
    xm_config_dispose(&c);
}

struct thread_arg {
    struct xm_config_cache *c;
    int failures;
};

static void *hammer(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 50; i++) {
        struct xm_config_set *set = NULL;
        if (xm_config_cache_get(a->c, &set, NULL) != XM_OK || set->n_configs != 3)
            a->failures++;
        xm_config_set_free(set);
    }
    return NULL;
}

static void test_threads(void **state)
{
    struct scratch *s = *state;
    put(s, "a.cfg", "name = \"a\"\ntype = \"hvm\"\n");
    put(s, "b.cfg", "name = \"b\"\ntype = \"hvm\"\n");
    put(s, "c.cfg", "name = \"c\"\ntype = \"hvm\"\n");
    struct xm_config_cache *c = NULL;
    assert_int_equal(xm_config_cache_new(s->dir, &c, NULL), XM_OK);
    pthread_t t[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){c, 0};
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(reads(c), 3);
    xm_config_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rereads_only_changed_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_does_not_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* xm_config_int.h - shared by the core's xm_config*.c files, not a public API. */
#ifndef XM_CONFIG_INT_H
#define XM_CONFIG_INT_H

#include <stdbool.h>
#include <sys/stat.h>

#include "xenmode/configs.h"

/*
 * As xm_config_read_file; when the file was opened, *st is its fstat()
 * (what was read) and *have_st is true, so the cache can tell later whether
 * it changed. A file that was not opened (missing, not a plain file, too
 * big) has *have_st false and is looked at again on every scan.
 */
int xm_config_read_file_st(const char *path, struct xm_config *out, struct stat *st,
                           bool *have_st, struct xm_error *err);

/* Deep copy of src into *dst (zeroed first). RETURN VALUE: 0, or -1 when
 * out of memory (dst cleared). */
int xm_config_copy(struct xm_config *dst, const struct xm_config *src);

/* What stat() said about a configuration's kernel file, to tell whether
 * it changed since its header was read. */
struct xm_boot_state {
    int err;          /* 0, or stat()'s errno */
    struct stat st;
};

/* The state of c->pv_kernel now (err ENOENT when c has none). */
void xm_config_boot_state(const struct xm_config *c, struct xm_boot_state *s);
bool xm_config_boot_same(const struct xm_boot_state *a, const struct xm_boot_state *b);

/* Reads c->pv_kernel's header into c->pv_width_bits and pv_width_reason
 * (nothing to do without pv_kernel). RETURN VALUE: 0, -1 out of memory. */
int xm_config_probe_width(struct xm_config *c);

/* Whether two stat()s are the same state of the same file (device, inode,
 * size, mtime, ctime). */
bool xm_same_file_state(const struct stat *a, const struct stat *b);

#endif

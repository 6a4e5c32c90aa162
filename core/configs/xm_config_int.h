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

#endif

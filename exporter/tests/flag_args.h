/* Test helper shared by the exporter's unit tests: runs the flag parser on
 * a NULL-terminated list of arguments after the program name. */
#ifndef XE_TEST_FLAG_ARGS_H
#define XE_TEST_FLAG_ARGS_H

#include <stddef.h>

#include "xe_flags.h"

/* RETURN VALUE: xe_flags_parse's. At most 14 arguments are taken. */
int xt_parse_flags(struct xe_flags *f, char *err, size_t errsz, ...);

#endif

#include "flag_args.h"

#include <stdarg.h>

int xt_parse_flags(struct xe_flags *f, char *err, size_t errsz, ...)
{
    char *argv[16] = {"xenmode_exporter"};
    int argc = 1;
    va_list ap;
    va_start(ap, errsz);
    for (char *s; (s = va_arg(ap, char *)) != NULL && argc < 15;)
        argv[argc++] = s;
    va_end(ap);
    argv[argc] = NULL;
    return xe_flags_parse(argc, argv, f, err, errsz);
}

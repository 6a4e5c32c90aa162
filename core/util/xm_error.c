#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xenmode/util.h"

int xm_set_error(struct xm_error *err, enum xm_err code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    /* One line: messages quote libxl logs and xenstore values. */
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return code;
}

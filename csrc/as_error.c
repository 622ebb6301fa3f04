/* as_error.c -- filling as_error records. */
#include "as_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int as_error_set(as_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void as_error_clear(as_error *err)
{
    if (err != NULL) {
        err->code = AS_OK;
        err->line = 0;
        err->msg[0] = '\0';
    }
}

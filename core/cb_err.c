/* cb_err.c -- failure reasons into the caller's buffer (cb_err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "cb_err.h"

int cb_err_set(char *errstr, size_t errstr_size, const char *fmt, ...)
{
    va_list ap;

    if (errstr_size > 0) {
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* sw_error (error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int sw_fail(struct sw_error *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->code = code;
    return code;
}

int sw_exit_status(int code)
{
    if (code >= 0)
        return 0;
    if (code < SW_ETASK)
        return -SW_ETASK;
    return -code;
}

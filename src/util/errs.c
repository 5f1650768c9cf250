#include "util/errs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

void errs_init(errs *e)
{
    e->n = 0;
    e->truncated = 0;
}

int errs_add(errs *e, const char *code, const char *path, const char *fmt, ...)
{
    va_list ap;
    if (e->n >= ERRS_MAX) {
        e->truncated = 1;
        return -1;
    }
    errs_item *it = &e->items[e->n++];
    snprintf(it->code, sizeof it->code, "%s", code);
    snprintf(it->path, sizeof it->path, "%s", path ? path : "");
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof it->message, fmt, ap);
    va_end(ap);
    /* the buffers (and callers' "%.20s") may cut a multi-byte character; one invalid byte would
     * make the JSON encoder drop the whole error list */
    utf8_repair(it->code);
    utf8_repair(it->path);
    utf8_repair(it->message);
    return -1;
}

/* Validation errors collected all at once: each has a stable code, a JSON-pointer-like path
 * ("/items/3/hs_code") and a human message. API responses list every one of them (422). */
#ifndef ECUSTOMS_UTIL_ERRS_H
#define ECUSTOMS_UTIL_ERRS_H

#include <stddef.h>

#define ERRS_MAX 200 /* a request with more problems than this is reported up to the cap */

typedef struct errs_item {
    char code[40];
    char path[96];
    char message[200];
} errs_item;

typedef struct errs {
    errs_item items[ERRS_MAX];
    int n;
    int truncated; /* more errors than ERRS_MAX were found */
} errs;

void errs_init(errs *e);
/* Appends an error; message is a printf format. Returns -1 so callers can `return
 * errs_add(...)`. */
int errs_add(errs *e, const char *code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

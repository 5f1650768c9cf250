/* Strict objects: every request body lists the fields it may carry, and an unknown one is an
 * error (a typo must never be silently ignored). One check for every decoder. */
#ifndef ECUSTOMS_CODEC_JSON_FIELDS_H
#define ECUSTOMS_CODEC_JSON_FIELDS_H

#include <jansson.h>

#include "util/errs.h"

/* Appends an "unknown_field" error at path/<key> for every key of obj not in the NULL-terminated
 * allowed list. Returns the number of unknown fields. */
int json_check_fields(json_t *obj, const char *const *allowed, const char *path, errs *e);

#endif
